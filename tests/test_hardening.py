"""Extreme but valid inputs, corrupt side files, interrupted and killed sweeps (issue 13, by number).

Every case here failed before: a SystemError, a silent inf/NaN, an η = 0 run, a traceback, or a
worker left running.
"""

import json
import math
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.app import cli, sweep
from tests.processes import default_sigint
from theory import Teacher, dynamics, landscape

TEACHER = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])
ENGINES = ("reduced-numba", "reduced-numpy", "full")


def one_line_exit_2(argv, capsys, fragment):
    start = time.perf_counter()
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err
    return time.perf_counter() - start


# 1. a tiny ‖v₀‖ -------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("scale", [1e-105, 1e-110, 1e-200, 1e-300])
def test_a_tiny_v0_is_run_by_every_engine_alike(scale):
    V0, A0 = dynamics.random_init(TEACHER, 8, np.random.default_rng(1))
    results = {e: dynamics.run_gd(TEACHER, V0 * scale, A0, steps=3000, engine=e) for e in ENGINES}
    for result in results.values():
        assert np.all(np.isfinite(result.V)) and np.all(np.isfinite(result.A))
        assert result.counts()["undecided"] == 0
        assert np.array_equal(result.outcome, results["full"].outcome)


def test_a_v0_too_short_for_float64_is_refused_with_its_limit():
    V0, A0 = dynamics.random_init(TEACHER, 2, np.random.default_rng(1))
    with pytest.raises(ValueError, match="V0"):
        dynamics.run_gd(TEACHER, V0 * 1e-310, A0, steps=5)


# 2. silent inf/NaN ----------------------------------------------------------------------------

@settings(max_examples=40)
@given(st.floats(-320, 320), st.floats(-320, 320))
def test_teachers_of_any_scale_are_finite_or_refused(log_w, log_a):
    with np.errstate(over="ignore"):      # 10^320 is inf: the teacher must refuse it by name
        w_star, a_star = np.array([1.0, 2.0]) * np.power(10.0, log_w), np.array([1.0, 2.0]) * np.power(10.0, log_a)
    try:
        teacher = Teacher(w_star, a_star)
    except ValueError as exc:
        assert "w_star" in str(exc) or "a_star" in str(exc)
        return
    eta = dynamics.default_eta(teacher)
    assert math.isfinite(eta) and eta > 0
    assert math.isfinite(landscape.loss(teacher, [1.0, 0.0], [0.1, 0.1]))
    result = dynamics.run_gd(teacher, [[1.0, 0.5]], [[0.1, -0.1]], steps=20)
    assert np.all(np.isfinite(result.V)) and np.all(np.isfinite(result.A))


@settings(max_examples=40)
@given(st.floats(-20, 120))
def test_step_sizes_of_any_size_give_finite_labelled_runs_or_a_clear_error(log_multiple):
    eta = 10.0 ** log_multiple * dynamics.default_eta(TEACHER)
    try:
        result = dynamics.run_gd(TEACHER, [[1.0, 0.5, 0.2]], [[0.1, -0.1, 0.3]], eta=eta, steps=200)
    except ValueError as exc:
        assert "eta must be at most" in str(exc) and log_multiple > 99
        return
    assert np.all(np.isfinite(result.V)) and np.all(np.isfinite(result.A))
    if log_multiple > math.log10(8):          # ηα > 2 beyond 4× the default for this teacher
        assert result.outcome[0] == "diverged"


def test_a_loss_that_overflows_is_an_error_not_nan():
    with pytest.raises(ValueError, match="overflows float64"):
        landscape.loss(TEACHER, [1.0, 0.0, 0.0], [1e200, 1e200, 1e200])


# 3, 7. interrupts and killed sweeps ------------------------------------------------------------

def test_a_cancelled_chunk_is_not_asked_for_its_exception(tmp_path):
    future = Future()
    future.cancel()
    cache = sweep.ChunkCache(tmp_path)
    sweep.cache_when_done(cache, "key", 10, future)   # raised CancelledError in a callback before
    assert not list(tmp_path.glob("*.json"))


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


# 4, 5. side files read by the report --------------------------------------------------------

@pytest.mark.parametrize("content", ['{"x": 1}', '{"time_budget_seconds": NaN, "seed": 0, "targets": []}',
                                     "not json", "[1, 2]"])
def test_a_bad_fuzz_file_stops_the_report_before_any_claim(content, tmp_path, capsys):
    (tmp_path / "fuzz.json").write_text(content)
    assert one_line_exit_2(["report", "--out", str(tmp_path)], capsys, "fuzz") < 2


