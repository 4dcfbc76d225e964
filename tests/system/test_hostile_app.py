"""Issue 29, the programs' side: finished work is never lost, grids are sets, network waits end,
worker counts fit in memory, strings from outside never reach the page as HTML or the terminal as
control sequences, and two writers of one folder never leave a mixed pair. Each test failed
before its fix; docs/bad-input.md names them row by row (tests/unit/test_docs.py checks that)."""

import json
import socket
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from checks.app import cli, files, guards, report, sweep
from checks.verdicts.claim import Claim
from checks.verdicts.outcome import Evidence, Outcome
from theory import invariants

TINY_SWEEP = ["sweep", "--ks", "2", "--ratios", "0.5", "--etas", "1", "--ps", "6", "--runs", "20",
              "--chunk-runs", "10", "--workers", "1"]


@pytest.fixture
def threads_for_workers(monkeypatch):
    """`--workers N` on N threads of this process (tests/system/test_sweep.py says why)."""
    monkeypatch.setattr(cli, "pool", lambda workers: ThreadPoolExecutor(workers))


def _one_line(err: str) -> None:
    assert err.count("\n") == 1 and "Traceback" not in err, err


# --- 1. finished work is never lost -----------------------------------------------------------

def test_a_kappa_bracket_that_cannot_be_found_is_written_as_not_found(tmp_path, capsys, monkeypatch,
                                                                     threads_for_workers):
    def no_bracket(k, r, *args, **kwargs):
        raise ValueError("runs undecided after 400,000 steps at κ = 1.2864: no bracket")
    monkeypatch.setattr(invariants, "spurious_threshold", no_bracket)
    out = tmp_path / "out"
    code = cli.main([*TINY_SWEEP, "--out", str(out), "--cache", str(tmp_path / "cache")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads((out / "sweep.json").read_text())
    assert document["rows"] and document["thresholds"] == []
    assert document["thresholds_not_found"] == [
        {"k": 2, "r": pytest.approx(0.5 * invariants.boundary(2)), "ratio_over_boundary": 0.5, "found": False,
         "reason": "runs undecided after 400,000 steps at κ = 1.2864: no bracket"}]
    assert "κ*(k = 2, r/r_b = 0.5): not found, because runs undecided" in captured.out
    assert files.complete_set(out, sweep.MANIFEST)


def test_the_runs_outputs_are_written_before_the_kappa_search(tmp_path, capsys, monkeypatch, threads_for_workers):
    def interrupted(k, r, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(invariants, "spurious_threshold", interrupted)
    out = tmp_path / "out"
    assert cli.main([*TINY_SWEEP, "--out", str(out), "--cache", str(tmp_path / "cache")]) == 130
    assert json.loads((out / "sweep.json").read_text())["rows"]
    assert files.complete_set(out, sweep.MANIFEST)


# --- 4. grids are sets --------------------------------------------------------------------------

@pytest.mark.parametrize("option, values", [("--ks", "2,2,2"), ("--etas", "1,1"), ("--ratios", "0.5,0.5"),
                                            ("--ps", "6,6"), ("--kappas", "1,1.0"), ("--ps", "inf,∞")])
def test_a_value_given_twice_in_a_grid_is_refused(option, values, tmp_path, capsys):
    code = cli.main(["sweep", option, values, "--runs", "20", "--out", str(tmp_path / "out"),
                     "--cache", str(tmp_path / "cache")])
    err = capsys.readouterr().err
    assert code == 2 and "appears more than once" in err and option in err
    _one_line(err)
    assert not (tmp_path / "cache").exists()


# --- 6. network waits end -----------------------------------------------------------------------

class _Listener:
    """A TCP listener on loopback that accepts and then says nothing (``close_at_once``: hangs up)."""

    def __init__(self, close_at_once: bool = False):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.close_at_once, self.held = close_at_once, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            if self.close_at_once:
                connection.close()
            else:
                self.held.append(connection)

    def close(self):
        self.server.close()
        for connection in self.held:
            connection.close()


@pytest.mark.parametrize("close_at_once, fragment", [(False, "nothing spoke the Dask protocol within 0.5 s"),
                                                     (True, "closed at once; not a Dask scheduler")])
def test_a_listener_that_is_not_a_scheduler_fails_in_seconds(close_at_once, fragment, tmp_path, capsys,
                                                              monkeypatch):
    monkeypatch.setattr(guards, "SCHEDULER_WAIT_SECONDS", 0.5)
    listener = _Listener(close_at_once)
    start = time.perf_counter()
    try:
        code = cli.main(["sweep", "--ks", "2", "--runs", "20", "--dask", f"tcp://127.0.0.1:{listener.port}",
                         "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")])
    finally:
        listener.close()
    err = capsys.readouterr().err
    assert code == 2 and fragment in err, err
    _one_line(err)
    assert time.perf_counter() - start < 5


# --- 7. worker counts fit in memory ---------------------------------------------------------------

@pytest.mark.parametrize("argv", [["sweep", "--workers", "16"], ["report", "--jobs", "16"],
                                  ["check", "fake", "--jobs", "16"]])
def test_more_workers_than_memory_holds_are_refused_naming_the_bound(argv, tmp_path, capsys, monkeypatch,
                                                                      fake_claim):
    monkeypatch.setattr(guards, "available_memory", lambda: 1 << 30)
    extra = [] if argv[0] == "check" else ["--out", str(tmp_path / "out")]
    extra += ["--cache", str(tmp_path / "cache")] if argv[0] == "sweep" else []
    assert cli.main([*argv, *extra]) == 2
    err = capsys.readouterr().err
    assert "needs about 200 MB and 1.0 GiB of memory are available now: at most 5" in err
    _one_line(err)
    assert not fake_claim


def test_the_memory_bound_reads_this_machine():
    available = guards.available_memory()
    assert available is None or available > 0
    guards.check_processes(1, "--workers")


# --- 8. strings from outside are escaped ---------------------------------------------------------

HOSTILE = '"><img src=x onerror=alert(1)>\x1b[31m\x1b]0;owned\x07\r\u202e'


def _hostile_claim() -> Claim:
    evidence = Evidence(f"summary {HOSTILE}", details={"note": HOSTILE, "rows": [{"name": HOSTILE, "x": 1.0}]})
    return Claim(id="fake", title=f"title {HOSTILE}", source="derived", statement=f"statement {HOSTILE}",
                 reconstruction=f"docs/mathematics.md#{HOSTILE}",
                 check=lambda plan, seed: Outcome("confirmed", evidence))


def _hostile_files(tmp_path):
    old = {"schema_version": 1, "environment": {"budget": HOSTILE, "seed": HOSTILE},
           "summary": {"counts": {HOSTILE: 1}},
           "claims": [{"id": HOSTILE, "verdict": "refuted", "evidence": {"summary": HOSTILE, "parts": {
               HOSTILE: {"verdict": "refuted", "cases": 1, "failed": 1, "undecided": 0,
                         "worst": {"measured": HOSTILE, "tolerance": 1.0}}}}}]}
    findings = {"time_budget_seconds": 1, "seed": 0, "targets": [{
        "target": "x", "claim": "fake", "objective": HOSTILE, "examples": 1,
        "inside": {"score": 1.0, "what": HOSTILE}, "outside": {HOSTILE: HOSTILE}, "near_misses": {},
        "counterexample": {"case": [HOSTILE]}}]}
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "fuzz.json").write_text(json.dumps(findings))


def test_hostile_strings_reach_neither_the_page_as_html_nor_the_terminal_as_control(tmp_path, capsys,
                                                                                    monkeypatch):
    from checks import claims as catalogue
    from tests.system.test_cli import _assert_valid_self_contained_html
    claim = _hostile_claim()
    monkeypatch.setattr(catalogue, "all_claims", lambda: [claim])
    monkeypatch.setattr(catalogue, "get", lambda claim_id: claim)
    _hostile_files(tmp_path)
    out = tmp_path / 'r"><img src=x onerror=alert(1)>\x1b[2J'   # the folder's name, too
    code = cli.main(["report", "--out", str(out), "--compare", str(tmp_path / "old.json"),
                     "--fuzz", str(tmp_path / "fuzz.json")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    page = (out / "index.html").read_text()
    assert "<img" not in page and "onerror=alert(1)>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page     # shown, as text
    _assert_valid_self_contained_html(page)
    for stream in (captured.out, captured.err):
        assert not any(c in stream for c in "\x1b\x07\r\u202e"), stream
    assert "\\x1b[31m" in captured.out       # spelled out, not obeyed


def test_a_csv_cell_from_a_label_never_starts_a_formula():
    from checks.app.page import figure_legend_csv
    figure = {"series": [{"panel": "=HYPERLINK(1)", "label": "+1", "kind": "line", "x_label": "-x",
                          "y_label": "@y", "columns": ["x"], "rows": [[1.0]]}]}
    row = figure_legend_csv(figure).splitlines()[1]
    assert row.startswith("1,'=HYPERLINK(1),'+1,line,'-x,'@y,")


# --- 13. two writers of one folder -----------------------------------------------------------------

def test_a_second_writer_of_a_held_folder_is_refused_and_the_pair_stays_whole(tmp_path, capsys, fake_claim):
    assert cli.main(["report", "--out", str(tmp_path)]) == 0
    assert files.complete_set(tmp_path, report.MANIFEST)
    capsys.readouterr()
    before = {name: (tmp_path / name).read_bytes() for name in ("claims.json", "index.html")}
    with files.OutputLock(tmp_path):
        for argv in (["report"], ["sweep", "--cache", str(tmp_path / "c")]):
            assert cli.main([*argv, "--out", str(tmp_path)]) == 2
            err = capsys.readouterr().err
            assert "another theorycheck (process" in err and "is writing to" in err
            _one_line(err)
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    assert len(fake_claim) == 1


def test_a_pair_replaced_partly_is_told_from_a_complete_one(tmp_path, capsys, fake_claim):
    assert cli.main(["report", "--out", str(tmp_path)]) == 0
    assert files.complete_set(tmp_path, report.MANIFEST)
    (tmp_path / "index.html").write_text("a page of another run")
    assert not files.complete_set(tmp_path, report.MANIFEST)


def _two_writers(folder, trials: int) -> list[tuple[int, int]]:
    codes = []
    for _ in range(trials):
        barrier = threading.Barrier(2)
        results = [None, None]

        def write(slot, barrier=barrier, results=results):
            barrier.wait()
            results[slot] = cli.main(["report", "--out", str(folder), "--seed", str(slot)])
        threads = [threading.Thread(target=write, args=(slot,)) for slot in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert files.complete_set(folder, report.MANIFEST)
        seed = json.loads((folder / "claims.json").read_text())["environment"]["seed"]
        assert f"seed <code>{seed}</code>" in (folder / "index.html").read_text()
        codes.append(tuple(results))
    return codes


def test_two_writers_of_one_folder_end_with_a_complete_pair(tmp_path, capsys, fake_claim):
    codes = _two_writers(tmp_path, 4)
    assert all(set(pair) <= {0, 2} and 0 in pair for pair in codes)


@pytest.mark.slow
def test_three_hundred_two_writer_trials_end_with_a_complete_pair_every_time(tmp_path, capsys, fake_claim):
    codes = _two_writers(tmp_path, 300)
    assert all(set(pair) <= {0, 2} and 0 in pair for pair in codes)


# --- 11. a reader that stops reading --------------------------------------------------------------

class _ClosedPipe:
    """stdout whose reader left after ``lines`` lines (`… | head -1`)."""

    def __init__(self, lines: int = 1):
        self.left, self.written = lines, []

    def write(self, text):
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.written.append(text)
        self.left -= text.count("\n")
        return len(text)

    def flush(self):
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")

    def isatty(self):
        return False

    def fileno(self):
        raise OSError("no descriptor")


@pytest.mark.parametrize("argv, code", [(["list"], 0), (["check", "fake"], 0), (["report"], 0)])
def test_a_reader_that_stops_reading_changes_no_exit_code(argv, code, tmp_path, capsys, monkeypatch, fake_claim):
    monkeypatch.setattr("sys.stdout", _ClosedPipe(1))
    out = ["--out", str(tmp_path)] if argv[0] == "report" else []
    assert cli.main([*argv, *out]) == code
    assert "Broken pipe" not in capsys.readouterr().err
    if argv[0] == "report":
        assert files.complete_set(tmp_path, report.MANIFEST)


# --- 10. a Dask cluster that fails mid-sweep ---------------------------------------------------------

class _FailingCluster(Executor):
    """A cluster whose every chunk fails as a killed scheduler or a worker without theorycheck does."""

    def __init__(self, error):
        self.error = error

    def submit(self, fn, *args, **kwargs):
        future = Future()
        future.set_exception(self.error)
        return future


@pytest.mark.parametrize("error", [OSError("Timed out trying to connect to tcp://127.0.0.1:8786 after 30 s"),
                                   ModuleNotFoundError("No module named 'checks'"),
                                   RuntimeError("CommClosedError: in <TCP (closed)>")])
def test_a_dask_cluster_failing_mid_sweep_is_an_infrastructure_failure(error, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_executor", lambda args: (_FailingCluster(error), lambda: None, lambda: None))
    code = cli.main([*TINY_SWEEP[:-2], "--dask", "tcp://127.0.0.1:8786", "--out", str(tmp_path / "out"),
                     "--cache", str(tmp_path / "cache")])
    err = capsys.readouterr().err
    assert code == 3 and "infrastructure failure" in err and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("theorycheck: error: infrastructure failure")


# --- 12. --v0-norm against the teacher's range ----------------------------------------------------

@pytest.mark.parametrize("extra", [["--v0-norm", "1e100"], ["--kappas", "1e8", "--v0-norm", "1e58"]])
def test_a_v0_norm_that_leaves_no_teacher_is_one_line(extra, tmp_path, capsys):
    code = cli.main(["sweep", "--ks", "2", "--ratios", "0.5", "--runs", "10", *extra, "--out", str(tmp_path / "o"),
                     "--cache", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2 and "no teacher for the cell" in err and "w_star must have a norm in [1e-60, 1e+60]" in err
    _one_line(err)


# --- the command line's rough edges (issue 27, item 7; issue 29, cosmetic) ---------------------------

def test_list_has_a_header_and_aligned_columns(capsys):
    assert cli.main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "source", "title"]
    starts = {line.index(line.split()[1], len(line.split()[0])) for line in lines}
    assert len(starts) == 1


def test_an_unknown_claim_suggests_the_nearest(capsys):
    assert cli.main(["check", "two_phase"]) == 2
    assert "did you mean two-phase?" in capsys.readouterr().err


@pytest.mark.parametrize("seed", ["1_000", "٣", "-1", "1.0", ""])
def test_a_seed_is_ascii_digits(seed, capsys):
    assert cli.main(["check", "two-phase", "--seed", seed]) == 2
    _one_line(capsys.readouterr().err)


def test_a_bare_command_shows_the_usage(capsys):
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: theorycheck") and "teacher" in err


def test_an_empty_out_is_refused_not_read_as_the_current_directory(capsys):
    assert cli.main(["report", "--out", ""]) == 2
    assert "empty path" in capsys.readouterr().err


def test_a_usage_error_leaves_no_empty_out_folder(tmp_path, capsys):
    out = tmp_path / "new" / "deeper"
    assert cli.main(["report", "--out", str(out), "--compare", str(tmp_path / "missing.json")]) == 2
    assert not (tmp_path / "new").exists()


def test_sweep_help_says_each_default_once_and_in_the_options_own_words(capsys):
    with pytest.raises(SystemExit):
        cli.main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: CPU count) (default:" not in text and "(2, 4, 8)" not in text
    assert "default: 2,4,8" in text


# --- issue 27, item 6: a long claim is never a silent terminal; a first run says it compiles ----------

def test_a_long_claim_prints_a_heartbeat(monkeypatch, capsys):
    import time as clock

    from checks.verdicts.claim import Claim as AClaim
    monkeypatch.setattr(report, "HEARTBEAT_SECONDS", 0.05)

    def slow(plan, seed):
        clock.sleep(0.3)
        return Outcome("confirmed", Evidence("ok"))
    lines = []
    from checks import claims as catalogue
    report.run_claims([AClaim(id="slow", title="t", source="derived", statement="s", check=slow)],
                      catalogue.plan("quick"), 0, lines.append)
    assert any(line.startswith("… 0 of 1 claims done after") and "running slow" in line for line in lines), lines


def test_a_first_run_says_that_it_compiles(tmp_path, monkeypatch):
    monkeypatch.setattr(report.reduced_gd, "__file__", str(tmp_path / "reduced_gd.py"))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert "compiles the GD kernels" in report.compile_notice()
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "reduced_gd._kernel-1.py311.nbi").write_text("")
    assert report.compile_notice() == ""


def test_a_fully_cached_sweep_runs_no_pilot(tmp_path, capsys, monkeypatch, threads_for_workers):
    from checks.app import sweep_display
    argv = [*TINY_SWEEP, "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--ratios", "1.5"]
    argv.remove("0.5")
    argv.remove("--ratios")    # the first --ratios (0.5) out: r ≥ r_b has no κ* to search
    assert cli.main(argv) == 0
    monkeypatch.setattr(sweep_display, "estimate_seconds", lambda *a: pytest.fail("the pilot ran"))
    assert cli.main([*argv, "--force"]) == 0


@pytest.mark.slow
def test_fuzz_leaves_no_hypothesis_folder_in_the_current_directory(tmp_path, capsys, monkeypatch):
    import hypothesis.configuration as hypothesis_home
    before = hypothesis_home.storage_directory(intent_to_write=False).home_directory
    monkeypatch.chdir(tmp_path)
    # where Hypothesis is pointed, recorded: whether it then writes there depends on what an earlier
    # test of this process left in its in-memory caches, so the folder's existence proves nothing
    homes = []
    real = hypothesis_home.set_hypothesis_home_dir
    monkeypatch.setattr(hypothesis_home, "set_hypothesis_home_dir", lambda where: (homes.append(Path(where)),
                                                                                   real(where))[1])
    assert cli.main(["fuzz", "spurious-condition-sharp", "--time", "1s", "--out", str(tmp_path / "out")]) in (0, 1)
    assert not (tmp_path / ".hypothesis").exists() and homes[0] == Path(".theorycheck-cache") / "hypothesis"
    assert hypothesis_home.storage_directory(intent_to_write=False).home_directory == before
