"""The ``theorycheck`` command.

Exit codes: 0 no claim refuted (qualified is a finding, not a failure), 1 at least one refuted, 2 usage or
input error (one line on stderr, no traceback), 3 infrastructure failure — a worker process died, a pool
broke, a disk is full or read-only (one line; not a verdict, so nothing is refuted), 130 interrupted
(previous outputs left intact).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import difflib
import io
import json
import os
import re
import shlex
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from checks import claims as catalogue
from checks.app import budgets, guards, report, sweep, sweep_display, terminal
from checks.app.files import LOCK_NAME, OutputBusy, OutputLock, check_destinations, publish
from checks.app.processes import pool, stop
from checks.experiments import cells, quadrature_cells
from checks.verdicts import budget as registry
from checks.verdicts.jsonable import jsonable
from theory.examine import CERTIFY_SECONDS, CERTIFY_WIDTH
from theory.validation import InvalidInput

__all__ = [
    "EXIT_CODES",
    "EXIT_INFRASTRUCTURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_REFUTED",
    "EXIT_USAGE",
    "FUZZ_MANIFEST",
    "SOURCE_TREE",
    "Terminated",
    "UsageError",
    "build_parser",
    "main",
]

EXIT_OK, EXIT_REFUTED, EXIT_USAGE, EXIT_INFRASTRUCTURE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES = ("exit codes: 0 no claim refuted, 1 a claim refuted, 2 usage or input error, 3 infrastructure failure "
              "(a worker died, a disk full or read-only: not a verdict), 130 interrupted (Ctrl-C; 143 SIGTERM, "
              "129 SIGHUP)")


class UsageError(Exception):
    """A problem with how the command was called; reported in one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    # an epilog computed only when the help is shown (the budgets' coverage reads every claim module)
    lazy_epilog: Callable[[], str] | None = None

    def error(self, message):  # argparse would print the whole usage block
        raise UsageError(message)

    def format_help(self) -> str:
        if self.lazy_epilog is not None:
            self.epilog = self.lazy_epilog()
        return super().format_help()


_DECIMAL = re.compile(r"\s*\+?[0-9]{1,30}\s*")


def _int_at_least(minimum: int, message: str, maximum: int | None = None):
    """An argparse type: an integer in [minimum, maximum], else the one-line ``message``."""
    def parse(text: str) -> int:
        # ASCII digits only: int() also reads "1_000" and Arabic-Indic "٣", which no user means as a seed
        value = int(text) if _DECIMAL.fullmatch(text) else minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{message}, got {text!r}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"at most {maximum:,} processes, got {text!r}")
        return value
    return parse


_seed = _int_at_least(0, "seed must be a non-negative integer")
_positive_int = _int_at_least(1, "expected a positive integer")
_processes = _int_at_least(1, "expected a positive integer", guards.MAX_PROCESSES)


