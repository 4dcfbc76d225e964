"""The claim catalogue of theorycheck: one module per claim, each registering itself on import.

Registration order is report order.
"""

from checks import gaussian_kernel, population_loss, gradients, global_minimum, spurious_minimum  # noqa: F401,I001

CLAIM_MODULES = (gaussian_kernel, population_loss, gradients, global_minimum, spurious_minimum)
