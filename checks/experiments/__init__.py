"""What the checks run: the plan of each budget, generated teachers, outcome statistics of GD
runs, grid cells and the invariant grid. Imports verdicts and theory; never figures, claims or app."""

__all__: list[str] = []
