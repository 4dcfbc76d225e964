"""Child processes that the tests interrupt as a terminal's Ctrl-C would."""

import signal


def default_sigint() -> None:
    """``preexec_fn`` for a child that must see Ctrl-C: a shell's background job (CI runners, ``&``)
    starts with SIGINT ignored, the child inherits that, and Python then installs no
    KeyboardInterrupt handler at all, so an interrupt test would fail for a reason not its own."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
