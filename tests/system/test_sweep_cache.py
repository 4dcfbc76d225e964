"""The sweep's cache: an entry nobody can poison (an edited one, a FIFO) is recomputed, a cancelled
chunk is left alone, and a cache that cannot be written stops the sweep once, in one line."""

import json
import os
from concurrent.futures import Future
from pathlib import Path

import pytest

from checks.app import cli, guards, sweep
from tests.system.usage import one_line


def test_a_cancelled_chunk_is_not_asked_for_its_exception(tmp_path):
    future = Future()
    future.cancel()
    cache = sweep.ChunkCache(tmp_path)
    sweep.cache_when_done(cache, "key", 10, future)   # raised CancelledError in a callback before
    assert not list(tmp_path.glob("*.json"))


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


def test_a_fifo_in_the_sweep_cache_is_a_damaged_entry_not_a_hang(tmp_path):
    grid = sweep.Grid(ks=(2,), ratios=(0.5,), eta_multiples=(1.0,), runs=10, chunk_runs=10, ps=(3,))
    cell = grid.cells()[0]
    os.mkfifo(tmp_path / f"{sweep.chunk_key(grid, cell, 0, 10)}.json")
    result = sweep.run_sweep(grid, _Inline(), sweep.ChunkCache(tmp_path))
    assert result.corrupted_cache_entries == 1 and result.rows[0].runs == 10


def test_a_directory_in_place_of_a_cache_entry_is_a_damaged_entry(tmp_path):
    grid = sweep.Grid(ks=(2,), ratios=(0.5,), eta_multiples=(1.0,), runs=10, chunk_runs=10, ps=(3,))
    entry = tmp_path / f"{sweep.chunk_key(grid, grid.cells()[0], 0, 10)}.json"
    (entry / "inside").mkdir(parents=True)
    warnings = []
    result = sweep.run_sweep(grid, _Inline(), sweep.ChunkCache(tmp_path, warn=warnings.append))
    assert result.corrupted_cache_entries == 1 and result.rows[0].runs == 10 and len(warnings) == 1
    assert entry.is_file()       # recomputed and cached again
