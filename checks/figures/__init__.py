"""Figures as inline SVG: the drawing shared by the claims and the sweep. Beside experiments
(neither imports the other); imports verdicts and theory."""

__all__: list[str] = []