@pytest.mark.parametrize("content", ['{"claims": [{}]}', "[1, 2]", '{"claims": [{"id": "x", "verdict": "maybe", '
                                     '"evidence": {"summary": ""}}]}'])
def test_a_bad_comparison_file_stops_the_report_before_any_claim(content, tmp_path, capsys):
    (tmp_path / "old.json").write_text(content)
    assert one_line_exit_2(["report", "--out", str(tmp_path / "out"), "--compare", str(tmp_path / "old.json")],
                           capsys, "--compare") < 2


# 6, 9, 10. sweep and report arguments ---------------------------------------------------------------

@pytest.mark.parametrize("argv, fragment", [
    (["sweep", "--etas", "inf"], "eta multiples must be positive"),
    (["sweep", "--etas", "nan"], "eta multiples must be positive"),
    (["sweep", "--dask", "garbage"], "cannot reach a Dask scheduler"),
    (["sweep", "--dask", "http://127.0.0.1:1"], "cannot reach a Dask scheduler"),
    (["sweep", "--dask", ""], "--dask needs the scheduler's address"),
    (["sweep", "--ks", "100000000"], "ks and ps must be at most"),
    (["sweep", "--ps", "100000000"], "ks and ps must be at most"),
    (["sweep", "--ratios", "inf"], "ratios must be finite"),
])
def test_sweep_arguments_beyond_their_range_are_one_line(argv, fragment, capsys, tmp_path):
    one_line_exit_2([*argv, "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c")], capsys, fragment)


def test_a_cache_inside_the_source_tree_is_refused(capsys, tmp_path):
    source = Path(cli.__file__).resolve().parents[2]
    one_line_exit_2(["sweep", "--out", str(tmp_path), "--cache", str(source / "theory" / "cache")], capsys,
                    "inside the source tree")


def test_a_precision_beyond_the_cap_is_refused():
    with pytest.raises(ValueError, match=r"dps must be an integer in \[16, 5000\]"):
        landscape.loss(TEACHER, [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], dps=10**9)


def test_a_staged_file_left_by_a_killed_writer_is_removed_by_the_next(tmp_path):
    from checks.app import report
    stale = tmp_path / ".claims.json.abc123.tmp"
    stale.write_text("")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    report.write_atomically({tmp_path / "claims.json": "{}"})
    assert not stale.exists() and (tmp_path / "claims.json").read_text() == "{}"


@pytest.mark.parametrize("call, message", [
    (lambda: dynamics.random_init(TEACHER, 2, None), "rng must be a numpy Generator"),
    (lambda: dynamics.run_gd(TEACHER, [["1", "2", "3"]], [[1.0, 2.0, 3.0]]), "V0 must be an array of real numbers"),
    (lambda: dynamics.outcome_counts(TEACHER, 5, None), "rng must be a numpy Generator"),
])
def test_api_misuse_is_a_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# 8. cache entries -----------------------------------------------------------------------------

def test_an_edited_cache_entry_with_a_recomputed_checksum_is_not_trusted(tmp_path):
    grid = sweep.Grid(ks=(2,), ratios=(0.5,), eta_multiples=(1.0,), runs=100, chunk_runs=100, ps=(3,))
    cache = sweep.ChunkCache(tmp_path)
    first = sweep.run_sweep(grid, _Inline(), cache)
    (entry,) = tmp_path.glob("*.json")
    data = json.loads(entry.read_text())
    data["counts"]["global"] = 11_000                        # more runs than the chunk has
    data["checksum"] = sweep.ChunkCache._checksum(data["key"], data["runs"], data["counts"])
    entry.write_text(json.dumps(data))
    again = sweep.run_sweep(grid, _Inline(), sweep.ChunkCache(tmp_path))
    assert again.corrupted_cache_entries == 1 and again.to_json()["rows"] == first.to_json()["rows"]
    data["counts"] = {"global": "many"}                       # wrong types, matching checksum
    data["checksum"] = sweep.ChunkCache._checksum(data["key"], data["runs"], data["counts"])
    entry.write_text(json.dumps(data))
    assert sweep.run_sweep(grid, _Inline(), sweep.ChunkCache(tmp_path)).to_json()["rows"] == first.to_json()["rows"]


class _Inline:
    """An executor that runs each chunk at once, in this process."""

    def submit(self, function, *args):
        future = Future()
        future.set_result(function(*args))
        return future