def _list_of(convert, what, unique: bool = True):
    """An argparse type: comma-separated values, each once when ``unique`` — a grid is a set, and a
    value given twice would run the same seeded runs twice and count them as independent."""
    def parse(text: str):
        try:
            values = tuple(convert(x) for x in text.split(",") if x.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated {what}, got {text!r}") from None
        if not values:
            raise argparse.ArgumentTypeError(f"expected comma-separated {what}, got {text!r}")
        repeated = next((v for i, v in enumerate(values) if v in values[:i]), None) if unique else None
        if repeated is not None:
            raise argparse.ArgumentTypeError(f"{repeated:g} appears more than once in {text!r}: each value once "
                                             "(a repeated value would count the same runs again)")
        return values
    return parse


_int_list, _float_list = _list_of(int, "integers"), _list_of(float, "numbers")
_vector = _list_of(float, "numbers", unique=False)


def _folder(text: str) -> Path:
    """A folder option: an empty one would silently mean the current directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a folder, got an empty path (write . for the current directory)")
    return Path(text)


def _patch_size(text: str) -> float:
    return float("inf") if text.strip().lower() in ("inf", "∞") else int(text)


_p_list = _list_of(_patch_size, "integers or inf")


def _duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], units[text[-1]]) if text and text[-1] in units else (text, 1)
    try:
        seconds = float(number) * unit
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a duration like 60s or 2m, got {text!r}") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive duration, got {text!r}")
    return seconds


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    times = {b: budgets.measured(b) for b in registry.BUDGETS}
    parser.add_argument("--budget", choices=registry.BUDGETS, default="quick",
                        help=f"how much work each check does: quick (the default; a report takes {times['quick']} "
                        f"on 2 cores), standard ({times['standard']}) or thorough ({times['thorough']}) — more "
                        "teachers, larger dimensions, more runs; `theorycheck report --help` lists what each runs, "
                        "and each claim's section of the report says what ran")
    parser.add_argument("--seed", type=_seed, default=0, help="master seed (default: 0)")
    parser.add_argument("--jobs", type=_processes, default=os.cpu_count() or 1,
                        help=f"claims run in this many processes, at most {guards.MAX_PROCESSES} (default: CPU count); "
                        "same numbers for any")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="theorycheck",
                     description="Check the claims of Du et al. (ICML 2018) and report the evidence.",
                     epilog=EXIT_CODES)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the claims: id, source, title")
    check = sub.add_parser("check", help="run some claims and print their verdicts")
    check.add_argument("ids", nargs="+", metavar="ID", help="claim ids (see `theorycheck list`)")
    _add_run_options(check)
    rep = sub.add_parser("report", help="run every claim and write claims.json and index.html",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.lazy_epilog = budgets.help_text
    rep.add_argument("--out", type=_folder, default=Path("reports"),
                     help="output directory (default: reports/; inside the source tree only reports/)")
    rep.add_argument("--compare", type=Path, metavar="OLD.json",
                     help="an earlier claims.json: print and record what changed, number by number (old → new), "
                     "with a warning when its budget or seed differs")
    rep.add_argument("--fuzz", type=Path, metavar="FILE",
                     help="findings of `theorycheck fuzz` to show in the report (never read unless named)")
    _add_run_options(rep)
    fuzz = sub.add_parser("fuzz", help="search the claims' edges with Hypothesis (target-guided), "
                          "re-checking candidates at high precision; findings go to DIR/fuzz.json")
    fuzz.add_argument("ids", nargs="*", metavar="CLAIM", help="claims to fuzz (default: all with a target)")
    fuzz.add_argument("--time", type=_duration, default=60.0, help="total time, e.g. 60s or 2m (default 60s)")
    fuzz.add_argument("--out", type=_folder, default=Path("reports"),
                      help="folder of fuzz.json (default: reports/); `theorycheck report --fuzz DIR/fuzz.json` "
                      "shows it")
    fuzz.add_argument("--seed", type=_seed, default=0, help="seed of the search rounds (default: 0)")
    sweep = sub.add_parser("sweep", help="outcome probabilities over a grid k × p × r/r_b × κ × η, on a process "
                           "pool or a Dask cluster, cached and resumable",
                           description="GD from the paper's initialization on each cell's teacher: by default the "
                           "canonical teacher of (k, r, κ) (theory.invariants), the same teacher for every p, with "
                           "p = inf the limit φ₀ = π/2. Writes sweep.json, sweep.csv, sweep.svg and, with two or "
                           "more ratios and κ, map.svg (P(spurious) over (r/r_b, κ) with κ*(k, r)).")
    sweep.add_argument("--ks", type=_int_list, default=(2, 4, 8), help="comma-separated k values, each once (any size; "
                       "runs cost O(1) memory; default: 2,4,8)")
    sweep.add_argument("--ps", type=_p_list, default=(6,),
                       help="comma-separated p values, e.g. 10,1000,inf (default: 6)")
    sweep.add_argument("--ratios", type=_float_list, default=(0.0, 0.25, 0.5, 0.75, 0.9, 1.1, 1.5),
                       help="r = (1ᵀa*)²/‖a*‖² as multiples of the boundary r_b = (k+π−1)/π "
                       "(default: 0,0.25,0.5,0.75,0.9,1.1,1.5)")
    sweep.add_argument("--kappas", type=_float_list, default=(1.0,),
                       help="κ = (‖w*‖‖a*‖/‖v₀‖)² (family canonical only; default: 1)")
    sweep.add_argument("--family", choices=("canonical", "random"), default="canonical",
                       help="canonical: the teacher of (k, r, κ); random: a random teacher per (k, p, ratio) cell, "
                       "its κ recorded (default: canonical)")
    sweep.add_argument("--v0-norm", type=float, default=1.0,
                       help="radius of v₀'s sphere (default: 1, our reconstruction); with --kappas it must "
                       "leave ‖w*‖ = √κ·‖v₀‖ within [1e-60, 1e60]")
    sweep.add_argument("--etas", type=_float_list, default=(1.0, 2.0), help="multiples of the default η (default: 1,2)")
    sweep.add_argument("--method", choices=("auto", *quadrature_cells.METHODS), default="auto",
                       help="sample: GD from sampled starts, counted (any grid); quadrature: P_∞ by quadrature over "
                       "the disk of starts (p = inf, canonical teachers, ‖v₀‖ = 1, ratios > 0 only): deterministic, "
                       "an estimate with an error estimate; auto: quadrature where it applies, else sample "
                       "(default: auto)")
    sweep.add_argument("--tolerance", type=float, default=quadrature_cells.DEFAULT_TOLERANCE,
                       help="the quadrature's tolerance on each probability, in [1e-8, 0.1] (default: "
                       f"{quadrature_cells.DEFAULT_TOLERANCE:g})")
    sweep.add_argument("--runs", type=_positive_int, default=2000,
                       help="runs per cell, --method sample (default: 2000)")
    sweep.add_argument("--chunk-runs", type=_positive_int, default=500, help="runs per seeded chunk (default: 500)")
    sweep.add_argument("--seed", type=_seed, default=0, help="master seed (default: 0)")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_processes, default=os.cpu_count() or 1,
                       help=f"local processes, at most {guards.MAX_PROCESSES} (default: CPU count)")
    where.add_argument("--dask", metavar="tcp://HOST:PORT", help="a running Dask scheduler")
    sweep.add_argument("--out", type=_folder, default=Path("reports") / "sweep",
                       help="output directory (default: reports/sweep)")
    sweep.add_argument("--cache", type=_folder, default=Path(".theorycheck-cache") / "sweep",
                       help="cache of finished chunks: a rerun resumes from it (default: "
                       ".theorycheck-cache/sweep)")
    sweep.add_argument("--force", action="store_true", help="replace the outputs of an earlier sweep in --out")
    one = sub.add_parser("teacher", help="examine one teacher of your own: spurious minimum or not, κ*, the critical "
                         "points, outcome probabilities, a two-phase trace, and a page of its own",
                         description="Give the teacher as --a and --w, or by its invariants --k, --r and --kappa "
                         "(the canonical teacher: ‖a*‖ = 1, 1ᵀa* = √r, w* = √κ·e₁). P at p = ∞ is computed by "
                         "quadrature (no seed); at each finite --ps it is sampled from seeded GD runs.")
    one.add_argument("--a", type=_vector, metavar="A1,A2,…", help="the output weights a*")
    one.add_argument("--w", type=_vector, metavar="W1,W2,…", help="the filter w* (its length is p)")
    one.add_argument("--k", type=_positive_int, help="the number of patches")
    one.add_argument("--r", type=float, help="r = (1ᵀa*)²/‖a*‖², between 0 and k")
    one.add_argument("--kappa", type=float, help="κ = (‖w*‖‖a*‖/‖v₀‖)², ‖v₀‖ = 1")
    one.add_argument("--ps", type=_p_list, default=(10, 1000), help="finite patch sizes to sample (default: 10,1000)")
    one.add_argument("--runs", type=_positive_int, default=1000, help="GD runs per patch size (default: 1000)")
    one.add_argument("--seed", type=_seed, default=0, help="seed of the sampled runs and the trace (default: 0)")
    one.add_argument("--certify-seconds", type=float, default=CERTIFY_SECONDS,
                     help="the prover's time for a proved enclosure of P at p = ∞, to width "
                     f"{CERTIFY_WIDTH:g}; 0 skips it (default: {CERTIFY_SECONDS:g})")
    one.add_argument("--out", type=_folder, default=Path("reports") / "teacher",
                     help="folder of teacher.json and teacher.html (default: reports/teacher)")
    return parser


def _list(args) -> int:
    claims = catalogue.all_claims()
    width = max(len("id"), *(len(c.id) for c in claims))
    source = max(len("source"), *(len(c.source) for c in claims))
    print(f"{'id':<{width}}  {'source':<{source}}  title")
    for claim in claims:
        print(f"{claim.id:<{width}}  {claim.source:<{source}}  {claim.title}")
    return EXIT_OK


def _compile_notice() -> None:
    if line := report.compile_notice():
        print(f"theorycheck: {line}", file=sys.stderr, flush=True)


def _exit_code(results: list[report.ClaimResult]) -> int:
    return EXIT_REFUTED if any(r.verdict == "refuted" for r in results) else EXIT_OK


def _check(args) -> int:
    guards.check_processes(args.jobs, "--jobs")
    try:
        claims = [catalogue.get(claim_id) for claim_id in dict.fromkeys(args.ids)]
    except ValueError as exc:
        unknown = next(i for i in args.ids if i not in {c.id for c in catalogue.all_claims()})
        ids = [c.id for c in catalogue.all_claims()]
        near = difflib.get_close_matches(unknown.replace("_", "-").lower(), ids, n=1, cutoff=0.6)
        raise UsageError(str(exc) + (f"; did you mean {near[0]}?" if near else "")) from None
    _compile_notice()
    results = report.run_claims(claims, catalogue.plan(args.budget), args.seed,
                                report.progress_to_stderr, args.jobs)
    # per claim: verdict, a table of its parts, the counterexample's fields
    terminal.print_check([r.record() for r in results])
    return _exit_code(results)


SOURCE_TREE = Path(__file__).resolve().parents[2]   # the repository (this file is checks/app/cli.py)


def _check_folder(folder: Path, option: str, inside: str) -> None:
    """``folder`` may be anywhere outside the source tree, and inside it only under ``inside``.

    Judged on the resolved path (symbolic links and ``..`` as the file system follows them), and
    worded with it, since a relative path counts from the current directory."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{option} {_shown(folder)} exists and is not a directory")
    resolved = folder.resolve()
    if (SOURCE_TREE / "pyproject.toml").exists() and resolved.is_relative_to(SOURCE_TREE) \
            and not resolved.is_relative_to(SOURCE_TREE / inside):
        where = "" if str(folder) == str(resolved) else f" (resolved from {_shown(folder)}" + (
            f" in the current directory {_shown(Path.cwd())})" if not folder.is_absolute() else ")")
        raise UsageError(f"{option} {_shown(resolved)}{where} is inside the source tree {_shown(SOURCE_TREE)}; "
                         f"use {_shown(SOURCE_TREE / inside)} or a directory outside the tree")


