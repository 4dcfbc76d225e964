"""outcome_counts streams its chunks (issue 29, item 14): it kept every chunk's batch (151 MB
traced at n = 2²⁰, a MemoryError at 5·10⁷ under a 4 GB limit) although it returns four integers."""

import math
import tracemalloc

import numpy as np
import pytest

from theory import Teacher, dynamics

TEACHER = Teacher([1.0, 2.0, 0.5], [1.0, -0.5])
# Two chunks' runs at ≈ 80 bytes each — the one being counted and the next one being drawn — and
# room for the draw's temporaries: 256 bytes per run of a chunk, 16 MiB, whatever n is.
PEAK_BOUND = 256 * dynamics._CHUNK


@pytest.mark.parametrize(("seed", "options"), [(0, {}), (1, {"scheme": "gaussian"}),
                                               (2, {"p": math.inf, "v0_norm": 0.5})])
def test_counts_are_those_of_the_whole_batch_over_several_chunks(seed, options):
    n = 2 * dynamics._CHUNK + 17                        # three chunks, the last one short
    counts = dynamics.outcome_counts(TEACHER, n, np.random.default_rng(seed), **options)
    batch = dynamics.reduced_runs(TEACHER, n, np.random.default_rng(seed), **options)
    assert counts == dynamics.batch_counts(batch) and sum(counts.values()) == n


def test_outcome_counts_memory_does_not_grow_with_n():
    dynamics.outcome_counts(TEACHER, 10, np.random.default_rng(0))      # tables and kernel first
    tracemalloc.start()
    try:
        counts = dynamics.outcome_counts(TEACHER, 2**20, np.random.default_rng(0))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(counts.values()) == 2**20
    assert peak < PEAK_BOUND, f"{peak / 2**20:.1f} MiB traced for 2**20 runs"
