"""The one assertion every bad-input test makes of the command line."""

import time

from checks.app import cli


def one_line(argv, capsys, code, fragment, seconds=2.0):
    """``theorycheck argv`` exits with ``code`` within ``seconds`` and says ``fragment`` on stderr
    in one line, with no traceback; the line is returned."""
    start = time.perf_counter()
    assert cli.main(argv) == code
    err = capsys.readouterr().err
    assert fragment in err, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert time.perf_counter() - start < seconds
    return err


def one_line_exit_2(argv, capsys, fragment):
    """``theorycheck argv`` is bad input: exit 2 and ``fragment`` in one line on stderr, no
    traceback; the seconds it took are returned (some callers bound them)."""
    start = time.perf_counter()
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err
    return time.perf_counter() - start
