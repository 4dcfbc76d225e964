"""Thread safety: Dask workers and thread pools call the theory layer from many threads at once.

mpmath and python-flint keep one working precision per process, and numba's workqueue layer
aborts on concurrent entry; results computed concurrently must equal the serial ones exactly,
and nothing may hang.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from theory import Teacher, dynamics, landscape
from theory.certify import certify_spurious

# Teachers with a saddle (so saddle_angle bisects at high precision) and a spread of precisions.
TEACHERS = [Teacher([1.0, -0.5, 2.0], [1.0, -0.3]), Teacher([0.2, 0.1, -1.0], [2.0, 1.0, -1.5]),
            Teacher([3.0, 1.0, 1.0], [1.0, 1.0, 1.0, -1.0, 0.5])]
CASES = [(teacher, dps) for teacher in TEACHERS for dps in (20, 45, 80)]


def _high_precision_values(case):
    teacher, dps = case
    phi_s = landscape.saddle_angle(teacher, dps=dps)
    v, a = landscape.spurious_point(teacher)
    certificate = certify_spurious(teacher, prec=64 + 4 * dps)
    return phi_s, landscape.loss(teacher, v, a, dps=dps), certificate.a_s_dot_a_star, certificate.loss_gap


def test_high_precision_results_do_not_depend_on_other_threads():
    assert all(landscape.saddle_angle(teacher) is not None for teacher in TEACHERS)
    serial = [_high_precision_values(case) for case in CASES]
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(_high_precision_values, case) for case in 4 * CASES]
        together = [future.result(timeout=120) for future in futures]
    assert together == 4 * serial


THREADED_RUNS = """
from concurrent.futures import ThreadPoolExecutor
import numba
import numpy as np
from theory import Teacher, dynamics
teacher = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])
starts = [dynamics.random_init(teacher, 2000, np.random.default_rng(seed)) for seed in range(8)]
run = lambda start: dynamics.run_gd(teacher, *start, steps=400, engine="reduced-numba")
alone = [run(start) for start in starts]
with ThreadPoolExecutor(4) as pool:
    together = list(pool.map(run, starts))
assert all(np.array_equal(a.V, b.V) and np.array_equal(a.outcome, b.outcome)
           for a, b in zip(alone, together))
print(numba.threading_layer())
"""


@pytest.mark.parametrize("layer", ["default", "workqueue"])
def test_compiled_engine_is_safe_to_call_from_many_threads(layer):
    """numba's workqueue layer aborts the process on concurrent entry unless the engine
    serializes it; each layer runs in its own subprocess (the layer is chosen once per process)."""
    pytest.importorskip("numba")
    env = {**os.environ, "NUMBA_THREADING_LAYER": layer}
    result = subprocess.run([sys.executable, "-c", THREADED_RUNS], capture_output=True, text=True,
                            env=env, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    if layer != "default":
        assert result.stdout.strip() == layer


def test_run_gd_from_threads_equals_serial_runs():
    teacher = Teacher([0.3, -1.0, 0.7], [1.0, 0.2, -0.4])
    starts = [dynamics.random_init(teacher, 200, np.random.default_rng(seed)) for seed in range(6)]
    serial = [dynamics.run_gd(teacher, *start, steps=300).outcome for start in starts]
    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(dynamics.run_gd, teacher, *start, steps=300) for start in starts]
        together = [future.result(timeout=120).outcome for future in futures]
    assert all(np.array_equal(a, b) for a, b in zip(serial, together, strict=True))
