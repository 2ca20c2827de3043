"""The `planlod` command. Exit codes: 0 ok, 1 data does not conform, 2 usage or runtime error."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .errors import EXIT_ERROR, EXIT_NONCONFORMANT, EXIT_OK, PlanError
from .settings import Settings

DESCRIPTION = """\
planlod publishes Japanese municipal comprehensive plans (総合計画) as linked open data.
Plans are YAML folders under datasets/; they are checked with JSON Schema and SHACL, turned
into RDF, and published as dumps, a DCAT catalog, CSV and an embedded SPARQL store.

exit codes: 0 ok · 1 the data does not conform (fix the files named) · 2 usage or runtime error
"""

Command = Callable[[argparse.Namespace, Settings], int]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn
    return register


def _print_results(checked, out=sys.stdout, warnings: bool = True) -> None:  # noqa: ANN001
    for pid in sorted(checked.reports):
        report = checked.reports[pid]
        src = checked.sources[pid]
        v, w = len(report.violations), len(report.warnings)
        status = "OK" if report.conforms else "NG"
        cached = " (cached)" if report.cached else ""
        print(f"{status} {pid}: 違反 {v} / violations {v}, 警告 {w} / warnings {w}{cached}  [{src.folder}]",
              file=out)
        for r in report.results:
            if r.severity == "Info" or (r.severity == "Warning" and not warnings):
                continue
            path = f" {r.path}" if r.path else ""
            print(f"  {r.severity}: <{r.focus}>{path}", file=out)
            print(f"    {r.message_ja}", file=out)
            if r.message_en != r.message_ja:
                print(f"    {r.message_en}", file=out)
    for p in checked.corpus:
        print(f"NG corpus: {p.kind} <{p.iri}> in {', '.join(p.plans)}", file=out)
        print(f"    {p.message_ja}\n    {p.message_en}", file=out)


def _write_report(checked, path: Path) -> None:  # noqa: ANN001
    from rdflib import Graph

    g = Graph()
    for report in checked.reports.values():
        g.parse(data=report.report_ttl, format="turtle")
    path.write_text(g.serialize(format="turtle"), encoding="utf-8")


@command("validate")
def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from .build import check

    checked = check(settings, [Path(p) for p in args.paths] or None)
    if args.report:
        _write_report(checked, Path(args.report))
    if args.json:
        json.dump({pid: {"conforms": r.conforms, "results": [x.__dict__ for x in r.results]}
                   for pid, r in checked.reports.items()}, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        _print_results(checked, warnings=not args.quiet)
    return EXIT_OK if checked.conforms else EXIT_NONCONFORMANT


@command("build")
def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from .build import build

    result = build(settings)
    if not result.checked.conforms:
        _print_results(result.checked, out=sys.stderr, warnings=False)
        print("公開しませんでした。以前の公開物はそのままです。/ Nothing was published; the previous "
              "publication is unchanged.", file=sys.stderr)
        return EXIT_NONCONFORMANT
    plans = len(result.checked.graphs)
    triples = sum(len(g) for g in result.checked.graphs.values())
    revalidated = ", ".join(result.revalidated) or "none"
    if result.changed:
        print(f"published {plans} plans, {triples} triples → {settings.out} "
              f"({result.release}); validated: {revalidated}")
    else:
        print(f"no change: {plans} plans, {triples} triples; {settings.out} left as it was; "
              f"validated: {revalidated}")
    return EXIT_OK


@command("new")
def cmd_new(args: argparse.Namespace, settings: Settings) -> int:
    from .scaffold import scaffold

    folder = scaffold(settings.datasets, args.code, args.slug, args.name)
    print(f"created {folder}: edit plan.yaml, elements.yaml and indicators.yaml, then run "
          f"`planlod validate {folder}`")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="planlod", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"planlod {__version__}")
    p.add_argument("--datasets", type=Path, help="folder of plan folders (default: datasets)")
    p.add_argument("--base", help="base IRI of the data (default: https://w3id.org/mplan/id/)")
    p.add_argument("--out", type=Path, help="the publication, a symlink to the current release "
                   "(default: public)")
    p.add_argument("--cache-dir", type=Path, help="validation cache (default: .planlod-cache)")
    p.add_argument("--workers", type=int, help="validation processes (default: one per core)")
    p.add_argument("--max-file-size", type=int, help="largest source file in bytes (default: 5 MiB)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: only on a terminal outside CI)")
    p.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("validate", help="check plan folders (JSON Schema, then SHACL) and report",
                       description="Check plan folders: YAML, JSON Schema, references, fiscal "
                       "years, then SHACL per plan. Exit 0 if every plan conforms, 1 if not.")
    v.add_argument("paths", nargs="*", help="plan folders or folders of them (default: datasets)")
    v.add_argument("--report", metavar="FILE", help="also write the SHACL report graph (Turtle)")
    v.add_argument("--json", action="store_true", help="print the results as JSON")
    v.add_argument("--quiet", action="store_true", help="print violations only, not warnings")

    sub.add_parser("build", help="validate everything, then publish dumps, catalog, CSV and store",
                   description="Validate every plan, then write the publication (dumps in Turtle, "
                   "N-Triples, JSON-LD, TriG, N-Quads; indicators CSV with CSVW; DCAT catalog; "
                   "VoID; the embedded Oxigraph store) into a new release and switch --out to it "
                   "atomically. Nothing is published unless everything conforms.")

    n = sub.add_parser("new", help="scaffold a new plan folder",
                       description="Create datasets/<CODE>-<SLUG>/ with commented template files.")
    n.add_argument("code", help="6-digit 全国地方公共団体コード, with its check digit")
    n.add_argument("slug", nargs="?", default="plan", help="lower-case slug for the plan id")
    n.add_argument("--name", default="（市町村名）", help="municipality name in Japanese")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env(
        datasets=args.datasets, base=args.base, out=args.out, cache_dir=args.cache_dir,
        workers=args.workers, max_file_size=args.max_file_size, progress=args.progress)
    try:
        return COMMANDS[args.command](args, settings)
    except PlanError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted / 中断しました", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: say so plainly, no traceback unless asked
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc}\n内部エラーです。--debug を付けて再実行し、"
              "出力を添えて報告してください。/ Re-run with --debug and report the output.",
              file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
