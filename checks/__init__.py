"""theorycheck's claims and the programs that run them, in layers that import only downwards
(verdicts ← experiments ← figures ← claims ← app):

* ``verdicts/`` — what a claim is and what it returns: claims, budgets, cases, parts and their
  combination into a verdict, typed results, exact intervals (no ``theory`` imports);
* ``experiments/`` — what the checks run: the plan of each budget, generated teachers, GD outcome
  statistics, grid cells and the invariant grid;
* ``figures/`` — drawing: what experiments return, as inline SVG (experiments never draw);
* ``claims/`` — the catalogue: one module per claim;
* ``app/`` — the programs: the command line, the report, the sweep, the fuzzer.

``tests/test_layers.py`` enforces the direction. The layout, module by module, is in
docs/development.md.
"""

__all__: list[str] = []
