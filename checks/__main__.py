"""``python -m checks``: the ``theorycheck`` command."""

import sys

from checks.app.cli import main

sys.exit(main())