def _shown(path) -> str:
    """A path as text that any terminal and any UTF-8 file can hold (undecodable bytes escaped)."""
    return _text(str(path))


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _text(text: str) -> str:
    """``text`` safe for a terminal: the surrogates that undecodable command-line bytes become
    spelled out, and control characters (ESC sequences, carriage returns, bidirectional
    overrides) from paths and files spelled as escapes, so that no outside string moves the
    cursor, recolours the terminal or hides what follows."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


# folders this command created: removed again when it stops on bad input before writing anything
_CREATED: list[Path] = []


def _remove_created_folders() -> None:
    for folder in _CREATED:     # deepest first, and only while empty (but for our lock file)
        with contextlib.suppress(OSError):
            (folder / LOCK_NAME).unlink(missing_ok=True)
            folder.rmdir()
    _CREATED.clear()


def _check_out_dir(out: Path, *outputs: str) -> Path:
    """Outputs go anywhere outside the source tree, and inside it only under reports/; each of
    ``outputs`` in it must be a regular file or absent. Returns the resolved folder (so that
    messages name the folder written, also for ``link/..``)."""
    _check_folder(out, "--out", "reports")
    # before any work: a folder we cannot create or write in is refused now, not after the run
    try:
        missing = [p for p in (out, *out.parents) if not p.exists()]
        out.mkdir(parents=True, exist_ok=True)
        _CREATED.extend(missing)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".theorycheck-probe-"):
            pass
    except OSError as exc:
        raise UsageError(f"--out {_shown(out)} cannot be written ({exc.strerror or exc})") from None
    try:
        check_destinations(out / name for name in outputs)
    except OSError as exc:
        raise UsageError(f"--out {_shown(out)}: {_text(exc.strerror or str(exc))}") from None
    return out.resolve()


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold ``folder``'s lock (:class:`checks.app.files.OutputLock`) while a command checks and
    writes its outputs: a second writer of the same folder is refused at once (exit 2)."""
    try:
        lock = OutputLock(folder).__enter__()
    except OutputBusy as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"--out {_shown(folder)} cannot be locked ({exc.strerror or exc})") from None
    try:
        yield lock
    finally:
        lock.__exit__(None, None, None)


