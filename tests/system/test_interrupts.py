"""Interrupted and killed: Ctrl-C stops every process at once with one line and exit 130, a killed
parent takes its workers with it, a killed worker is an infrastructure failure (exit 3, nothing
refuted), and earlier outputs are left intact."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checks.app import cli, fuzz, report, sweep
from tests.processes import child_env, default_sigint
from tests.system.usage import one_line


def _sweep_process(tmp_path, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "checks", "sweep", "--ks", "2,3,4,5", "--ratios", "0.3,0.6", "--runs", "40000",
         "--chunk-runs", "200", "--workers", "2", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"),
         *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        cwd=tmp_path, preexec_fn=default_sigint)


def _children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _wait_for_progress(process, tmp_path, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline and not list((tmp_path / "cache").glob("*.json")):
        # a sweep that ended (a bad install, a crash) cannot make progress: say why now
        assert process.poll() is None, f"the sweep ended early: {process.communicate()[1][-2000:]}"
        time.sleep(0.2)
    assert list((tmp_path / "cache").glob("*.json")), "the sweep never finished a chunk"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
def test_ctrl_c_ends_a_sweep_with_one_line_and_exit_130(tmp_path):
    process = _sweep_process(tmp_path)
    _wait_for_progress(process, tmp_path)
    os.killpg(process.pid, signal.SIGINT)      # what Ctrl-C does: the whole foreground group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err and "CancelledError" not in err
    assert sum("theorycheck:" in line for line in err.splitlines()) == 1
    assert list((tmp_path / "cache").glob("*.json"))          # finished chunks stay cached


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
def test_a_killed_sweep_takes_its_workers_with_it(tmp_path):
    process = _sweep_process(tmp_path)
    _wait_for_progress(process, tmp_path)
    workers = _children(process.pid)
    assert workers
    process.kill()                              # SIGKILL: no cleanup runs in the main process
    process.wait(timeout=10)
    deadline = time.time() + 10
    while time.time() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.2)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]]
    assert not alive, f"workers {alive} outlived their parent"








def _start(tmp_path, argv):
    return subprocess.Popen([sys.executable, "-m", "checks", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=tmp_path, env=child_env(),
                            preexec_fn=default_sigint)


def _pool_workers(pid):
    """The spawned pool workers of ``pid`` (not multiprocessing's resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != pid:
                continue
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if b"spawn_main" in command and b"resource_tracker" not in command:
            found.append(int(stat.parent.name))
    return found


def _wait_for_workers(process, count, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline and process.poll() is None:
        workers = _pool_workers(process.pid)
        if len(workers) >= count:
            return workers
        time.sleep(0.2)
    raise AssertionError(f"the pool never had {count} workers (exit {process.poll()})")


def _alive(pid):
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False


def _finish(process, seconds):
    try:
        return process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"still running {seconds} s later") from None


# two claims that take minutes at the standard budget, one per process
# two long claims that run in two processes (success- and spurious-probability share one task:
# checks.app.report.SHARED_GRID)
SLOW_CLAIMS = ["check", "success-probability", "two-phase", "--jobs", "2", "--budget", "standard"]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
def test_ctrl_c_stops_claims_in_several_processes_at_once(tmp_path):
    process = _start(tmp_path, SLOW_CLAIMS)
    workers = _wait_for_workers(process, 2)
    time.sleep(3)                                  # both claims running
    os.killpg(process.pid, signal.SIGINT)
    start = time.time()
    for _ in range(3):                             # Ctrl-C pressed again while it stops
        time.sleep(0.2)
        try:
            os.killpg(process.pid, signal.SIGINT)
        except ProcessLookupError:
            break
    _, err = _finish(process, 60)
    assert time.time() - start < 10, "stopping waited for the running claims"
    assert process.returncode == 130, err
    assert "Traceback" not in err and sum("theorycheck:" in line for line in err.splitlines()) == 1, err
    deadline = time.time() + 5
    while time.time() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
@pytest.mark.parametrize("program", ["check", "sweep"])
def test_a_killed_worker_is_an_infrastructure_failure_not_a_refutation(program, tmp_path):
    argv = SLOW_CLAIMS if program == "check" else [
        "sweep", "--ks", "2,3,4,5", "--ratios", "0.3,0.6", "--runs", "40000", "--chunk-runs", "200", "--workers", "2",
        "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]
    process = _start(tmp_path, argv)
    workers = _wait_for_workers(process, 2 if program == "check" else 1)
    time.sleep(2)
    os.kill(workers[0], signal.SIGKILL)
    _, err = _finish(process, 60)
    assert process.returncode == 3, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if "theorycheck:" in line]
    assert len(lines) == 1 and "infrastructure failure" in lines[0] and "nothing is refuted" in lines[0], err
    assert not (tmp_path / "out" / "sweep.json").exists()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8])
def test_ctrl_c_while_the_workers_start_is_one_line(delay, tmp_path):
    process = _start(tmp_path, SLOW_CLAIMS)
    _wait_for_workers(process, 2)
    time.sleep(delay)                              # workers still importing (a traceback from one before)
    os.killpg(process.pid, signal.SIGINT)
    _, err = _finish(process, 60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert sum("theorycheck:" in line for line in err.splitlines()) == 1, err


def test_memory_exhausted_is_an_infrastructure_failure(monkeypatch, capsys, fake_claim):
    def exhausted(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(report, "run_claims", exhausted)
    one_line(["check", "fake"], capsys, 3, "infrastructure failure: out of memory")


def test_interrupted_fuzz_keeps_the_previous_findings(tmp_path, capsys, monkeypatch):
    (tmp_path / "fuzz.json").write_text('{"previous": true}')

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(fuzz, "run_target", interrupted)
    assert cli.main(["fuzz", "--time", "1s", "--out", str(tmp_path)]) == 130
    assert json.loads((tmp_path / "fuzz.json").read_text()) == {"previous": True}
    assert "previous outputs left intact" in capsys.readouterr().err


def test_interrupted_sweep_keeps_the_previous_table(tmp_path, capsys, monkeypatch):
    (tmp_path / "sweep.json").write_text('{"previous": true}')

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(sweep, "run_sweep", interrupted)
    code = cli.main(["sweep", "--ks", "2", "--ratios", "0.5", "--etas", "1", "--runs", "10",
                     "--workers", "1", "--out", str(tmp_path), "--cache", str(tmp_path / "c"), "--force"])
    assert code == 130 and json.loads((tmp_path / "sweep.json").read_text()) == {"previous": True}
    capsys.readouterr()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_a_sweep_with_one_line(signum, tmp_path):
    process = _sweep_process(tmp_path)
    _wait_for_progress(process, tmp_path)
    process.send_signal(signum)                 # `kill PID`, or the terminal closing
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum
    assert f"theorycheck: stopped by {signal.Signals(signum).name}; previous outputs left intact" in err
    assert "Traceback" not in err and "leaked semaphore" not in err, err
    assert sum("theorycheck:" in line for line in err.splitlines()) == 1
