"""Faults and hostile input, round two (issue 21, by number): interrupts that stop work, dead
workers, one report or none, caches nobody can poison, every argument validated.

Every case here failed before the change that added it.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from checks import claims as catalogue
from checks.app import cli, guards, report, sweep
from checks.experiments import cells
from checks.verdicts.claim import Claim
from checks.verdicts.outcome import Evidence, Outcome
from tests.processes import default_sigint
from theory import Teacher, dynamics, formulas, gaussian, validation

TEACHER = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])
ROOT = Path(__file__).resolve().parent.parent


def _env(**extra):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    return env


# 4. cached engine arrays -------------------------------------------------------------------

def test_cached_decision_tables_and_planes_cannot_be_edited_by_the_caller():
    V0, A0 = dynamics.random_init(TEACHER, 200, np.random.default_rng(3))
    before = dynamics.run_gd(TEACHER, V0, A0, steps=3000, until_decided=True).counts()
    table = dynamics.decision_table(TEACHER, dynamics.default_eta(TEACHER))
    plane = dynamics.reduced_plane(TEACHER)
    for array in (table.r2_min, table.levels, table.band, plane.basis, plane.q_one, plane.q_astar):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 1e300
    with pytest.raises(AttributeError):      # the run rule is a named tuple: immutable
        table.rule.slack = 1e300  # type: ignore[misc]
    assert dynamics.run_gd(TEACHER, V0, A0, steps=3000, until_decided=True).counts() == before
    assert before["undecided"] == 0


# 5. steps and η beyond their range ----------------------------------------------------------------

@pytest.mark.parametrize("steps", [2**63 - 1, 2**63, validation.MAX_STEPS + 1, 10**100])
def test_steps_beyond_the_documented_maximum_are_a_value_error(steps):
    V0, A0 = dynamics.random_init(TEACHER, 4, np.random.default_rng(1))
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 1e\+15\]"):
        dynamics.run_gd(TEACHER, V0, A0, steps=steps, until_decided=True)
    with pytest.raises(ValueError, match="max_steps must be an integer"):
        dynamics.outcome_counts(TEACHER, 4, np.random.default_rng(1), max_steps=steps)


def test_the_maximum_number_of_steps_decides_runs_in_every_engine():
    V0, A0 = dynamics.random_init(TEACHER, 16, np.random.default_rng(1))
    outcomes = [dynamics.run_gd(TEACHER, V0, A0, steps=validation.MAX_STEPS, until_decided=True, engine=e).outcome
                for e in ("reduced-numba", "reduced-numpy")]
    assert np.array_equal(outcomes[0], outcomes[1]) and "undecided" not in outcomes[0]


@pytest.mark.parametrize("eta", [10**400, -(10**400)])
def test_an_integer_step_size_beyond_float64_is_a_value_error(eta):
    with pytest.raises(ValueError, match="eta must be a positive finite number"):
        dynamics.run_gd(TEACHER, [[1.0, 0.5, 0.2]], [[0.1, -0.1, 0.3]], eta=eta, steps=5)


# 6. Gaussian moments and Monte Carlo -------------------------------------------------------------

@pytest.mark.parametrize("call", [lambda: gaussian.relu_second_moment(1e200),
                                  lambda: gaussian.relu_cross_moment(1e160, 1e160, 1.0),
                                  lambda: gaussian.relu_mean(1.7e308)])
def test_a_moment_that_overflows_float64_is_an_error_or_finite(call):
    try:
        value = call()
    except ValueError as exc:
        assert "overflows float64" in str(exc) and "dps" in str(exc)
    else:
        assert np.isfinite(float(value))


def test_a_moment_beyond_float64_is_exact_with_dps():
    import mpmath
    assert abs(gaussian.relu_second_moment(1e200, dps=30) / mpmath.mpf("5e399") - 1) < 1e-12


@pytest.mark.parametrize("theta, fragment", [
    (formulas.Angle(10.0, -6.86), "theta.phi must lie in"),
    (formulas.Angle(1.0, 1.0), "inconsistent Angle"),
    (formulas.Angle(float("nan"), 1.0), "theta.phi must be finite"),
    (formulas.Angle(1.0, float("nan")), "theta.delta must be finite"),
    (formulas.Angle("1.0", 2.0), "theta.phi must be a real number"),
    ("1.0", "theta must be a real number"),
    (True, "theta must be a real number"),
    (float("nan"), "theta must be finite"),
])
def test_bad_angles_are_refused(theta, fragment):
    with pytest.raises(ValueError, match=fragment):
        gaussian.relu_cross_moment(1.0, 1.0, theta)
    with pytest.raises(ValueError, match=fragment):
        gaussian.quadrature_moments(1.0, 1.0, theta, dps=20)


def test_a_consistent_angle_is_accepted_at_both_ends():
    from theory.arith import arith_for
    for phi in (0.0, 1.0, np.pi):
        angle = formulas.angle_from_phi(phi, arith_for(None))
        assert gaussian.relu_cross_moment(1.0, 1.0, angle) == gaussian.relu_cross_moment(1.0, 1.0, phi)


@pytest.mark.parametrize("chunk", [0, -1, 1.5, True, "8"])
def test_monte_carlo_refuses_a_bad_chunk(chunk):
    teacher = Teacher([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="chunk must be an integer"):
        gaussian.monte_carlo_loss(teacher, [1.0, 0.0], [1.0, 1.0], 100, np.random.default_rng(0), chunk=chunk)


def test_monte_carlo_refuses_a_missing_generator():
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        gaussian.monte_carlo_loss(Teacher([1.0, 2.0], [1.0, 1.0]), [1.0, 0.0], [1.0, 1.0], 100, None)


def test_a_monte_carlo_loss_that_overflows_is_a_clear_error(recwarn):
    teacher = Teacher([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="Monte Carlo loss overflows float64"):
        gaussian.monte_carlo_loss(teacher, [1.0, 0.0], [1e200, 1e200], 1000, np.random.default_rng(0))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


class _RecordingGenerator(np.random.Generator):
    """Records the shape of the first draw, then stops the estimate."""

    def standard_normal(self, size=None, *args, **kwargs):
        self.size = size
        raise StopIteration


def test_monte_carlo_draws_a_chunk_that_fits_in_memory_whatever_k_and_p():
    teacher = Teacher(np.ones(3000), np.ones(3000))
    rng = _RecordingGenerator(np.random.PCG64(0))
    with pytest.raises(StopIteration):
        gaussian.monte_carlo_loss(teacher, np.ones(3000), np.ones(3000), 10**5, rng)
    m, k, p = rng.size
    assert (k, p) == (3000, 3000) and m >= 1 and 8 * m * k * p <= gaussian.MC_CHUNK_BYTES
    small = Teacher([1.0, 2.0], [1.0, 1.0])
    assert gaussian.monte_carlo_chunk(small, 65536) == 65536        # small inputs: chunk as asked


def test_monte_carlo_refuses_an_input_too_large_for_memory():
    with pytest.raises(ValueError, match="one Gaussian input"):
        gaussian.monte_carlo_chunk(Teacher(np.ones(10**5), np.ones(10**4)), 10)


# 10. NUMBA_DISABLE_JIT ----------------------------------------------------------------------------

def test_with_the_jit_disabled_the_numpy_engine_runs_and_the_environment_says_so():
    code = ("import numpy as np; from theory import Teacher, dynamics, reduced_gd; from checks.app import report;"
            "from checks.verdicts import budget as registry;"
            "t = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4]);"
            "V, A = dynamics.random_init(t, 4, np.random.default_rng(0));"
            "print(reduced_gd.compiled_kernel(), dynamics.run_gd(t, V, A, steps=50).engine,"
            " report.environment(registry.Budget('quick'), 0)['gd_engine'])")
    out = subprocess.run([sys.executable, "-c", code], env=_env(NUMBA_DISABLE_JIT="1"), capture_output=True,
                         text=True, timeout=120, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "reduced-numpy", "reduced-numpy"]


# 14. Teacher hash and eq ---------------------------------------------------------------------------

def test_equal_teachers_hash_alike_also_with_negative_zeros():
    one, other = Teacher([1.0, 0.0], [1.0]), Teacher([1.0, -0.0], [1.0])
    assert one == other and hash(one) == hash(other)
    assert Teacher([1.0, 0.0], [-0.0, 2.0]) == Teacher([1.0, 0.0], [0.0, 2.0])
    assert hash(Teacher([1.0, 0.0], [-0.0, 2.0])) == hash(Teacher([1.0, 0.0], [0.0, 2.0]))
    assert len({one, other}) == 1


# CLI cases -----------------------------------------------------------------------------------------


def one_line(argv, capsys, code, fragment, seconds=2.0):
    start = time.perf_counter()
    assert cli.main(argv) == code
    err = capsys.readouterr().err
    assert fragment in err, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert time.perf_counter() - start < seconds
    return err


@pytest.fixture
def fake_claim(monkeypatch):
    """The registry replaced by one instant claim that records whether it ran."""
    ran = []

    def check(budget, seed):
        ran.append(seed)
        return Outcome("confirmed", Evidence("ok φ — ✓"))
    claim = Claim(id="fake", title="fake", source="derived", statement="a claim", check=check)
    monkeypatch.setattr(catalogue, "all_claims", lambda: [claim])
    monkeypatch.setattr(catalogue, "get", lambda claim_id: claim)
    return ran


# 3. both report files checked first, replaced together or not at all ----------------------------------

@pytest.mark.parametrize("in_the_way", ["index.html", "claims.json"])
def test_a_directory_in_place_of_a_report_file_stops_the_report_before_any_claim(in_the_way, tmp_path, capsys,
                                                                                    fake_claim):
    (tmp_path / "claims.json").write_text("old json")
    (tmp_path / "index.html").write_text("old html")
    (tmp_path / in_the_way).unlink()
    (tmp_path / in_the_way).mkdir()
    one_line(["report", "--out", str(tmp_path)], capsys, 2, "is a directory")
    assert not fake_claim
    other = "claims.json" if in_the_way == "index.html" else "index.html"
    assert (tmp_path / other).read_text() == f"old {other.split('.')[1]}"


def test_a_dangling_staged_file_does_not_lose_the_report(tmp_path, capsys, fake_claim):
    (tmp_path / ".claims.json.x.tmp").symlink_to(tmp_path / "nowhere")
    old = time.time() - 3600
    os.utime(tmp_path / ".claims.json.x.tmp", (old, old), follow_symlinks=False)
    (tmp_path / ".index.html.y.tmp").mkdir()
    assert cli.main(["report", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "claims.json").read_text())["claims"][0]["id"] == "fake"
    assert (tmp_path / "index.html").exists()


def _second_rename_fails(monkeypatch) -> None:
    """os.replace fails (disk full) on its second call, as if the disk filled between the two files."""
    real, calls = os.replace, []

    def failing_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)
    monkeypatch.setattr(os, "replace", failing_second)


def test_a_rename_failing_midway_leaves_both_previous_files(tmp_path, monkeypatch):
    files = {tmp_path / "claims.json": "new json", tmp_path / "index.html": "new html"}
    for path in files:
        path.write_text("old " + path.suffix)
    _second_rename_fails(monkeypatch)
    with pytest.raises(OSError):
        report.write_atomically(files)
    assert [p.read_text() for p in files] == ["old .json", "old .html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.json", "index.html"]


def test_a_rename_failing_midway_with_no_previous_report_leaves_none(tmp_path, monkeypatch):
    files = {tmp_path / "claims.json": "new json", tmp_path / "index.html": "new html"}
    _second_rename_fails(monkeypatch)
    with pytest.raises(OSError):
        report.write_atomically(files)
    assert list(tmp_path.iterdir()) == []


# 8. hostile --compare and fuzz.json ------------------------------------------------------------------------

def _hostile(kind, path):
    if kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif kind == "deep-object":
        path.write_text('{"claims": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "large":
        path.write_text(json.dumps({"claims": [], "padding": "x" * 2000}))
    return path


@pytest.mark.parametrize("kind, fragment", [("deep", "nested more than"), ("deep-object", "nested more than"),
                                            ("fifo", "not a regular file"), ("directory", "not a regular file"),
                                            ("dev-zero", "not a regular file"), ("large", "bytes")])
def test_a_hostile_comparison_file_is_one_line_quickly(kind, fragment, tmp_path, capsys, monkeypatch, fake_claim):
    if kind == "large":
        monkeypatch.setattr(guards, "JSON_MAX_BYTES", 1000)
    path = Path("/dev/zero") if kind == "dev-zero" else _hostile(kind, tmp_path / "old.json")
    one_line(["report", "--out", str(tmp_path / "out"), "--compare", str(path)], capsys, 2, fragment)
    assert not fake_claim


@pytest.mark.parametrize("kind, fragment", [("deep", "nested more than"), ("fifo", "not a regular file")])
def test_a_hostile_fuzz_file_is_one_line_quickly(kind, fragment, tmp_path, capsys, fake_claim):
    _hostile(kind, tmp_path / "fuzz.json")
    one_line(["report", "--out", str(tmp_path)], capsys, 2, fragment)
    assert not fake_claim


def test_json_within_the_limits_reads_as_before(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"a": [[[{"b": "[[[{{{"}]]], "c": '\\"['}))
    assert guards.read_json(path, "x") == {"a": [[[{"b": "[[[{{{"}]]], "c": '\\"['}
    path.write_text('{"a": NaN}')
    with pytest.raises(ValueError, match="NaN is not a JSON number"):
        guards.read_json(path, "x")


# 11, 12, 13. process counts, chunk counts, ratios ---------------------------------------------------------

@pytest.mark.parametrize("argv", [["report", "--jobs", "2147483647"],
                                  ["check", "norm-monotone", "--jobs", "2147483647"],
                                  ["sweep", "--workers", "99999999999"], ["sweep", "--workers", "1025"]])
def test_a_process_count_beyond_the_maximum_is_one_line(argv, tmp_path, capsys, fake_claim):
    one_line(argv + ([] if argv[0] == "check" else ["--out", str(tmp_path / "o")]), capsys, 2,
             f"at most {guards.MAX_PROCESSES:,} processes")
    assert not fake_claim


def test_a_sweep_of_too_many_chunks_is_refused_before_building_them(tmp_path, capsys):
    one_line(["sweep", "--runs", "1000000000", "--chunk-runs", "1", "--out", str(tmp_path / "o"),
              "--cache", str(tmp_path / "c")], capsys, 2, "chunks, more than the 100,000 allowed")
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").iterdir())


@pytest.mark.parametrize("ks, ratios, fragment", [("1", "0", "ratio 0 is not attainable at k = 1"),
                                                  ("2", "1.6", "ratio 1.6 is not attainable at k = 2"),
                                                  ("1,4", "1,0.5", "ratio 0.5 is not attainable at k = 1")])
def test_a_ratio_a_teacher_cannot_have_is_refused_not_relabelled(ks, ratios, fragment, tmp_path, capsys):
    one_line(["sweep", "--ks", ks, "--ratios", ratios, "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c")],
             capsys, 2, fragment)


def test_attainable_ratios_pass_and_are_measured_as_labelled():
    assert cells.grid_problem(sweep.Grid()) == ""
    grid = sweep.Grid(ks=(1, 4), ratios=(1.0,), eta_multiples=(1.0,), runs=10, chunk_runs=10, ps=(3,))
    assert cells.grid_problem(grid) == ""
    for k in (1, 4):
        assert sweep.cell_teacher(grid, k, 3, 1.0).spurious_ratio == pytest.approx(
            1.0 * (k + np.pi - 1) / np.pi, rel=1e-12)


# 7. an unwritable sweep cache -------------------------------------------------------------------------

class _Inline:
    """An executor that runs each chunk at once, in this process."""

    def submit(self, function, *args):
        from concurrent.futures import Future
        future = Future()
        future.set_result(function(*args))
        return future


def _full_disk(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_a_cache_that_cannot_be_written_midway_stops_the_sweep_once(tmp_path, monkeypatch, caplog):
    grid = sweep.Grid(ks=(2,), ratios=(0.5,), eta_multiples=(1.0,), runs=40, chunk_runs=10, ps=(3,))
    cache = sweep.ChunkCache(tmp_path)
    monkeypatch.setattr(cache, "put", _full_disk)
    with pytest.raises(guards.InfrastructureError, match=r"cannot be written.*No space left"):
        sweep.run_sweep(grid, _Inline(), cache)
    assert "exception calling callback" not in caplog.text


def test_a_full_disk_under_the_sweep_cache_is_one_line_and_its_own_exit_code(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sweep.ChunkCache, "put", _full_disk)
    monkeypatch.setattr(cli, "_executor", lambda args: (_Inline(), lambda: None, lambda: None))
    argv = ["sweep", "--ks", "2", "--ratios", "0.5", "--etas", "1", "--runs", "40", "--chunk-runs", "10",
            "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c")]
    assert cli.main(argv) == cli.EXIT_INFRASTRUCTURE == 3
    err = capsys.readouterr().err
    assert sum("theorycheck:" in line for line in err.splitlines()) == 1 and "Traceback" not in err
    assert "infrastructure failure" in err and "No space left" in err
    assert not (tmp_path / "o" / "sweep.json").exists()


@pytest.mark.skipif(not Path("/sys").is_dir() or (os.access("/sys", os.W_OK) and os.geteuid() != 0),
                    reason="needs a folder no file can be created in")
@pytest.mark.parametrize("cache", ["/sys", "/sys/theorycheck-cache"])
def test_a_read_only_sweep_cache_is_found_first_once(cache, tmp_path, capsys):
    try:
        Path(cache, ".theorycheck-probe").touch()
    except OSError:
        pass
    else:
        pytest.skip(f"{cache} is writable here")
    argv = ["sweep", "--ks", "2", "--ratios", "0.5", "--etas", "1", "--runs", "40", "--chunk-runs", "10",
            "--workers", "1", "--out", str(tmp_path / "o"), "--cache", cache]
    one_line(argv, capsys, 3, f"--cache {cache} cannot be written")


# 9. terminals that cannot encode the output ------------------------------------------------------------

@pytest.mark.parametrize("env", [{"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
                                 {"PYTHONIOENCODING": "ascii"}])
@pytest.mark.slow
def test_check_prints_on_an_ascii_terminal(env, tmp_path):
    out = subprocess.run([sys.executable, "-m", "checks", "check", "norm-monotone"], capture_output=True,
                         env=_env(**env), timeout=300, cwd=tmp_path, check=False)
    stdout, stderr = out.stdout.decode("ascii"), out.stderr.decode("ascii")   # nothing else was written
    assert out.returncode == 0, stderr
    assert "UnicodeEncodeError" not in stderr and "Traceback" not in stderr
    assert "norm-monotone: confirmed" in stdout and "\\u2016" in stdout     # ‖ escaped, not lost


_REPORT_IN_A_FAKE_REGISTRY = """# ASCII only: a C locale cannot decode anything else on the command line
import sys
from checks import claims as catalogue
from checks.app import cli
from checks.verdicts.claim import Claim
from checks.verdicts.outcome import Evidence, Outcome
claim = Claim(id="fake", title="fake \\u03c6", source="derived", statement="a claim \\u2016v\\u2016",
              check=lambda budget, seed: Outcome("confirmed", Evidence("ok \\u03c6 \\u2014 \\u2713")))
