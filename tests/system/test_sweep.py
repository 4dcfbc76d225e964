"""Sweeps: identical numbers whatever the workers, chunk order or executor (process pool or a real
Dask LocalCluster on loopback); a corrupted cache entry is recomputed; an interrupted sweep resumes."""

import json
import math
import multiprocessing
import socket
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from checks.app import cli, sweep
from checks.experiments import cells as cells_module
from theory.decisions import Outcome

SMALL = sweep.Grid(ks=(2, 3), ratios=(0.0, 0.5, 1.5), eta_multiples=(1.0,), runs=300, chunk_runs=100, ps=(3,))


@pytest.fixture
def threads_for_workers(monkeypatch):
    """`--workers N` runs its chunks on N threads of this process: for the tests of what a sweep
    computes and writes (the same numbers: a chunk is a pure function of its arguments), without
    spawning interpreters. The process pool itself is tested by
    test_results_do_not_depend_on_workers_or_chunk_order and tests/system/test_interrupts.py."""
    monkeypatch.setattr(cli, "pool", lambda workers: ThreadPoolExecutor(workers))


class ReversedExecutor(Executor):
    """Runs submitted work only when asked for results, last submitted first."""

    def __init__(self):
        self.jobs = []

    def submit(self, fn, *args):
        future = Future()
        self.jobs.append((future, fn, args))
        if len(self.jobs) == len(SMALL.chunks()):
            for fut, f, a in reversed(self.jobs):
                fut.set_result(f(*a))
        return future


def rows(result):
    """(k, ratio, global, spurious, undecided) of every cell, from a sweep's result or its JSON."""
    document = result if isinstance(result, dict) else result.to_json()
    return sorted((r["k"], r["ratio_over_boundary"], r["global"], r["spurious"], r["undecided"])
                  for r in document["rows"])


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    with ThreadPoolExecutor(1) as pool:
        return rows(sweep.run_sweep(SMALL, pool, sweep.ChunkCache(tmp_path_factory.mktemp("ref"))))


def test_results_do_not_depend_on_workers_or_chunk_order(reference, tmp_path):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert rows(sweep.run_sweep(SMALL, pool, sweep.ChunkCache(tmp_path / "a"))) == reference
    assert rows(sweep.run_sweep(SMALL, ReversedExecutor(), sweep.ChunkCache(tmp_path / "b"))) == reference


def _loopback_unreachable() -> str | None:
    """Why a local TCP connection cannot be made here (a sandbox without loopback), or None."""
    with socket.socket() as server:
        try:
            server.bind(("127.0.0.1", 0))
            server.listen()
            socket.create_connection(server.getsockname(), timeout=5).close()
        except OSError as exc:
            return f"no TCP on loopback here ({exc}); a Dask cluster cannot run"
    return None


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_numbers(reference, tmp_path, capsys):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    if reason := _loopback_unreachable():
        pytest.skip(reason)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        args = ["sweep", "--ks", "2,3", "--ratios", "0,0.5,1.5", "--etas", "1", "--runs", "300",
                "--chunk-runs", "100", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"),
                "--dask", cluster.scheduler_address]
        grid = sweep.Grid(ks=(2, 3), ratios=(0.0, 0.5, 1.5), eta_multiples=(1.0,), runs=300,
                          chunk_runs=100)   # the CLI's p (6) differs from SMALL's (3)
        assert cli.main(args) == 0
    capsys.readouterr()
    dask_rows = rows(json.loads((tmp_path / "out" / "sweep.json").read_text()))
    with ThreadPoolExecutor(2) as pool:
        assert dask_rows == rows(sweep.run_sweep(grid, pool, sweep.ChunkCache(tmp_path / "local")))


def test_corrupted_cache_entry_is_recomputed(reference, tmp_path):
    cache = sweep.ChunkCache(tmp_path)
    with ThreadPoolExecutor(2) as pool:
        sweep.run_sweep(SMALL, pool, cache)
        victim = sorted(tmp_path.glob("*.json"))[0]
        entry = json.loads(victim.read_text())
        entry["counts"]["global"] += 1           # a plausible-looking but wrong number
        victim.write_text(json.dumps(entry))
        (sorted(tmp_path.glob("*.json"))[1]).write_text("{truncated")
        again = sweep.run_sweep(SMALL, pool, sweep.ChunkCache(tmp_path))
    assert again.corrupted_cache_entries == 2 and rows(again) == reference


def test_interrupted_sweep_resumes_from_its_cache(reference, tmp_path):
    class Interrupting(ThreadPoolExecutor):
        submitted = 0

        def submit(self, fn, *args):
            Interrupting.submitted += 1
            if Interrupting.submitted > 5:
                raise KeyboardInterrupt
            return super().submit(fn, *args)

    with pytest.raises(KeyboardInterrupt), Interrupting(1) as pool:
        sweep.run_sweep(SMALL, pool, sweep.ChunkCache(tmp_path))
    with ThreadPoolExecutor(1) as pool:
        resumed = sweep.run_sweep(SMALL, pool, sweep.ChunkCache(tmp_path))
    assert resumed.from_cache >= 1 and rows(resumed) == reference


