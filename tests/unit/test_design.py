"""checks.experiments.design: the seed-free design's schedule and interval, on statistics known in
closed form (no GD: a run's statistic is a function of its design point)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from checks.experiments import design
from checks.verdicts.estimates import Requirement


class Points(NamedTuple):
    """Runs whose statistic is given per point (NaN: counted, unmeasured)."""

    values: np.ndarray

    @property
    def size(self) -> int:
        return len(self.values)

    def __add__(self, more: Points) -> Points:
        return Points(np.concatenate([self.values, more.values]))

    def first(self, n: int) -> Points:
        return Points(self.values[:n])

    def statistic(self) -> np.ndarray:
        return self.values


def measured_by(statistic, calls: list[int]):
    def measure(uniforms: np.ndarray) -> Points:
        calls.append(len(uniforms))
        return Points(statistic(uniforms))
    return measure


def test_the_design_is_nested_and_decides_at_its_first_estimate_when_far_from_the_edge():
    calls: list[int] = []
    found = design.run_design(measured_by(lambda u: 3 + u[:, 0], calls), Requirement(2.0, 0.1))
    sizes = design.DESIGN.sizes()
    assert found.status == "pass" and found.points == sizes[2] and calls == [sizes[2]]   # three sizes, one batch
    points = design.design_uniforms(0, sizes[2])
    assert np.array_equal(design.design_uniforms(0, 2 * sizes[2])[:sizes[2]], points)    # nested
    assert found.medians == tuple(float(np.median(3 + points[:n, 0])) for n in sizes[:3])
    assert found.estimate is not None and found.estimate.kind == "quadrature"
    assert found.estimate.low < found.estimate.value < found.estimate.high < 3.6
    m = found.medians      # the error: DESIGN_SAFETY × the largest change over the last two doublings, at least
    assert found.estimate.error >= design.DESIGN_SAFETY * max(abs(m[2] - m[1]), abs(m[1] - m[0])) > 0


def test_an_edge_the_median_converges_to_stays_undecided_to_the_last_doubling():
    """The median of 3 + U is 3.5; with no zone around 3.5 the interval meets it at every size."""
    calls: list[int] = []
    found = design.run_design(measured_by(lambda u: 3 + u[:, 0], calls), Requirement(3.5, 0.0))
    assert found.status == "undecided" and found.points == design.DESIGN.last
    assert len(found.medians) == design.DESIGN.looks and sum(calls) == design.DESIGN.last
    assert found.estimate is not None and found.estimate.low <= 3.5 <= found.estimate.high


def test_unmeasured_runs_count_at_zero_below_and_at_infinity_above():
    found = design.run_design(measured_by(lambda u: np.where(u[:, 1] < 0.6, math.nan, 5.0), []),
                              Requirement(2.0, 0.1))
    assert found.status == "undecided" and found.estimate is not None
    assert found.estimate.value == 0.0 and found.estimate.high == math.inf