def _report(args) -> int:
    args.out = _check_out_dir(args.out, "claims.json", "index.html", report.MANIFEST)   # before any claim runs
    with _locked(args.out):
        return _report_locked(args)


def _report_locked(args) -> int:
    guards.check_processes(args.jobs, "--jobs")
    try:   # every file the report reads is checked before any claim runs
        previous = report.load_previous(args.compare) if args.compare else None
        findings = report.load_fuzz(args.fuzz) if args.fuzz else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    budget = registry.Budget(args.budget)
    _compile_notice()
    started, clock = datetime.datetime.now(datetime.UTC), time.perf_counter()
    results = report.run_claims(catalogue.all_claims(), catalogue.plan(budget), args.seed, report.progress_to_stderr,
                                args.jobs)
    run = {"started_utc": started.isoformat(timespec="seconds"),
           "duration_seconds": round(time.perf_counter() - clock, 1),
           "command": _text(shlex.join(["theorycheck", *args.argv])),
           "jobs": args.jobs}
    doc = report.document(results, budget, args.seed, run)
    if findings is not None:
        doc["fuzz"] = findings
    if previous is not None:
        doc["comparison"] = {"against": _shown(args.compare), "changes": report.compare(doc, previous),
                             "numbers": report.compare_numbers(doc, previous),
                             "warnings": report.comparison_warnings(doc, previous)}
        for warning in doc["comparison"]["warnings"]:
            _warn(f"--compare: {_text(warning)}")
        for change in doc["comparison"]["changes"] + doc["comparison"]["numbers"]:
            print(_text(report.describe_change(change)))
    json_path, html_path = report.write_report(doc, args.out)
    counts = ", ".join(f"{n} {v}" for v, n in doc["summary"]["counts"].items())
    print(f"{counts}; wrote {_shown(json_path)} and {_shown(html_path)}")
    return _exit_code(results)


