"""theorycheck's claims and the programs that run them, in layers that import only downwards:

* ``verdicts/`` — what a claim is and what it returns: claims, budgets, cases, parts and their
  combination into a verdict, typed results, exact intervals (no ``theory`` imports);
* ``experiments/`` — what the checks run: the plan of each budget, generated teachers, GD outcome
  statistics, grid cells and the invariant grid;
* ``figures/`` — drawing (beside ``experiments``, neither imports the other);
* ``claims/`` — the catalogue: one module per claim;
* ``app/`` — the programs: the command line, the report, the sweep, the fuzzer.

``tests/test_layers.py`` enforces the direction. The layout, module by module, is in
docs/development.md.
"""

__all__: list[str] = []
