"""Running claims and writing the report: ``claims.json`` for machines, ``index.html`` for people."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import as_completed
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import mpmath
import numpy as np

from checks import claims as catalogue
from checks.app.evidence_text import named_fields, proportion_text
from checks.app.files import write_atomically
from checks.app.guards import read_json
from checks.app.processes import pool, stop
from checks.experiments.plan import Plan
from checks.figures.render import margins_figure
from checks.verdicts.assumptions import assumptions_table
from checks.verdicts.budget import Budget
from checks.verdicts.claim import SOURCES, Claim
from checks.verdicts.jsonable import jsonable
from checks.verdicts.outcome import QUALIFICATIONS, VERDICTS, Figure, Outcome
from checks.verdicts.stats import Proportion
from theory import reduced_gd
from theory.validation import InvalidInput

__all__ = ["MATHEMATICS", "SCHEMA_VERSION", "ClaimResult", "compare", "describe_change", "docs_href", "document",
           "environment", "load_fuzz", "load_previous", "progress_to_stderr", "render_html", "reproducer", "run_claims",
           "source_revision", "to_json", "without_svg", "write_report"]

SCHEMA_VERSION = 1


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def source_revision() -> str:
    """The git commit of the source tree, with "(dirty)" when it has changes; "unknown" outside git."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        changes = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                 capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit} (dirty)" if changes else commit


def environment(budget: Budget, seed: int, run: dict[str, Any] | None = None) -> dict[str, Any]:
    """What produced the report: theorycheck's version and commit, the run (``run``: its start,
    duration, command line and jobs), the libraries and the machine."""
    return {
        "theorycheck": _version("theorycheck"),
        "git_commit": source_revision(),
        **(run or {}),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mpmath": mpmath.__version__,
        "hypothesis": _version("hypothesis"),
        "backend": mpmath.libmp.BACKEND,
        "seed": seed,
        "budget": budget.name,
        "mpmath_default_dps": mpmath.mp.dps,
        "scipy": _version("scipy"),
        "python-flint": _version("python-flint"),
        "numba": _version("numba"),
        "gd_engine": "reduced-numba" if reduced_gd.compiled_kernel() else "reduced-numpy",
        "hypothesis_profile_for_tests": os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }


def reproducer(claim_id: str, budget: Budget, seed: int) -> str:
    """The command that recomputes a claim's numbers."""
    return f"theorycheck check {claim_id} --budget {budget.name} --seed {seed}"


@dataclass(frozen=True)
class ClaimResult:
    """One claim's outcome under a plan, with what the report shows beside it: its words, the
    figures (the margins figure for a claim without its own), the seconds it took and the command
    that reproduces it."""

    id: str
    title: str
    source: str
    statement: str
    wording: str
    reconstruction: str
    outcome: Outcome
    figures: tuple[Figure, ...]
    seconds: float
    reproducer: str

    @property
    def verdict(self) -> str:
        return self.outcome.verdict

    def record(self) -> dict[str, Any]:
        """The claim's entry of the report document: JSON-ready, except that a Proportion stays one
        (the page shows it by its type); :func:`to_json` writes it."""
        return jsonable({
            "id": self.id, "title": self.title, "source": self.source, "statement": self.statement,
            "wording": self.wording, "reconstruction": self.reconstruction, "verdict": self.verdict,
            "evidence": self.outcome.evidence, "seconds": round(self.seconds, 3), "reproducer": self.reproducer,
            "figures": list(self.figures)}, keep=(Proportion,))