def _executor(args):
    """A process pool, or a Dask cluster's concurrent.futures executor; how to close it when the
    work is done, and how to stop it at once (interrupted, or failed: queued chunks cancelled,
    running workers terminated)."""
    if args.dask is not None:
        if not args.dask.strip():
            raise UsageError("--dask needs the scheduler's address, e.g. tcp://127.0.0.1:8786")
        try:
            from distributed import Client  # optional: `pip install 'dask[distributed]'`
        except ImportError:
            raise UsageError("--dask needs the 'distributed' package (pip install 'dask[distributed]')") from None
        guards.check_scheduler(args.dask)   # distributed alone waits without end on a silent listener
        try:
            client = Client(args.dask, timeout="2s")
        except Exception as exc:   # unreachable, or not an address at all (distributed raises several kinds)
            raise UsageError(f"cannot reach a Dask scheduler at {args.dask!r} "
                             f"({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})") from None
        return client.get_executor(), client.close, client.close
    workers = pool(args.workers)
    return workers, lambda: workers.shutdown(cancel_futures=True), lambda: stop(workers)


def _warn(line: str) -> None:
    print(f"\ntheorycheck: warning: {line}", file=sys.stderr, flush=True)


def _fuzz(args) -> int:
    args.out = _check_out_dir(args.out, "fuzz.json", FUZZ_MANIFEST)
    with _locked(args.out):
        return _fuzz_locked(args)


