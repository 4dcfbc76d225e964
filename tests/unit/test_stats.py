"""checks.verdicts.stats: the exact Clopper–Pearson interval."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checks.verdicts.stats import clopper_pearson


@pytest.mark.parametrize("k, n, alpha, lo, hi", [
    (0, 10, 0.05, 0.0, 0.3084971078187608),      # 1 − (α/2)^(1/n)
    (10, 10, 0.05, 0.6915028921812392, 1.0),
    (5, 10, 0.05, 0.18708602844739922, 0.8129139715526008),
])
def test_clopper_pearson_known_values(k, n, alpha, lo, hi):
    got = clopper_pearson(k, n, alpha)
    assert got == pytest.approx((lo, hi), abs=1e-9)


@given(st.integers(1, 300), st.data())
def test_clopper_pearson_brackets_the_estimate(n, data):
    k = data.draw(st.integers(0, n))
    lo, hi = clopper_pearson(k, n, 0.01)
    assert 0 <= lo <= k / n <= hi <= 1


@pytest.mark.parametrize("args", [(5, 3, 0.05), (1, 0, 0.05), (1, 2, 0.0), (1, 2, 1.0)])
def test_clopper_pearson_rejects_bad_input(args):
    with pytest.raises(ValueError):
        clopper_pearson(*args)
