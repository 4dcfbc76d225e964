"""Figures as inline SVG: the drawing shared by the claims and the sweep, of the typed results of
checks.experiments (which never draws). Imports verdicts, experiments and theory."""

__all__: list[str] = []
