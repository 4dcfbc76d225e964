"""checks.experiments.teachers: the generated teachers have what their family promises, a grid
teacher's regenerate expression (written into claims.json) rebuilds it, and region starts lie in
the theorem's region."""

import math
from fractions import Fraction

import numpy as np
import pytest

import checks
from checks.experiments import teachers
from checks.experiments.teachers import (
    a_star_with_ratio,
    boundary_ratio,
    exactly_zero_sum,
    grid_teacher,
    landscape_teachers,
    region_init,
    teacher_record,
)
from theory import InvalidInput, Teacher


@pytest.mark.parametrize("k, ratio", [(2, 0.0), (5, 1.3), (12, 12.0), (30, boundary_ratio(30) * (1 - 1e-9))])
def test_an_a_star_has_the_ratio_asked(k, ratio):
    a = a_star_with_ratio(k, ratio, np.random.default_rng(k))
    assert a.sum() ** 2 / (a @ a) == pytest.approx(ratio, rel=1e-9, abs=1e-12)
    with pytest.raises(InvalidInput, match="ratio must lie in"):
        a_star_with_ratio(k, k + 1.0, np.random.default_rng(0))


def test_the_landscape_families_are_what_their_names_say():
    found = landscape_teachers(np.random.default_rng(3), per_family=2, max_k=9, max_p=5)
    families = {family for family, _ in found}
    assert families == {"gaussian", "one-hot", "zero-sum", "average-pooling", "k=1", "boundary-inside",
                        "boundary-outside"}
    for family, teacher in found:
        a = teacher.a_star
        if family == "zero-sum":   # exactly, in exact arithmetic (float sums of a shuffle may round)
            assert sum(map(Fraction, a)) == 0 and sum(map(Fraction, exactly_zero_sum(7, np.random.default_rng(1)))) == 0
        elif family == "average-pooling":
            assert np.all(a == 1.0)
        elif family == "one-hot":
            assert np.count_nonzero(a) == 1
        elif family == "k=1":
            assert teacher.k == 1
        elif family.startswith("boundary"):
            relative = teacher.spurious_ratio / boundary_ratio(teacher.k) - 1
            assert abs(relative) < 1e-8 and (relative < 0) == (family == "boundary-inside")


def test_a_grid_teachers_regenerate_expression_rebuilds_it():
    """claims.json records a large teacher by an expression; evaluated, it is the same teacher."""
    teacher, expression = grid_teacher("convergence-in-region", 7, "one-hot", 10**6, 1000)
    rebuilt = eval(expression, {"checks": checks})   # the expression names modules of checks only
    assert isinstance(rebuilt, Teacher) and rebuilt == teacher
    record = teacher_record("one-hot", teacher, expression)
    assert record["regenerate"] == expression and "a_star" not in record and record["k"] == 10**6
    small, _ = grid_teacher("convergence-in-region", 7, "gaussian", 3, 2)
    assert teacher_record("gaussian", small)["a_star"] == small.a_star.tolist()


def test_region_starts_lie_in_the_theorems_region_edges_included():
    teacher = Teacher([0.5, -1.0, 2.0], [1.0, -0.3, 0.4, 0.2])
    V0, A0 = region_init(teacher, 400, np.random.default_rng(2))
    cos_phi = V0 @ teacher.w_star / (np.linalg.norm(V0, axis=1) * teacher.w_norm)
    assert np.all(cos_phi > 0) and np.all(A0 @ teacher.a_star > 0)
    bound = abs(teacher.a_star.sum()) * teacher.w_norm
    assert np.all(np.abs(A0.sum(axis=1)) <= bound * (1 + 1e-12))
    assert np.any(np.isclose(np.abs(A0.sum(axis=1)), bound)) and np.any(np.arccos(cos_phi) > math.pi / 2 - 1e-3)
    assert teachers.__all__   # the module declares its public names (tests/unit/test_public_api.py)