FUZZ_MANIFEST = "fuzz-manifest.json"


def _fuzz_locked(args) -> int:
    import hypothesis.configuration as hypothesis_home  # a test dependency: imported only to fuzz
    # Hypothesis' own files (its constants cache) beside the fuzz database, not in a new .hypothesis/
    # of whatever folder the command runs in; the earlier home put back for an in-process caller
    earlier = hypothesis_home.storage_directory(intent_to_write=False).home_directory
    hypothesis_home.set_hypothesis_home_dir(Path(".theorycheck-cache") / "hypothesis")
    try:
        return _fuzz_run(args)
    finally:
        hypothesis_home.set_hypothesis_home_dir(earlier)


def _fuzz_run(args) -> int:
    from checks.app import fuzz  # needs Hypothesis, a test dependency: imported only to fuzz
    claims = list(dict.fromkeys(args.ids)) or list(fuzz.TARGETS)
    unknown = [c for c in claims if c not in fuzz.TARGETS]
    if unknown:
        raise UsageError(f"no fuzz target for {', '.join(unknown)}; targets: {', '.join(fuzz.TARGETS)}")
    found = []
    for claim in claims:
        print(f"fuzzing {claim} for {args.time / len(claims):.0f} s …", file=sys.stderr, flush=True)
        exploration = fuzz.run_target(claim, args.time / len(claims), seed=args.seed)
        found.append(jsonable(asdict(exploration)))
        terminal.print_fuzz(found[-1], fuzz.explain(found[-1]))   # each score explained in words
    args.out.mkdir(parents=True, exist_ok=True)
    publish(args.out, {"fuzz.json": json.dumps({"time_budget_seconds": args.time, "seed": args.seed, "targets": found},
                                               indent=2, ensure_ascii=False) + "\n"}, FUZZ_MANIFEST)
    terminal.print_written(args.out / "fuzz.json")
    return EXIT_REFUTED if any(f["counterexample"] for f in found) else EXIT_OK


def _check_cell_teachers(grid: sweep.Grid) -> None:
    """Every cell's teacher exists (before the pilot, the estimate and any run): ‖w*‖ = √κ·‖v₀‖
    must lie in the teacher's range, so --v0-norm and --kappas are judged together."""
    for k, p, ratio, kappa in dict.fromkeys(cell[:4] for cell in grid.cells()):
        try:
            sweep.cell_teacher(grid, k, p, ratio, kappa)
        except ValueError as exc:
            raise UsageError(f"no teacher for the cell k = {k:,}, r/r_b = {ratio:g}, κ = {kappa:g} with "
                             f"--v0-norm {grid.v0_norm:g}: {_one_line(exc)}") from None


def _sweep(args) -> int:
    args.out = _check_out_dir(args.out, "sweep.json", "sweep.csv", "sweep.svg", "map.svg", sweep.MANIFEST)
    with _locked(args.out):
        return _sweep_locked(args)


