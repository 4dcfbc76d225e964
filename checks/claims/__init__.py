"""The claim catalogue: one module per claim, each registering itself on import.

Registration order is report order.
"""

from checks.claims import (  # noqa: F401,I001
    gaussian_kernel, population_loss, gradients,
    global_minimum, spurious_local_minimum, spurious_condition_sharp, critical_points,
    convergence_in_region, success_probability, spurious_probability, restarts,
    norm_monotone, two_phase, spurious_sublinear, fixed_output_layer, empirical_loss,
)

CLAIM_MODULES = (gaussian_kernel, population_loss, gradients,
                 global_minimum, spurious_local_minimum, spurious_condition_sharp, critical_points,
                 convergence_in_region, success_probability, spurious_probability, restarts,
                 norm_monotone, two_phase, spurious_sublinear, fixed_output_layer, empirical_loss)
