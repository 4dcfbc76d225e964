"""The ``theorycheck`` command under its first name: console scripts installed before the layers
(issue 28) import ``checks.cli:main``. The command lives in :mod:`checks.app.cli`."""

from checks.app.cli import main

__all__ = ["main"]
