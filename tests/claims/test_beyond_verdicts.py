"""The claims beyond the paper's assumptions reach one verdict whatever the seed and budget: quick
seeds 0–3 and standard seed 0 (slow: about a minute of CPU; real-network needs the JAX extra)."""

import pytest

from checks.claims import get, plan
from tests.extras import jax_installed as jax_available

BEYOND = ["beyond-weight-norm", "beyond-activation", "beyond-overlap", "beyond-sgd", "beyond-input", "real-network"]


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", BEYOND)
def test_the_verdict_is_the_same_at_every_seed_and_budget(claim_id):
    if claim_id == "real-network" and not jax_available():
        pytest.skip('JAX is an optional extra: pip install -e ".[jax]"')
    claim = get(claim_id)
    verdicts = {(budget, seed): claim.run(plan(budget), seed)[0].verdict
                for budget, seed in [("quick", 0), ("quick", 1), ("quick", 2), ("quick", 3), ("standard", 0)]}
    assert set(verdicts.values()) == {"confirmed"}, verdicts