def to_json(doc: Any) -> str:
    """The report document as strict JSON text (typed leaves written by their ``to_json()``)."""
    return json.dumps(jsonable(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def run_claims(claims: Iterable[Claim[Plan]], plan: Plan, seed: int,
               progress: Callable[[str], None] = lambda line: None, jobs: int = 1) -> list[ClaimResult]:
    """Every claim's result, in the order given. With ``jobs`` > 1 the claims run in that many
    processes (spawned; numba's threads shared out between them); the numbers do not depend on
    ``jobs`` (each claim's randomness comes from (seed, claim) alone). Claims that are not the
    registered ones (test doubles, planted faults in this process) always run here."""
    claims = list(claims)
    done: dict[str, ClaimResult] = {}

    def finished(result: ClaimResult) -> None:
        done[result.id] = result
        progress(f"[{len(done)}/{len(claims)}] {result.id}: {result.verdict} ({result.seconds:.1f} s)")

    registered = all(catalogue.is_catalogued(c) for c in claims)
    if jobs <= 1 or len(claims) <= 1 or not registered:
        for claim in claims:
            progress(f"[{len(done) + 1}/{len(claims)}] {claim.id} …")
            finished(_result(claim, plan, seed))
        return [done[c.id] for c in claims]
    threads = max(1, (os.cpu_count() or 1) // jobs)
    # longest first (the gradient-descent claims), so that the processes finish together
    order = sorted(claims, key=lambda c: not 100 <= catalogue.report_order(c) < 200)
    workers = pool(jobs, numba_threads=threads)
    try:
        futures = [workers.submit(_run_registered, claim.id, plan.budget.name, seed) for claim in order]
        progress(f"running {len(claims)} claims in {jobs} processes …")
        for future in as_completed(futures):
            finished(future.result())
    except BaseException:   # Ctrl-C or a dead worker: cancel queued claims, terminate running ones, now
        stop(workers)
        raise
    workers.shutdown()
    return [done[c.id] for c in claims]


def _run_registered(claim_id: str, budget_name: str, seed: int) -> ClaimResult:
    """One registered claim in a worker process, under its budget's plan."""
    return _result(catalogue.get(claim_id), catalogue.plan(budget_name), seed)


def _result(claim: Claim[Plan], plan: Plan, seed: int) -> ClaimResult:
    outcome, seconds = claim.run(plan, seed)
    # a claim without figures of its own still shows its evidence as a picture: every case of every part
    figures = outcome.figures or (margins_figure(outcome.evidence.parts),)
    return ClaimResult(claim.id, claim.title, claim.source, claim.statement, claim.wording, claim.reconstruction,
                       outcome, tuple(figures), seconds, reproducer(claim.id, plan.budget, seed))


def document(results: list[ClaimResult], budget: Budget, seed: int,
             run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report document (the JSON boundary): every claim's record, the summary and the environment."""
    records = [r.record() for r in results]
    counts = {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}
    by_source = {src: {v: sum(r["verdict"] == v and r["source"] == src for r in records) for v in VERDICTS}
                 for src in SOURCES}
    table = assumptions_table((r.id, r.outcome.evidence.details) for r in results)
    # the headline's split of qualified claims: whose reading fails (checks.verdicts.outcome.QUALIFICATIONS)
    qualified_by = {q: sum(r["verdict"] == "qualified" and r["evidence"].get("qualification") == q for r in records)
                    for q in QUALIFICATIONS}
    return {"schema_version": SCHEMA_VERSION, "claims": records, "assumptions": table.to_json(),
            "summary": {"counts": counts, "by_source": by_source, "qualified_by": qualified_by,
                        # every claim's knobs of ours and whether its verdict flips (the claims compute them)
                        "sensitivity": [{"claim": r["id"], **row} for r in records
                                        for row in r["evidence"].get("sensitivity", [])],
                        "seconds": round(sum(r["seconds"] for r in records), 3),
                        "wall_seconds": (run or {}).get("duration_seconds")},
            "environment": environment(budget, seed, run)}


def compare(doc: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed since an earlier claims.json: verdicts, added and removed claims, summaries."""
    before = {c["id"]: c for c in old.get("claims", [])}
    after = {c["id"]: c for c in doc["claims"]}
    changes = []
    for claim_id, claim in after.items():
        if claim_id not in before:
            changes.append({"id": claim_id, "change": "added", "verdict": claim["verdict"]})
        elif before[claim_id]["verdict"] != claim["verdict"]:
            changes.append({"id": claim_id, "change": "verdict",
                            "from": before[claim_id]["verdict"], "to": claim["verdict"]})
        elif before[claim_id]["evidence"].get("summary") != claim["evidence"].get("summary"):
            changes.append({"id": claim_id, "change": "evidence", "from": before[claim_id]["evidence"].get("summary"),
                            "to": claim["evidence"].get("summary")})
    changes += [{"id": claim_id, "change": "removed", "verdict": before[claim_id]["verdict"]}
                for claim_id in before if claim_id not in after]
    return changes


def describe_change(change: dict[str, Any]) -> str:
    if change["change"] == "verdict":
        return f"{change['id']}: {change['from']} → {change['to']}"
    if change["change"] == "evidence":
        return f"{change['id']}: evidence changed ({change['to']})"
    return f"{change['id']}: {change['change']} ({change['verdict']})"


def _strict_json(path: Path, what: str) -> Any:
    """An untrusted JSON file with no NaN or infinities, read with size and depth limits (a FIFO,
    /dev/zero or 100,000-deep nesting is a one-line ValueError): :func:`checks.app.guards.read_json`."""
    return read_json(path, what)


def load_previous(path: Path) -> dict[str, Any]:
    """An earlier claims.json, checked before any claim runs: a dict whose ``claims`` are dicts with
    a string ``id``, a known ``verdict`` and an ``evidence`` dict with a string ``summary``."""
    old = _strict_json(path, "--compare")
    problem = _claims_problem(old)
    if problem:
        raise InvalidInput(f"--compare {path}: not a theorycheck claims.json ({problem})")
    return old


def _claims_problem(old: Any) -> str:
    if not isinstance(old, dict) or not isinstance(old.get("claims"), list):
        return "no 'claims' list"
    for i, claim in enumerate(old["claims"]):
        if not isinstance(claim, dict) or not isinstance(claim.get("id"), str):
            return f"claims[{i}] has no string 'id'"
        if claim.get("verdict") not in VERDICTS:
            return f"claims[{i}] has no known 'verdict'"
        if not isinstance(claim.get("evidence"), dict) or not isinstance(claim["evidence"].get("summary"), str):
            return f"claims[{i}] has no 'evidence' with a 'summary'"
    return ""


def load_fuzz(path: Path) -> dict[str, Any]:
    """The findings `theorycheck fuzz` wrote, checked before any claim runs (the report shows them)."""
    found = _strict_json(path, "fuzz findings")
    shape = {"target": str, "claim": str, "objective": str, "inside": dict, "outside": dict,
             "near_misses": dict, "examples": int}
    valid = (isinstance(found, dict) and isinstance(found.get("time_budget_seconds"), (int, float))
             and found["time_budget_seconds"] > 0 and isinstance(found.get("seed"), int)
             and isinstance(found.get("targets"), list)
             and all(isinstance(f, dict) and all(isinstance(f.get(k), kind) for k, kind in shape.items())
                     and (f.get("counterexample") is None or isinstance(f["counterexample"], dict))
                     for f in found["targets"]))
    if not valid:
        raise InvalidInput(f"{path} is not what `theorycheck fuzz` writes; remove it or run the fuzzer again")
    return found


# The mathematics page, inside the repository; the report links to its sections.
MATHEMATICS = Path(__file__).resolve().parents[2] / "docs" / "mathematics.md"
_DOCS_REFERENCE = re.compile(r"docs/mathematics\.md(#[a-z0-9-]+)?")


def docs_href(out_dir: Path) -> str:
    """docs/mathematics.md relative to the folder the report is written to (``../docs/…`` from reports/)."""
    return Path(os.path.relpath(MATHEMATICS, out_dir.resolve())).as_posix()


_SCIENTIFIC = re.compile(r"\d[\d.,]*e[-+]\d+")


def _unbroken_numbers(escaped: str) -> str:
    """Numbers in scientific notation kept on one line (browsers break "1e-30" after its hyphen)."""
    return _SCIENTIFIC.sub(lambda m: f'<span class="n">{m.group(0)}</span>', escaped)


def _prose(text: Any, href: str) -> markupsafe.Markup:
    """``text`` escaped, with every reference to docs/mathematics.md (and a #section) made a link
    and its numbers kept whole."""
    escaped = _unbroken_numbers(str(markupsafe.escape(text)))
    return markupsafe.Markup(_DOCS_REFERENCE.sub(
        lambda m: f'<a href="{href}{m.group(1) or ""}">{m.group(0)}</a>', escaped))


def render_html(doc: dict[str, Any], docs: str = "../docs/mathematics.md") -> str:
    """The HTML page; ``docs`` is the link to docs/mathematics.md as seen from the page's folder."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("checks.app", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda x: markupsafe.Markup(_unbroken_numbers(str(markupsafe.escape(_format_number(x)))))
    env.filters["table_columns"] = _table_columns
    env.filters["cell"] = lambda row, column: markupsafe.Markup(
        _unbroken_numbers(str(markupsafe.escape(_cell(row, column)))))
    env.filters["shared_families"] = _shared_families
    env.filters["prose"] = lambda text: _prose(text, docs)
    env.filters["named_fields"] = named_fields
    return env.get_template("report.html.j2").render(doc=doc, docs=docs)


def _shared_families(parts: dict) -> list[str] | None:
    """The teacher families when every part lists the same ones (shown once, not per row)."""
    lists = [tuple(part["families"]) for part in parts.values()]
    return list(lists[0]) if lists and lists[0] and len(set(lists)) == 1 else None


_HIDDEN_COLUMNS = {"w_star", "a_star", "regenerate", "v", "a"}


def _table_columns(rows: list[dict]) -> list[str]:
    """The columns of an evidence table: scalar fields and proportions (shown with their
    intervals), in first-seen order; nested records and long vectors left out."""
    columns: list[str] = []
    for row in rows:
        for key, value in row.items():
            if key in _HIDDEN_COLUMNS or key in columns or isinstance(value, (dict, list)):
                continue
            columns.append(key)
    return columns


def _cell(row: dict, column: str) -> str:
    value = row.get(column, "")
    if isinstance(value, Proportion):
        return proportion_text(value, with_counts=False)
    return _format_number(value) if value is not None else "—"


def _format_number(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def without_svg(doc: dict[str, Any]) -> dict[str, Any]:
    """The JSON document: figures keep their titles and captions; the SVG lives in the HTML."""
    claims = [{**c, "figures": [{k: v for k, v in f.items() if k != "svg"} for f in c["figures"]]}
              for c in doc["claims"]]
    return {**doc, "claims": claims}


def write_report(doc: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "claims.json", out_dir / "index.html"
    write_atomically({
        json_path: to_json(without_svg(doc)),
        html_path: render_html(doc, docs_href(out_dir)),
    })
    return json_path, html_path


def progress_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
