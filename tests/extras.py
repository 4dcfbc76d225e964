"""Which optional extras are installed, found without importing them (importing JAX at collection
would cost every test worker about a second)."""

from importlib.util import find_spec

__all__ = ["jax_installed"]


def jax_installed() -> bool:
    """Whether the `jax` extra (JAX and optax) is installed."""
    return find_spec("jax") is not None and find_spec("optax") is not None