@pytest.mark.slow   # 1 s of a pool's start; the fast group keeps the p = ∞ map and the workers' determinism
def test_sweep_has_a_p_axis_up_to_a_million(tmp_path, capsys, threads_for_workers):
    code = cli.main(["sweep", "--ks", "10", "--ps", "10,1000000", "--ratios", "0.5", "--etas", "1", "--runs",
                     "200", "--chunk-runs", "200", "--workers", "1", "--out", str(tmp_path / "o"),
                     "--cache", str(tmp_path / "c")])
    capsys.readouterr()
    rows = json.loads((tmp_path / "o" / "sweep.json").read_text())["rows"]
    assert code == 0 and sorted(r["p"] for r in rows) == [10, 1_000_000]
    assert all(r["runs"] == 200 and r["undecided"] == 0 for r in rows)


def test_sweep_cli_writes_table_and_figure(tmp_path, capsys, threads_for_workers):
    code = cli.main(["sweep", "--ks", "2", "--ratios", "0.5", "--etas", "1", "--runs", "50",
                     "--chunk-runs", "25", "--workers", "1", "--out", str(tmp_path / "o"),
                     "--cache", str(tmp_path / "c")])
    out, err = capsys.readouterr()
    assert code == 0 and "1 cells, 2 chunks" in out and "2/2 chunks" in err
    assert (tmp_path / "o" / "sweep.csv").read_text().startswith("k,p,ratio_over_boundary")
    assert "<svg" in (tmp_path / "o" / "sweep.svg").read_text()


@pytest.mark.parametrize("argv, fragment", [
    (["sweep", "--ks", "a,b"], "expected comma-separated integers"),
    (["sweep", "--ks", "0"], "ks must be"),
    (["sweep", "--etas", "-1"], "eta multiples must be positive"),
    (["sweep", "--runs", "0"], "expected a positive integer"),
    (["sweep", "--workers", "1", "--dask", "tcp://127.0.0.1:1"], "not allowed with"),
    (["sweep", "--dask", "tcp://127.0.0.1:1", "--runs", "1"], "cannot reach a Dask scheduler"),
])
def test_sweep_usage_errors(argv, fragment, capsys, tmp_path):
    code = cli.main([*argv, "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c")])
    _, err = capsys.readouterr()
    assert code == 2 and fragment in err and err.count("\n") == 1


_MAP_GRID = ("--ks", "10", "--ratios", "0.01,0.3", "--kappas", "0.05,1,30", "--ps", "inf", "--etas", "1")


def test_invariant_grid_at_p_infinity_writes_the_map(tmp_path, capsys, threads_for_workers):
    """The canonical family over (k, r/r_b, κ) at p = ∞: rows carry the invariants that ran, the
    thresholds are bracketed, and P(spurious) is 0 below κ* (no run can reach the spurious basin)."""
    code = cli.main(["sweep", *_MAP_GRID, "--method", "sample", "--runs", "400", "--chunk-runs", "200",
                     "--workers", "1", "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c")])
    out, err = capsys.readouterr()
    assert code == 0 and "sweep plan" in err and "P(spurious)" in out and "κ*(k, r)" in out
    result = json.loads((tmp_path / "o" / "sweep.json").read_text())
    assert {r["p"] for r in result["rows"]} == {"inf"}
    for row in result["rows"]:
        assert row["kappa"] == pytest.approx(row["kappa_asked"], rel=1e-12)
        assert row["ratio_actual"] == pytest.approx(row["ratio_over_boundary"], rel=1e-9)
        assert row["eta_fraction"] == pytest.approx(0.25) and row["v0_norm"] == 1.0
    thresholds = {t["ratio_over_boundary"]: t for t in result["thresholds"]}
    assert set(thresholds) == {0.01, 0.3}
    for row in result["rows"]:
        t = thresholds[row["ratio_over_boundary"]]
        if row["kappa"] < t["kappa_low"]:
            assert row["spurious"] == 0
    assert any(r["spurious"] > 0 for r in result["rows"])
    svg = (tmp_path / "o" / "map.svg").read_text()
    assert "<svg" in svg and "κ = (‖w*‖‖a*‖/‖v₀‖)²" in svg
    # a second run into the same folder must be asked for
    again = cli.main(["sweep", "--ks", "10", "--ratios", "0.01", "--ps", "inf", "--etas", "1", "--runs", "10",
                      "--workers", "1", "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c")])
    assert again == 2 and "--force" in capsys.readouterr().err


