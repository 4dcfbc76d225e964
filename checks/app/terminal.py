"""What `theorycheck check` and `theorycheck fuzz` print: rich tables, plain text when piped."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from checks.app.evidence_text import named_fields, value_text, worst_text

__all__ = ["VERDICT_STYLE", "console", "counterexample_fields", "fields_table", "parts_table", "print_check",
           "print_fuzz", "print_written"]

VERDICT_STYLE = {"confirmed": "green", "qualified": "blue", "refuted": "bold red", "inconclusive": "yellow",
                 "pass": "green", "fail": "bold red", "undecided": "yellow"}


def console() -> Console:
    """A console on the current stdout (tests capture it); 120 columns when it is not a terminal."""
    return Console(file=sys.stdout, highlight=False, markup=False, emoji=False,
                   width=None if sys.stdout.isatty() else 120)


def _verdict(verdict: str) -> Text:
    return Text(verdict, style=VERDICT_STYLE.get(verdict, ""))


def parts_table(parts: dict[str, dict]) -> Table:
    """One row per part: its name (and reading), cases, failed/undecided, worst vs requirement, verdict."""
    table = Table("part", "cases", "failed / undecided", "worst case vs requirement", "verdict",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, part in parts.items():
        label = Text(name)
        if part.get("reading"):
            label.append(f"\nreading: {part['reading']}", style="dim")
        table.add_row(label, Text(value_text(part.get("cases"))),
                      Text(f"{part.get('failed', 0)} / {part.get('undecided', 0)}"),
                      Text(worst_text(part)), _verdict(part.get("verdict", "")))
    return table


def fields_table(title: str, fields: Iterable[tuple[str, str]]) -> Group:
    """A title line over a two-column table of named fields."""
    table = Table("field", "value", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, text in fields:
        table.add_row(Text(name), Text(text))
    return Group(Text(title, style="bold"), table)


def _indented(text: str) -> Padding:
    return Padding(Text(text), (0, 0, 0, 2))


def counterexample_fields(counter: dict[str, Any]) -> list[tuple[str, str]]:
    """The counterexample as named fields: the part, measured against required, then the instance's."""
    fields = [("part", str(counter.get("part", ""))),
              ("measured", value_text(counter.get("measured"))),
              ("required", f"{counter.get('bound', '')} {value_text(counter.get('tolerance'))}".strip())]
    if counter.get("note"):
        fields.append(("note", str(counter["note"])))
    return fields + named_fields(counter.get("instance", {}))


def print_check(results: list[dict[str, Any]]) -> None:
    """Per claim: verdict and summary, the parts table, and for a refuted or qualified claim its
    smallest failing instance as named fields (for a qualified one also where it holds and fails)."""
    out = console()
    for r in results:
        evidence = r["evidence"]
        line = Text(f"{r['id']}: ")
        line.append(r["verdict"], style=VERDICT_STYLE.get(r["verdict"], ""))
        line.append(f" — {evidence['summary']}")
        out.print(line)
        if evidence.get("parts"):
            out.print(parts_table(evidence["parts"]))
        if r["verdict"] == "qualified":
            for key, label in (("holds_when", "holds"), ("fails_when", "fails"), ("undecided_readings", "undecided")):
                readings = "; ".join(f"{x['reading']} ({x['part']})" for x in evidence.get(key, []))
                if readings:
                    out.print(_indented(f"{label}: {readings}"))
        if evidence.get("why"):
            out.print(_indented(f"why inconclusive: {evidence['why']}; to settle: {evidence.get('settle', '')}"))
        if evidence.get("counterexample") and r["verdict"] in ("refuted", "qualified"):
            title = ("counterexample: the smallest failing instance" if r["verdict"] == "refuted"
                     else "smallest failing instance (of the reading that fails)")
            out.print(fields_table(title, counterexample_fields(evidence["counterexample"])))
        if r.get("reproducer"):
            out.print(Padding(Text(f"reproduce: {r['reproducer']}", style="dim"), (0, 0, 1, 2)))


def print_fuzz(found: dict[str, Any], explanation: list[str]) -> None:
    """One target's findings: the explanation of each score in words, then the extremes as fields."""
    out = console()
    heading = Text(f"{found['claim']}: {found['examples']} examples — ")
    if found.get("counterexample"):
        heading.append("COUNTEREXAMPLE inside the hypotheses", style="bold red")
    else:
        heading.append("no counterexample inside the hypotheses", style="green")
    out.print(heading)
    for line in explanation:
        out.print(_indented(line))
    for key, title in (("inside", "extreme inside the hypotheses"), ("outside", "extreme just outside them"),
                       ("near_misses", "screened as a violation, cleared on re-check"),
                       ("counterexample", "counterexample")):
        if found.get(key):
            out.print(fields_table(title, named_fields(found[key])))


def print_written(path: Path) -> None:
    console().print(Text(f"wrote {path}"))