def _sweep_locked(args) -> int:
    _check_folder(args.cache, "--cache", ".theorycheck-cache")   # ignored by git
    try:
        grid = sweep.Grid(args.ks, args.ps, args.ratios, args.etas, args.runs, args.chunk_runs, seed=args.seed,
                          kappas=args.kappas, family=args.family, v0_norm=args.v0_norm)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    problem = cells.grid_problem(grid)
    if problem:
        raise UsageError(problem)
    _check_cell_teachers(grid)
    not_by_quadrature = quadrature_cells.quadrature_problem(grid)
    if args.method == "quadrature" and not_by_quadrature:
        raise UsageError(not_by_quadrature)
    by_quadrature = args.method == "quadrature" or (args.method == "auto" and not not_by_quadrature)
    if by_quadrature and not 1e-8 <= args.tolerance <= 0.1:
        raise UsageError(f"--tolerance must be in [1e-8, 0.1], got {args.tolerance:g}")
    earlier = [p for p in sweep.output_names(args.out) if p.exists()]
    if earlier and not args.force:
        raise UsageError(f"{_shown(args.out)} holds an earlier sweep ({earlier[0].name}); pass --force to replace "
                         "it, or choose another --out")
    guards.check_writable(args.cache, "--cache")   # read-only or full: one line now, not one per chunk
    if not args.dask:
        guards.check_processes(args.workers, "--workers")
    executor, close, stop = _executor(args)     # first: an unreachable cluster is a usage error, said at once
    console = sweep_display.stderr_console()
    result: quadrature_cells.QuadratureResult | cells.GridResult
    try:
        if by_quadrature:
            sweep_display.print_quadrature_plan(console, grid, args.tolerance,
                                                args.dask or f"{args.workers} local worker(s)")
            with sweep_display.ChunkProgress(console, "cells") as progress:
                result = quadrature_cells.run_quadrature(grid, executor, args.tolerance, progress.update)
        else:
            chunks = grid.chunks()
            # the pilot times only what is left to run: none at all for a sweep whose chunks are all cached
            left = sum(not (args.cache / f"{sweep.chunk_key(grid, *chunk)}.json").exists() for chunk in chunks)
            seconds = sweep_display.estimate_seconds(grid, 1 if args.dask else args.workers) * left / len(chunks) \
                if left else 0.0
            sweep_display.print_plan(console, grid, args.dask or f"{args.workers} local worker(s)", seconds)
            with sweep_display.ChunkProgress(console) as progress:
                result = sweep.run_sweep(grid, executor, sweep.ChunkCache(args.cache, warn=_warn), progress.update,
                                         with_thresholds=False)
    except BaseException as exc:
        stop()
        # on a cluster, whatever else fails is the cluster (a scheduler killed, workers that cannot
        # import theorycheck, a lost connection): exit 3, not a traceback read as a result
        if args.dask and isinstance(exc, Exception) and not isinstance(exc, (InvalidInput, UsageError)) \
                and not guards.is_infrastructure(exc):
            raise guards.InfrastructureError(f"the Dask cluster at {_text(args.dask)} failed "
                                             f"({type(exc).__name__}: {_one_line(exc)})") from exc
        raise
    close()
    # the runs' outputs first: whatever happens to the κ* search after this, they are kept
    paths = sweep.write_outputs(result, args.out)
    found, missing = sweep.thresholds(grid, lambda line: print(line, file=sys.stderr, flush=True))
    if found or missing:
        result = dataclasses.replace(result, thresholds=found)
        paths = sweep.write_outputs(result, args.out, missing)
    shown = [_shown(p) for p in paths]
    if isinstance(result, quadrature_cells.QuadratureResult):
        sweep_display.print_quadrature_result(sweep_display.stdout_console(), result, shown, missing)
    else:
        sweep_display.print_result(sweep_display.stdout_console(), result, shown, missing)
    return EXIT_OK


def _teacher(args) -> int:
    from checks.app import teacher  # the one-teacher page: imported only for this command
    from theory import examine  # the quadrature and the κ* search: imported only for this command
    try:
        chosen = teacher.teacher_of(args.a, args.w, args.k, args.r, args.kappa)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    args.out = _check_out_dir(args.out, "teacher.json", "teacher.html", teacher.MANIFEST)
    with _locked(args.out):
        facts = examine.examine(chosen, args.ps, args.runs, args.seed, certify_seconds=args.certify_seconds)
        for line in teacher.lines(facts):
            print(line)
        paths = teacher.write_page(facts, args.out)
    print("wrote " + " and ".join(_shown(p) for p in paths))
    return EXIT_OK


