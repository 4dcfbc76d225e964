"""Evidence made readable: an instance (a counterexample, a worst case) as named fields, and a
part's worst case against its requirement, in words. Used by the HTML report and the terminal."""

from __future__ import annotations

import math
from typing import Any

from checks.verdicts.stats import Proportion

__all__ = ["SHOWN_VALUES", "named_fields", "proportion_text", "value_text", "worst_text"]

SHOWN_VALUES = 4   # a vector longer than this is shown by its length, norm and first values


def proportion_text(share: Proportion, with_counts: bool = True) -> str:
    """A proportion as its estimate with its exact interval, e.g. ``0.3 [0.21, 0.4] (30 of 100)``."""
    text = f"{share.estimate:.4g} [{share.low:.3g}, {share.high:.3g}]"
    return text + f" ({share.successes:,} of {share.trials:,})" if with_counts else text


def value_text(value: Any) -> str:
    """One evidence value as short text: numbers to 4 significant digits, a proportion with its
    interval, a long vector by its length, norm and first entries."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Proportion):
        return proportion_text(value)
    if isinstance(value, (list, tuple)):
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value) and value:
            shown = ", ".join(value_text(x) for x in value[:SHOWN_VALUES])
            if len(value) <= SHOWN_VALUES:
                return f"[{shown}]"
            norm = math.sqrt(sum(float(x) ** 2 for x in value))
            return f"{len(value):,} values, norm {norm:.4g}: {shown}, …"
        return "; ".join(value_text(x) for x in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {value_text(v)}" for k, v in value.items())
    return str(value)


def named_fields(instance: Any) -> list[tuple[str, str]]:
    """``instance`` as (name, text) pairs in its own order, empty strings left out; nested dicts
    flattened to ``outer.inner`` (a Proportion is one field, with its interval). Anything that is not a
    dict is one field, ``value``."""
    if not isinstance(instance, dict):
        return [("value", value_text(instance))]
    fields: list[tuple[str, str]] = []
    for key, value in instance.items():
        if value == "":   # an unset label (a teacher without a family name) says nothing
            continue
        if isinstance(value, dict) and value:
            fields += [(f"{key}.{name}", text) for name, text in named_fields(value)]
        else:
            fields.append((str(key), value_text(value)))
    return fields


def worst_text(part: dict) -> str:
    """A part's worst case against its requirement, e.g. ``0.0468 (must be ≤ 0.01)``."""
    worst = part.get("worst")
    if not worst:
        return "—"
    return f"{value_text(worst.get('measured'))} (must be {part.get('bound', '')} {value_text(worst.get('tolerance'))})"
