"""Arguments beyond their range — process counts, sweep sizes, ratios a teacher cannot have, a cache
in the source tree — are one line and exit 2, found before any work."""

from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from checks.app import cli, guards, sweep
from checks.experiments import cells
from tests.system.usage import one_line, one_line_exit_2


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


class _Inline:
    """An executor that runs each chunk at once, in this process."""

    def submit(self, function, *args):
        future = Future()
        future.set_result(function(*args))
        return future


@pytest.mark.parametrize("grid, fragment", [
    (sweep.Grid(ks=(1,), ratios=(0.0,), eta_multiples=(1.0,), runs=10, chunk_runs=10, ps=(3,)), "not attainable"),
    (sweep.Grid(ks=(2,), ratios=(0.5,), eta_multiples=(1.0,), runs=10**9, chunk_runs=1, ps=(3,)), "chunks"),
])
def test_run_sweep_refuses_a_grid_it_cannot_run_as_asked(grid, fragment, tmp_path):
    with pytest.raises(ValueError, match=fragment):
        sweep.run_sweep(grid, _Inline(), sweep.ChunkCache(tmp_path))