def _survive_any_encoding() -> None:
    """Output survives any terminal encoding (C locale, PYTHONIOENCODING=ascii): what the stream
    cannot encode is written as a backslash escape, never a UnicodeEncodeError after the work."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):   # else (a test's capture) nothing to reconfigure
            with contextlib.suppress(ValueError, OSError):   # closed
                stream.reconfigure(errors="backslashreplace")


class _PipeGuard(io.TextIOBase):
    """stdout that outlives its reader: `theorycheck check … | head -1` closes the pipe after one
    line, and the command's verdict (its exit code) must not turn into a BrokenPipeError. Once the
    reader is gone, the rest of the output is dropped (written to os.devnull, so that Python's own
    flush at exit does not fail either) and the command runs to its end."""

    def __init__(self, stream):
        super().__init__()
        self.stream, self.reader_gone = stream, False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.reader_gone = True
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)

    def isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (ValueError, OSError):     # closed under it (a test's capture, at exit)
            return False

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self):  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8")

    @property
    def errors(self):  # type: ignore[override]
        return getattr(self.stream, "errors", "strict")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: the work stops as for Ctrl-C (pools stopped, outputs left as they were)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _Interrupts:
    """The first Ctrl-C raises KeyboardInterrupt; later ones are ignored while the work stops
    (a second or third Ctrl-C printed a traceback from the cleanup before). In a real command
    (``keep``) Ctrl-C stays ignored until the process exits."""

    def __init__(self, keep: bool):
        self.keep, self.fired = keep, False
        self.previous: Any = None     # the SIGINT handler to restore

    def __enter__(self):
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.previous = signal.signal(signal.SIGINT, self._first)
            if self.keep:   # a real process: SIGTERM and SIGHUP stop the work the same way, and say so
                for name in ("SIGTERM", "SIGHUP"):
                    if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) is signal.SIG_DFL:
                        signal.signal(getattr(signal, name), self._terminate)
        return self

    def _terminate(self, signum, frame):
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
        self.fired = True
        raise Terminated(signum)

    def _first(self, signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.fired = True
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self.previous is not None and not (self.fired and self.keep):
            signal.signal(signal.SIGINT, self.previous)
        return False


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return _text(text[0] if text else type(exc).__name__)


def main(argv: list[str] | None = None) -> int:
    _survive_any_encoding()
    stdout = sys.stdout
    sys.stdout = _PipeGuard(stdout)   # type: ignore[assignment]
    try:
        return _main(argv)
    finally:
        sys.stdout.flush()
        sys.stdout = stdout


def _main(argv: list[str] | None) -> int:
    _CREATED.clear()
    with _Interrupts(keep=argv is None):
        try:
            args = build_parser().parse_args(argv)
            args.argv = sys.argv[1:] if argv is None else list(argv)   # the report records its command
            command = {"list": _list, "check": _check, "report": _report, "sweep": _sweep,
                       "fuzz": _fuzz, "teacher": _teacher}[args.command]
            return command(args)
        except (UsageError, InvalidInput) as exc:   # bad input, found at the boundary: one line
            _remove_created_folders()
            if not (sys.argv[1:] if argv is None else argv):     # bare `theorycheck`: show how to call it
                print(build_parser().format_usage().strip(), file=sys.stderr)
            print(f"theorycheck: error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_USAGE
        except Terminated as stopped:
            name = signal.Signals(stopped.signum).name
            print(f"theorycheck: stopped by {name}; previous outputs left intact", file=sys.stderr)
            return 128 + stopped.signum
        except KeyboardInterrupt:
            print("theorycheck: interrupted; previous outputs left intact", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            if guards.is_infrastructure(exc):
                if isinstance(exc, guards.InfrastructureError):
                    what = _one_line(exc)
                elif isinstance(exc, MemoryError):
                    what = "out of memory"
                elif isinstance(exc, OSError):
                    what = _text(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
                else:
                    what = f"a worker process died ({type(exc).__name__}: {_one_line(exc)})"
                print(f"theorycheck: error: infrastructure failure: {what}; this is not a verdict (nothing is "
                      "refuted); previous outputs left intact", file=sys.stderr)
                return EXIT_INFRASTRUCTURE
            if isinstance(exc, OSError):
                print(f"theorycheck: error: {_one_line(exc)}", file=sys.stderr)
                return EXIT_USAGE
            raise


if __name__ == "__main__":
    sys.exit(main())
