"""Running claims and writing the report: ``claims.json`` for machines, ``index.html`` for people."""

from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import as_completed
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

from checks import claims as catalogue
from checks.app.files import publish
from checks.app.guards import read_json
from checks.app.page import render_html
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

__all__ = ["HEARTBEAT_SECONDS", "LONG_OTHERS", "MANIFEST", "SCHEMA_VERSION", "SHARED_GRID", "ClaimResult", "compare",
           "compare_numbers", "comparison_warnings", "compile_notice", "describe_change", "document", "environment",
           "load_fuzz", "load_previous", "progress_to_stderr", "render_html", "reproducer", "run_claims",
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
        (the page shows it by its type); :func:`to_json` writes it. Every part keeps every case it
        checked (``all_cases``), beside the few ``examples`` the verdict's evidence shows."""
        record = jsonable({
            "id": self.id, "title": self.title, "source": self.source, "statement": self.statement,
            "wording": self.wording, "reconstruction": self.reconstruction, "verdict": self.verdict,
            "evidence": self.outcome.evidence, "seconds": round(self.seconds, 3), "reproducer": self.reproducer,
            "figures": list(self.figures)}, keep=(Proportion,))
        parts = record["evidence"].get("parts", {})
        for part in self.outcome.evidence.parts:
            if part.name in parts:
                parts[part.name]["all_cases"] = jsonable([case.to_json() for case in part.cases], keep=(Proportion,))
        return record


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
    running: list[str] = []

    def finished(result: ClaimResult) -> None:
        done[result.id] = result
        progress(f"[{len(done)}/{len(claims)}] {result.id}: {result.verdict} ({result.seconds:.1f} s)")

    with _Heartbeat(lambda seconds: progress(
            f"… {len(done)} of {len(claims)} claims done after {seconds:.0f} s"
            + (f"; running {running[0]}" if running else ""))):
        return _run_all(claims, plan, seed, progress, jobs, done, running, finished)


HEARTBEAT_SECONDS = 30.0
LONG_OTHERS = ("real-network",)    # long claims outside the gradient-descent block of the report's order
# claims judged on the invariant grid, in the order that computes its quadratures and cells first
SHARED_GRID = ("spurious-probability", "success-probability", "restarts")


class _Heartbeat:
    """Calls ``say(seconds elapsed)`` every HEARTBEAT_SECONDS until the block ends: a long claim
    (a minute and more at standard) is never a silent terminal."""

    def __init__(self, say: Callable[[float], None]):
        self.say, self.stop = say, threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        started = time.perf_counter()
        while not self.stop.wait(HEARTBEAT_SECONDS):
            self.say(time.perf_counter() - started)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()


def _run_all(claims: list[Claim[Plan]], plan: Plan, seed: int, progress: Callable[[str], None], jobs: int,
             done: dict[str, ClaimResult], running: list[str],
             finished: Callable[[ClaimResult], None]) -> list[ClaimResult]:

    registered = all(catalogue.is_catalogued(c) for c in claims)
    if jobs <= 1 or len(claims) <= 1 or not registered:
        for claim in claims:
            progress(f"[{len(done) + 1}/{len(claims)}] {claim.id} …")
            running[:] = [claim.id]
            finished(_result(claim, plan, seed))
        return [done[c.id] for c in claims]
    threads = max(1, (os.cpu_count() or 1) // jobs)
    # longest first (the gradient-descent claims and the JAX network's compile), so that the
    # processes finish together; the claims that share the invariant grid run in turn in one task,
    # so that its quadratures and cells are computed once (the caches change no number)
    order = sorted(claims, key=lambda c: not (100 <= catalogue.report_order(c) < 200 or c.id in LONG_OTHERS))
    tasks: list[tuple[str, ...]] = []
    for claim in order:
        shared = [t for t in tasks if claim.id in SHARED_GRID and t[0] in SHARED_GRID]
        if shared:
            tasks[tasks.index(shared[0])] = (*shared[0], claim.id)
        else:
            tasks.append((claim.id,))
    workers = pool(jobs, numba_threads=threads)
    try:
        futures = [workers.submit(_run_registered, task, plan.budget.name, seed) for task in tasks]
        progress(f"running {len(claims)} claims in {jobs} processes …")
        for future in as_completed(futures):
            for result in future.result():
                finished(result)
    except BaseException:   # Ctrl-C or a dead worker: cancel queued claims, terminate running ones, now
        stop(workers)
        raise
    workers.shutdown()
    return [done[c.id] for c in claims]


def _run_registered(claim_ids: tuple[str, ...], budget_name: str, seed: int) -> list[ClaimResult]:
    """Registered claims, in turn, in a worker process, under their budget's plan."""
    return [_result(catalogue.get(claim_id), catalogue.plan(budget_name), seed) for claim_id in claim_ids]


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
    """What changed since an earlier claims.json, claim by claim: added, removed, a verdict or a
    summary changed (the numbers behind them: :func:`compare_numbers`)."""
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


_PART_NUMBERS = ("cases", "failed", "undecided")


def _headline(doc: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of a report, by a dotted name: the counts by verdict, and per claim its
    verdict and, per part, its verdict, cases, failed and undecided counts and its worst case
    (measured and required)."""
    out: dict[str, Any] = {}
    for verdict, count in (doc.get("summary") or {}).get("counts", {}).items():
        out[f"summary.{verdict}"] = count
    for claim in doc.get("claims", []):
        out[f"{claim['id']}.verdict"] = claim.get("verdict")
        parts = claim.get("evidence", {}).get("parts", {})
        if not isinstance(parts, dict):
            continue
        for name, part in parts.items():
            if not isinstance(part, dict):
                continue
            prefix = f"{claim['id']}.{name}"
            out[f"{prefix}.verdict"] = part.get("verdict")
            for key in _PART_NUMBERS:
                out[f"{prefix}.{key}"] = part.get(key)
            worst = part.get("worst")
            if isinstance(worst, dict):
                out[f"{prefix}.worst measured"] = worst.get("measured")
                out[f"{prefix}.requirement"] = f"{part.get('bound', '')} {worst.get('tolerance')}".strip()
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def compare_numbers(doc: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    """Every headline figure that differs between ``old`` and ``doc``, old → new (None where a
    report lacks it): the verdict counts, each claim's verdict, and each part's verdict, case
    counts and worst case against its requirement."""
    before, after = _headline(old), _headline(doc)
    return [{"field": name, "old": before.get(name), "new": after.get(name)}
            for name in list(after) + [n for n in before if n not in after]
            if not _same(before.get(name), after.get(name))]


def comparison_warnings(doc: dict[str, Any], old: dict[str, Any]) -> list[str]:
    """Why two reports' numbers are not comparable one for one: another budget or seed (the plans
    run other teachers, dimensions and runs), or another schema."""
    warnings = []
    new_env, old_env = doc.get("environment", {}), old.get("environment") or {}
    for key, what in (("budget", "budget"), ("seed", "seed")):
        if old_env.get(key) != new_env.get(key):
            warnings.append(f"the {what} differs: {old_env.get(key, 'unknown')} then, {new_env.get(key)} now — "
                            "other instances ran, so numbers differ for that reason alone")
    if old.get("schema_version") != doc.get("schema_version"):
        warnings.append(f"the earlier report has schema version {old.get('schema_version', 'unknown')}, "
                        f"this one {doc.get('schema_version')}")
    return warnings


def _shown_value(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def describe_change(change: dict[str, Any]) -> str:
    """One line of the comparison: a verdict-level change, or a number old → new."""
    if "field" in change:
        return f"{change['field']}: {_shown_value(change['old'])} → {_shown_value(change['new'])}"
    if change["change"] == "verdict":
        return f"{change['id']}: {change['from']} → {change['to']}"
    if change["change"] == "evidence":
        return f"{change['id']}: summary changed"
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


_NAME = re.compile(r"[a-z0-9-]{1,100}")


def _scalar_problem(value: Any, where: str) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        return "" if math.isfinite(value) else f"{where} is not a finite number"
    if isinstance(value, str):
        return "" if len(value) <= 1000 else f"{where} is longer than 1,000 characters"
    return f"{where} is not a number, string, true/false or null"


def _finding_problem(finding: Any, where: str) -> str:
    """Why a finding (a target's inside, outside, near-misses or counterexample) is not what
    `theorycheck fuzz` writes: a dict whose score is a number, whose values are numbers, strings,
    true/false or null, lists of them, or dicts of them one level deep."""
    if not isinstance(finding, dict):
        return f"{where} is not an object"
    if finding and "score" in finding and (isinstance(finding["score"], bool)
                                           or not isinstance(finding["score"], (int, float))):
        return f"{where}.score is not a number"
    for key, value in finding.items():
        here = f"{where}.{key}"
        if isinstance(value, dict):
            problem = next((p for k, v in value.items() if (p := _scalar_problem(v, f"{here}.{k}"))), "")
        elif isinstance(value, list):
            problem = ("" if len(value) <= 10_000 else f"{here} has more than 10,000 entries") or next(
                (p for i, v in enumerate(value) if (p := _scalar_problem(v, f"{here}[{i}]"))), "")
        else:
            problem = _scalar_problem(value, here)
        if problem:
            return problem
    return ""


def _fuzz_problem(found: Any) -> str:
    if not isinstance(found, dict):
        return "not an object"
    budget = found.get("time_budget_seconds")
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not 0 < budget < 1e9:
        return "time_budget_seconds is not a positive number of seconds"
    if isinstance(found.get("seed"), bool) or not isinstance(found.get("seed"), int) or found["seed"] < 0:
        return "seed is not a non-negative integer"
    targets = found.get("targets")
    if not isinstance(targets, list) or len(targets) > 100:
        return "targets is not a list (of at most 100)"
    for i, target in enumerate(targets):
        where = f"targets[{i}]"
        if not isinstance(target, dict):
            return f"{where} is not an object"
        for key in ("target", "claim"):
            if not isinstance(target.get(key), str) or not _NAME.fullmatch(target[key]):
                return f"{where}.{key} is not a name of lower-case letters, digits and hyphens"
        if not isinstance(target.get("objective"), str) or len(target["objective"]) > 1000:
            return f"{where}.objective is not a string"
        examples = target.get("examples")
        if isinstance(examples, bool) or not isinstance(examples, int) or examples < 0:
            return f"{where}.examples is not a non-negative integer"
        for key in ("inside", "outside", "near_misses", "counterexample"):
            if key == "counterexample" and target.get(key) is None:
                continue
            if problem := _finding_problem(target.get(key), f"{where}.{key}"):
                return problem
    return ""


def load_fuzz(path: Path) -> dict[str, Any]:
    """Findings `theorycheck fuzz` wrote (``report --fuzz FILE``), checked to the leaf before any
    claim runs: the page shows every value of them, so anything else is one line naming the field."""
    found = _strict_json(path, "--fuzz")
    if problem := _fuzz_problem(found):
        raise InvalidInput(f"--fuzz {path}: not what `theorycheck fuzz` writes ({problem})")
    return found


def without_svg(doc: dict[str, Any]) -> dict[str, Any]:
    """The JSON document: figures keep their titles and captions; the SVG lives in the HTML."""
    claims = [{**c, "figures": [{k: v for k, v in f.items() if k != "svg"} for f in c["figures"]]}
              for c in doc["claims"]]
    return {**doc, "claims": claims}


MANIFEST = "report-manifest.json"   # written last: names the claims.json and index.html of one run


def write_report(doc: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """claims.json and index.html, replaced together, then the manifest that names them
    (:func:`checks.app.files.publish`; the caller holds the folder's lock)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "claims.json", out_dir / "index.html"
    publish(out_dir, {json_path.name: to_json(without_svg(doc)), html_path.name: render_html(doc)}, MANIFEST)
    return json_path, html_path


def compile_notice() -> str:
    """A line for a first run — "" when the GD kernel's compiled code is already cached beside the
    source (or in NUMBA_CACHE_DIR): numba then compiles the kernels for about 15 s in silence."""
    folders = [Path(reduced_gd.__file__).parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        folders.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    try:
        cached = any(next(folder.rglob("reduced_gd.*.nbi"), None) for folder in folders if folder.is_dir())
    except OSError:
        cached = False
    return "" if cached else ("first run: numba compiles the GD kernels now (about 15 s, once; later runs load "
                              "them from its cache)")


def progress_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
