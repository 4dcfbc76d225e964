"""JAX's persistent compilation cache is optional: an unwritable user cache folder (or
THEORYCHECK_JAX_CACHE=off) leaves it off, said once, never an error; a writable one is used, and
the source tree never is. Runs without JAX (a stand-in records the configuration)."""

from pathlib import Path

import pytest

from theory import network_jax


class _Config:
    def __init__(self):
        self.updates = {}

    def update(self, name, value):
        self.updates[name] = value


class _Jax:
    def __init__(self):
        self.config = _Config()


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(network_jax, "_CACHE_CHOSEN", [])
    monkeypatch.delenv("THEORYCHECK_JAX_CACHE", raising=False)
    return _Jax()


def test_a_writable_user_cache_folder_is_used(fresh, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = network_jax._use_persistent_cache(fresh)
    assert folder == tmp_path / "theorycheck" / "jax" and folder.is_dir()
    assert fresh.config.updates["jax_compilation_cache_dir"] == str(folder)
    assert Path(network_jax.__file__).parent not in folder.parents


def test_an_unwritable_folder_compiles_in_memory_without_error(fresh, monkeypatch, tmp_path, caplog):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    assert network_jax._use_persistent_cache(fresh) is None
    assert "jax_compilation_cache_dir" not in fresh.config.updates
    assert "compilation cache is off" in caplog.text


def test_the_cache_can_be_turned_off(fresh, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("THEORYCHECK_JAX_CACHE", "off")
    assert network_jax._use_persistent_cache(fresh) is None and not fresh.config.updates
