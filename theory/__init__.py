"""Reference implementation of the non-overlapping one-hidden-layer ReLU CNN of Du et al. (2018).

``f(Z; w, a) = Σ_j a_j σ(wᵀZ_j)`` with Gaussian patches, trained with weight normalization
``w = v/‖v‖`` on the population squared loss against a teacher (w*, a*).
"""

from theory.teacher import Teacher
from theory.validation import InvalidInput

__all__ = ["InvalidInput", "Teacher"]
