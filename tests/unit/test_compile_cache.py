"""numba's compile caches are optional (issue 29, items 2 and 3): a cache that cannot be read or
written is bypassed with one logged line, a damaged entry is dropped and rebuilt.

The fast tests damage the cache of a small function compiled into a temporary folder (never the
engine's own cache, which other test processes read meanwhile); the slow ones run GD and the quick
report in child processes from a copy of the package: read-only with a read-only HOME, or with the
real kernels' entries damaged.
"""

import importlib.util
import logging
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numba
import numba.core.caching
import numpy as np
import pytest

from theory import compile_cache, decisions, intervals, reduced_gd

ROOT = Path(__file__).resolve().parents[2]
TINY = "def tiny(x):\n    return 2.0 * x + 1.0\n"


@pytest.fixture
def said(monkeypatch, caplog):
    """The lines theory.compile_cache logs during the test (each process says a line once: reset)."""
    monkeypatch.setattr(compile_cache, "_SAID", set())
    caplog.set_level(logging.WARNING, logger=compile_cache.LOG.name)

    def lines():
        return [r.getMessage() for r in caplog.records if r.name == compile_cache.LOG.name]
    return lines


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """(compile, inlined): ``compile()`` gives a new dispatcher of ``tiny`` with the optional cache in
    tmp_path/cache, as a new process would, stamped with its own file and ``inlined`` (standing for
    a file whose code a kernel inlines)."""
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path / "cache"))
    source, inlined = tmp_path / "tiny_module.py", tmp_path / "inlined.py"
    source.write_text(TINY)
    inlined.write_text("A = 1\n")
    spec = importlib.util.spec_from_file_location(f"tiny_module_{tmp_path.name}", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return (lambda: compile_cache.jit(module.tiny, (source, inlined))), inlined


def _entries(dispatcher) -> dict[str, Path]:
    folder = Path(dispatcher._cache.cache_path)
    return {path.suffix: path for path in folder.glob("tiny_module.tiny*")}


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _make_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside").write_text("x")


DAMAGE = {   # how an entry is damaged, and what the line says
    "truncated .nbc": (".nbc", _truncate, "UnpicklingError"),
    "empty .nbi": (".nbi", lambda path: path.write_bytes(b""), "EOFError"),
    "foreign bytes in the .nbi": (".nbi", lambda path: path.write_bytes(pickle.dumps(numba.__version__) + b"\x80junk"),
                                  "cannot be read"),
    "directory in place of the .nbi": (".nbi", _make_directory, "IsADirectoryError"),
    "directory in place of the .nbc": (".nbc", _make_directory, "cannot be written"),
    "stamp not text": (".sources", lambda path: path.write_bytes(b"\xff\xfe\x00"), "stamp"),
    "directory in place of the stamp": (".sources", _make_directory, "stamp"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_entry_is_dropped_and_rebuilt_with_one_line(damage, tiny, said):
    compile_tiny, _ = tiny
    first = compile_tiny()
    assert first(1.0) == 3.0 and said() == []
    suffix, spoil, fragment = DAMAGE[damage]
    spoil(_entries(first)[suffix])
    second = compile_tiny()
    assert second(1.0) == 3.0                            # compiled afresh, not an exception
    assert len(said()) == 1 and fragment in said()[0], said()
    third = compile_tiny()                               # the next process loads the rebuilt entry
    assert third(1.0) == 3.0 and sum(third.stats.cache_hits.values()) == 1
    assert len(said()) == 1
    assert all(path.is_file() for path in _entries(third).values())


def test_an_edit_of_an_inlined_file_drops_the_entries_silently(tiny, said):
    """numba's own stamp sees only the function's file; the digest sees the others. An edit is
    routine: its entries go without a line."""
    compile_tiny, inlined = tiny
    stamp = _entries(_warm(compile_tiny))[".sources"]
    before = stamp.read_text()
    assert sum(_warm(compile_tiny).stats.cache_hits.values()) == 1
    inlined.write_text("A = 2\n")
    again = _warm(compile_tiny)
    assert sum(again.stats.cache_hits.values()) == 0 and stamp.read_text() != before
    assert said() == []


def test_an_entry_that_cannot_be_deleted_leaves_the_function_compiled_in_memory(tiny, said, monkeypatch):
    compile_tiny, _ = tiny
    _truncate(_entries(_warm(compile_tiny))[".nbc"])

    def refuse(folder, prefix):
        raise PermissionError(13, "Permission denied", str(folder))
    monkeypatch.setattr(compile_cache, "drop_entries", refuse)
    dispatcher = compile_tiny()
    assert dispatcher(1.0) == 3.0 and not dispatcher._cache._enabled
    assert len(said()) == 1 and "compiling in memory" in said()[0] and "Permission denied" in said()[0]


def _warm(compile_tiny):
    dispatcher = compile_tiny()
    dispatcher(1.0)
    return dispatcher


def test_a_stamp_that_cannot_be_written_bypasses_the_cache_and_leaves_no_partial_file(tiny, said, monkeypatch):
    compile_tiny, _ = tiny

    def full_disk(self, target):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(Path, "replace", full_disk)
    dispatcher = compile_tiny()
    assert dispatcher(1.0) == 3.0 and not dispatcher._cache._enabled
    assert len(said()) == 1 and "No space left" in said()[0]
    assert not list(Path(dispatcher._cache.cache_path).glob("*.tmp"))


def _no_folder_is_writable(monkeypatch):
    def read_only(locator):
        raise PermissionError(13, "Permission denied", locator.get_cache_path())
    monkeypatch.setattr(numba.core.caching._CacheLocator, "ensure_cache_path", read_only)


def test_with_no_writable_folder_the_turn_kernel_compiles_in_memory_with_one_line(monkeypatch, said):
    """A read-only install with a read-only HOME: numba's cache=True raised RuntimeError ("no
    locator available") at the first decision table."""
    _no_folder_is_writable(monkeypatch)
    monkeypatch.setattr(decisions, "_TURN_KERNEL", None)
    arguments = (True, np.array([0.1]), np.array([0.2]), np.array([1.0]), np.array([0.0]), np.array([0.05]),
                 np.array([0.5]), np.array([0.3]), np.array([0.2]), 0.1, 1.0, 1e-12)
    compiled = decisions._turn_kernel()
    assert np.array_equal(compiled(*arguments), decisions._turn_radii(*arguments))
    assert compiled.stats.cache_path is None                    # numba's NullCache: in memory
    assert said() == [compile_cache.NO_FOLDER]
    reduced_gd.build_kernel(cache=True)                         # a second function: no second line
    assert said() == [compile_cache.NO_FOLDER]


def test_every_on_disk_cache_in_theory_is_the_optional_one(tmp_path, monkeypatch):
    """The GD kernel, the phase loop, planted-fault variants, the turn kernel and the interval kernels
    use compile_cache.jit, and nothing in theory/ asks numba for cache=True itself."""
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(decisions, "_TURN_KERNEL", None)
    built = [reduced_gd.build_kernel(cache=True), reduced_gd.build_phase_kernel(cache=True),
             reduced_gd.build_variant("_kernel", "cache-test", reduced_gd.step, ()),
             reduced_gd.build_variant("_phase_loop", "cache-test", reduced_gd.step, ()), decisions._turn_kernel(),
             intervals.compile_cached(intervals._RUNNERS["add"], parallel=False)]
    assert all(isinstance(dispatcher._cache, compile_cache.OptionalCache) for dispatcher in built)
    assert all(Path(dispatcher._cache.cache_path).is_relative_to(tmp_path) for dispatcher in built)
    own = Path(compile_cache.__file__)
    asking = [path.name for path in Path(reduced_gd.__file__).parent.glob("*.py")
              if path != own and re.search(r"jit\([^)]*cache\s*=\s*True|enable_caching\(", path.read_text())]
    assert asking == []


# --- child processes: a read-only install, the real kernels' entries damaged -----------------------

RUN_GD = ("import numpy as np; from theory import Teacher, dynamics, invariants;"
          "t = Teacher([1., 2., .5], [1., -.5]);"
          "print(dynamics.outcome_counts(t, 2000, np.random.default_rng(0)));"
          "print(invariants.spurious_threshold(2, 0.5).kappa_high)")
RUN_COUNTS = ("import numpy as np; from theory import Teacher, dynamics;"
              "print(dynamics.outcome_counts(Teacher([1., 2., .5], [1., -.5]), 2000, np.random.default_rng(0)))")


def _copy_package(tmp_path: Path) -> Path:
    """theory/ and checks/ copied without any compiled code, as a fresh install would have them."""
    tree = tmp_path / "tree"
    for package in ("theory", "checks"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def _environment(tree: Path, home: Path, **extra) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("XDG_CACHE_HOME", "NUMBA_CACHE_DIR", "PYTHONPATH", "MPLCONFIGDIR")}
    return {**env, "HOME": str(home), "PYTHONPATH": str(tree), **extra}


def _read_only_command(folders: list[Path], command: list[str]) -> list[str]:
    """``command`` run with ``folders`` read-only: as an ordinary user, the folders lose their write
    permission; as root (which permission bits do not stop), under read-only bind mounts in a
    user and mount namespace of its own (util-linux unshare)."""
    if os.geteuid() != 0:
        for folder in folders:
            for path in (folder, *folder.rglob("*")):
                if path.is_dir():
                    path.chmod(0o555)
        return command
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rm", "true"], capture_output=True, check=False).returncode:
        pytest.skip("running as root without unshare -rm: no way to make a folder read-only for this process")
    mounts = " && ".join(f"mount --bind '{f}' '{f}' && mount -o remount,ro,bind '{f}' '{f}'" for f in folders)
    return [unshare, "-rm", "sh", "-c", f'{mounts} && exec "$@"', "sh", *command]


def _run(command, env, cwd, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("numba_cache_dir", [False, True], ids=["no NUMBA_CACHE_DIR", "read-only NUMBA_CACHE_DIR"])
def test_gd_runs_from_a_read_only_install_with_a_read_only_home(numba_cache_dir, tmp_path):
    tree, home = _copy_package(tmp_path), tmp_path / "home"
    (home / "numba-cache").mkdir(parents=True)
    extra = {"NUMBA_CACHE_DIR": str(home / "numba-cache")} if numba_cache_dir else {}
    out = _run(_read_only_command([tree, home], [sys.executable, "-c", RUN_GD]), _environment(tree, home, **extra),
               tree)
    assert out.returncode == 0, out.stderr
    assert out.stderr.splitlines() == [compile_cache.NO_FOLDER]
    counts = eval(out.stdout.splitlines()[0])   # a dict literal printed by the child
    assert sum(counts.values()) == 2000 and counts["global"] > 0
    assert not list(tree.rglob("*.nbi")) and not list(home.rglob("*.nbi"))


@pytest.mark.slow
def test_a_quick_report_runs_from_a_read_only_install_with_a_read_only_home(tmp_path):
    tree, home, out_folder = _copy_package(tmp_path), tmp_path / "home", tmp_path / "out" / "report"
    home.mkdir()
    program = shutil.which("theorycheck")
    command = [program] if program else [sys.executable, "-m", "checks.cli"]
    command += ["report", "--budget", "quick", "--out", str(out_folder)]
    out = _run(_read_only_command([tree, home], command), _environment(tree, home), tree)
    assert out.returncode == 0, out.stderr
    assert (out_folder / "claims.json").is_file() and (out_folder / "index.html").is_file()
    assert "Traceback" not in out.stderr and compile_cache.NO_FOLDER in out.stderr


KERNEL_DAMAGE = {
    "truncated .nbc": ("reduced_gd._kernel-*.nbc", _truncate, "UnpicklingError"),
    "empty .nbi": ("reduced_gd._kernel-*.nbi", lambda path: path.write_bytes(b""), "EOFError"),
    "directory in place of the .nbi": ("reduced_gd._kernel-*.nbi", _make_directory, "IsADirectoryError"),
    "truncated turn-kernel .nbc": ("decisions._turn_radii-*.nbc", _truncate, "UnpicklingError"),
}


@pytest.mark.slow
def test_damaged_entries_of_the_real_kernels_are_rebuilt_with_one_line(tmp_path):
    """Each damage once, in a writable copy of the package: the GD run completes with one line,
    and the next run loads the rebuilt entry without a line."""
    tree, home = _copy_package(tmp_path), tmp_path / "home"
    home.mkdir()
    env = _environment(tree, home)
    command = [sys.executable, "-c", RUN_COUNTS]   # the GD kernel and the turn kernel (decision tables)
    first = _run(command, env, tree)
    assert first.returncode == 0 and first.stderr == "", first.stderr
    for name, (pattern, spoil, fragment) in KERNEL_DAMAGE.items():
        (entry,) = (tree / "theory" / "__pycache__").glob(pattern)
        spoil(entry)
        damaged = _run(command, env, tree)
        assert damaged.returncode == 0, (name, damaged.stderr)
        assert damaged.stdout == first.stdout, name
        lines = damaged.stderr.splitlines()
        assert len(lines) == 1 and fragment in lines[0] and "dropped, compiling afresh" in lines[0], (name, lines)
        again = _run(command, env, tree)
        assert again.returncode == 0 and again.stderr == "" and again.stdout == first.stdout, (name, again.stderr)
