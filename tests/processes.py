"""Child processes of the tests: run from this source tree, and interrupted as a terminal's Ctrl-C would."""

import os
import signal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent    # the source tree the children import


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: this one's, with the source tree first on its path."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def default_sigint() -> None:
    """``preexec_fn`` for a child that must see Ctrl-C: a shell's background job (CI runners, ``&``)
    starts with SIGINT ignored, the child inherits that, and Python then installs no
    KeyboardInterrupt handler at all, so an interrupt test would fail for a reason not its own."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
