"""What differs between two reports beyond their timings and environment: a refactor must leave
every verdict, every number and every figure as it was.

``python -m tests.report_diff BEFORE AFTER`` compares two report folders (claims.json and the
figures of index.html); it prints each difference by its JSON path and exits 1 if there is any.
Ignored: ``environment`` (machine, versions, commit, command, start time), the run times
(``summary.seconds``, ``summary.wall_seconds``, each claim's ``seconds``) and ``comparison``.
Key order counts (the report shows evidence in its order).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

__all__ = ["differences", "main", "normalized", "report_differences", "svg_figures"]

IGNORED = {("environment",), ("summary", "seconds"), ("summary", "wall_seconds"), ("comparison",)}


def normalized(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without what may change between two runs of the same code."""
    out = {key: value for key, value in doc.items() if (key,) not in IGNORED}
    out["summary"] = {key: value for key, value in doc.get("summary", {}).items()
                      if ("summary", key) not in IGNORED}
    out["claims"] = [{key: value for key, value in claim.items() if key != "seconds"}
                     for claim in doc.get("claims", [])]
    return out


def differences(before: Any, after: Any, path: str = "$") -> list[str]:
    """Every place where ``after`` differs from ``before``, by JSON path (key order included)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        if list(before) != list(after) and set(before) == set(after):
            found.append(f"{path}: key order {list(before)} → {list(after)}")
        for key in before:
            if key not in after:
                found.append(f"{path}.{key}: removed")
            else:
                found += differences(before[key], after[key], f"{path}.{key}")
        found += [f"{path}.{key}: added" for key in after if key not in before]
        return found
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{path}: {len(before)} items → {len(after)}"]
        return [line for i, (x, y) in enumerate(zip(before, after, strict=True))
                for line in differences(x, y, f"{path}[{i}]")]
    if type(before) is not type(after) or before != after:
        return [f"{path}: {before!r:.120} → {after!r:.120}"]
    return []


_SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def svg_figures(html: str) -> list[str]:
    """The inline SVG figures of a report page, in order."""
    return _SVG.findall(html)


def report_differences(before: Path, after: Path) -> list[str]:
    """Differences between the reports in two folders: claims.json, then the figures' SVG."""
    old, new = (json.loads((folder / "claims.json").read_text(encoding="utf-8")) for folder in (before, after))
    found = differences(normalized(old), normalized(new))
    old_svg, new_svg = (svg_figures((folder / "index.html").read_text(encoding="utf-8")) for folder in (before, after))
    if len(old_svg) != len(new_svg):
        found.append(f"index.html: {len(old_svg)} figures → {len(new_svg)}")
    else:
        found += [f"index.html: figure {i} differs" for i, (x, y) in enumerate(zip(old_svg, new_svg, strict=True))
                  if x != y]
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m tests.report_diff BEFORE_DIR AFTER_DIR", file=sys.stderr)
        return 2
    found = report_differences(Path(args[0]), Path(args[1]))
    for line in found:
        print(line)
    print(f"{len(found)} difference(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
