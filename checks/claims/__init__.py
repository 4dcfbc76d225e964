"""The claim catalogue: one module per claim in this folder, named after the claim's id
(``-`` becomes ``_``). Importing a module registers its claim.

The modules are found by listing the folder, so adding a claim is adding one file (and its
tests). Each module's ``REPORT_ORDER`` places its claim in the report: the landscape claims
(10–99), then gradient descent on the population loss (100–199), then finite samples (200–).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def claim_modules() -> list[ModuleType]:
    """Every claim module of this folder, imported, in report order."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    modules = [importlib.import_module(f"{__name__}.{name}") for name in names]
    return sorted(modules, key=lambda module: (module.REPORT_ORDER, module.__name__))