catalogue.all_claims = lambda: [claim]
sys.exit(cli.main(["report", "--out", sys.argv[1], "--jobs", "1"]))
"""


@pytest.mark.parametrize("env", [{"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
                                 {"PYTHONIOENCODING": "ascii"}])
@pytest.mark.slow
def test_a_unicode_out_folder_on_an_ascii_terminal_keeps_the_report(env, tmp_path):
    out_dir = tmp_path / "Berichte-φ-ü"
    out = subprocess.run([sys.executable, "-c", _REPORT_IN_A_FAKE_REGISTRY, os.fsencode(out_dir)],
                         capture_output=True, env=_env(**env), timeout=300, cwd=tmp_path, check=False)
    stderr = out.stderr.decode("ascii", "replace")
    assert out.returncode == 0, stderr
    assert "UnicodeEncodeError" not in stderr and "Traceback" not in stderr
    doc = json.loads((out_dir / "claims.json").read_text(encoding="utf-8"))
    assert doc["claims"][0]["evidence"]["summary"] == "ok φ — ✓"
    assert "Berichte-" in doc["environment"]["command"]
    assert (out_dir / "index.html").exists()
    assert b"claims.json" in out.stdout


# 15. paths that are not what they look like ----------------------------------------------------------------

def test_a_default_out_inside_the_source_tree_names_the_folders_it_means(monkeypatch, capsys, fake_claim):
    monkeypatch.chdir(ROOT / "theory")
    err = one_line(["report"], capsys, 2, "inside the source tree")
    assert str(ROOT / "theory" / "reports") in err and str(ROOT / "reports") in err
    assert "current directory" in err and str(ROOT / "theory") in err
    assert not fake_claim


def test_an_out_through_a_link_and_dot_dot_is_reported_where_it_is_written(tmp_path, capsys, fake_claim):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "a" / "b")
    assert cli.main(["report", "--out", str(tmp_path / "link" / "..")]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "a" / "claims.json").exists()      # the file system follows the link, then ..
    assert f"wrote {tmp_path / 'a' / 'claims.json'} and {tmp_path / 'a' / 'index.html'}" in out


def test_an_out_through_a_link_into_the_source_tree_names_both_paths(tmp_path, capsys, fake_claim):
    (tmp_path / "link").symlink_to(ROOT / "theory")
    err = one_line(["report", "--out", str(tmp_path / "link" / "..")], capsys, 2, "inside the source tree")
    assert f"--out {ROOT} (resolved from {tmp_path / 'link' / '..'})" in err
    assert not fake_claim


# 1, 2. Ctrl-C and a dead worker with several processes ----------------------------------------------------

def _start(tmp_path, argv):
    return subprocess.Popen([sys.executable, "-m", "checks", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=tmp_path, env=_env(),
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
SLOW_CLAIMS = ["check", "success-probability", "spurious-probability", "--jobs", "2", "--budget", "standard"]


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


def test_a_fifo_in_the_sweep_cache_is_a_damaged_entry_not_a_hang(tmp_path):
    grid = sweep.Grid(ks=(2,), ratios=(0.5,), eta_multiples=(1.0,), runs=10, chunk_runs=10, ps=(3,))
    cell = grid.cells()[0]
    os.mkfifo(tmp_path / f"{sweep.chunk_key(grid, cell, 0, 10)}.json")
    result = sweep.run_sweep(grid, _Inline(), sweep.ChunkCache(tmp_path))
    assert result.corrupted_cache_entries == 1 and result.rows[0].runs == 10


@pytest.mark.parametrize("grid, fragment", [
    (sweep.Grid(ks=(1,), ratios=(0.0,), eta_multiples=(1.0,), runs=10, chunk_runs=10, ps=(3,)), "not attainable"),
    (sweep.Grid(ks=(2,), ratios=(0.5,), eta_multiples=(1.0,), runs=10**9, chunk_runs=1, ps=(3,)), "chunks"),
])
def test_run_sweep_refuses_a_grid_it_cannot_run_as_asked(grid, fragment, tmp_path):
    with pytest.raises(ValueError, match=fragment):
        sweep.run_sweep(grid, _Inline(), sweep.ChunkCache(tmp_path))


@pytest.mark.parametrize("content", ['{"time_budget_seconds": 1e999, "seed": 0, "targets": []}',
                                     '{"time_budget_seconds": 60, "seed": ' + "9" * 5000 + ', "targets": []}'])
def test_a_fuzz_file_with_numbers_beyond_range_is_one_line(content, tmp_path, capsys, fake_claim):
    (tmp_path / "fuzz.json").write_text(content)
    one_line(["report", "--out", str(tmp_path)], capsys, 2, "fuzz findings")
    assert not fake_claim


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