def test_lines_join_points_of_one_teacher_only(tmp_path):
    """Along p the canonical family keeps one teacher per (k, r, κ, η): each drawn line's points
    share it, and the p = ∞ value is a level, not a point of the line; family random draws a new
    teacher per p, so no line is drawn at all."""
    grid = sweep.Grid(ks=(4,), ps=(3, 30, math.inf), ratios=(0.3, 0.8), kappas=(1.0, 20.0), eta_multiples=(1.0,),
                      runs=200, chunk_runs=200)
    with ThreadPoolExecutor(1) as pool:
        result = sweep.run_sweep(grid, pool, sweep.ChunkCache(tmp_path / "a"))
    figure = sweep.probability_figure(result)
    assert len(figure.lines) == 4 and all(len(line.teachers) == 1 for line in figure.lines)
    random = sweep.Grid(ks=(4,), ps=(3, 30), ratios=(0.3,), eta_multiples=(1.0,), runs=100, chunk_runs=100,
                        family="random")
    with ThreadPoolExecutor(1) as pool:
        drawn = sweep.probability_figure(sweep.run_sweep(random, pool, sweep.ChunkCache(tmp_path / "b")))
    assert drawn.lines == ()


@pytest.mark.parametrize("kwargs, fragment", [
    ({"family": "random", "kappas": (2.0,)}, "recorded, not chosen"),
    ({"family": "random", "ps": (math.inf,)}, "use family canonical"),
    ({"family": "other"}, "family must be"),
    ({"kappas": (0.0,)}, "kappas must be"),
    ({"ps": (2.5,)}, "ps must be"),
    ({"v0_norm": -1.0}, "v0_norm"),
])
def test_grid_refuses_what_it_cannot_honour(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        sweep.Grid(**kwargs)


def test_sweep_help_shows_every_options_default(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["sweep", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    # each default once, written as the option is typed (no Python tuples: issue 27)
    for option, default in [("--ks", "2,4,8"), ("--ps", "6"), ("--kappas", "1"), ("--runs", "2000"),
                            ("--etas", "1,2"), ("--family", "canonical"), ("--chunk-runs", "500"),
                            ("--v0-norm", "1"), ("--seed", "0"), ("--ratios", "0,0.25,0.5,0.75,0.9,1.1,1.5")]:
        assert option in shown and f"default: {default}" in shown, option
    assert "(2, 4, 8)" not in shown and "(default: CPU count) (default:" not in shown

def test_the_map_by_quadrature_agrees_with_the_sampled_map_and_with_its_thresholds(tmp_path, capsys,
                                                                                  threads_for_workers):
    """p = ∞ is swept by quadrature by default: deterministic rows with an error estimate, no
    counts; P_∞(spurious) = 0 below κ*'s lower end and > 0 above its upper end; and each sampled
    cell of the same grid (400 runs, Clopper–Pearson at 1 − 10⁻⁶ each: a false alarm below 10⁻⁵
    for the six cells) contains the quadrature's value."""
    code = cli.main(["sweep", *_MAP_GRID, "--tolerance", "1e-3", "--workers", "1",
                     "--out", str(tmp_path / "q"), "--cache", str(tmp_path / "c")])
    out, err = capsys.readouterr()
    assert code == 0 and "by quadrature" in err and "P_∞(spurious)" in out and "κ*(k, r)" in out
    quadrature = json.loads((tmp_path / "q" / "sweep.json").read_text())
    assert quadrature["method"] == "quadrature" and quadrature["not_computed"] == 0
    assert {"map.svg", "sweep.csv", "sweep.json", sweep.MANIFEST} <= {p.name for p in (tmp_path / "q").iterdir()}
    assert not (tmp_path / "q" / "sweep.svg").exists()
    thresholds = {t["ratio_over_boundary"]: t for t in quadrature["thresholds"]}
    for row in quadrature["rows"]:
        t = thresholds[row["ratio_over_boundary"]]
        assert row["error_estimate"] <= 1e-3 and "spurious" not in row
        if row["kappa"] < t["kappa_low"]:
            assert row["p_spurious"] == 0
        if row["kappa"] > t["kappa_high"]:
            assert row["p_spurious"] > 0
    cells = cells_module.Grid(ks=(10,), ps=(math.inf,), ratios=(0.01, 0.3), kappas=(0.05, 1.0, 30.0),
                              eta_multiples=(1.0,), runs=400, chunk_runs=200)
    with ThreadPoolExecutor(1) as executor:
        sampled = cells_module.run_grid(cells, executor, sweep.ChunkCache(tmp_path / "c2"), alpha=1e-6,
                                        with_thresholds=False)
    for row, share in zip(quadrature["rows"], sampled.rows, strict=True):
        assert (row["kappa"], row["ratio_over_boundary"]) == (share.kappa_asked, share.ratio_over_boundary)
        proportion = share.proportion(Outcome.SPURIOUS)
        assert proportion.low - 1e-3 <= row["p_spurious"] <= proportion.high + 1e-3, (row, proportion)


def test_quadrature_refuses_what_it_cannot_compute(tmp_path, capsys):
    for argv, fragment in ((["--ps", "10,inf"], "p = inf only"), (["--ps", "inf", "--ratios", "0,0.5"], "ratios > 0"),
                           (["--ps", "inf", "--ratios", "0.5", "--tolerance", "0.5"], "--tolerance")):
        code = cli.main(["sweep", "--ks", "4", "--method", "quadrature", *argv, "--out", str(tmp_path / "o"),
                         "--cache", str(tmp_path / "c")])
        _, err = capsys.readouterr()
        assert code == 2 and fragment in err and err.count("\n") == 1, err
