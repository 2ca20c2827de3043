"""The `planlod` command. Exit codes: 0 ok, 1 data does not conform, 2 usage or runtime error."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .errors import EXIT_ERROR, EXIT_NONCONFORMANT, EXIT_OK, PlanError, usage_error
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


def _print_results(checked, out=None, warnings: bool = True) -> None:  # noqa: ANN001
    out = out or sys.stdout  # looked up now, so that a caller's redirection is seen

    for pid in sorted(checked.reports):
        report = checked.reports[pid]
        folder = checked.folders[pid]
        v, w = len(report.violations), len(report.warnings)
        status = "OK" if report.conforms else "NG"
        cached = " (cached)" if report.cached else ""
        print(f"{status} {pid}: 違反 {v} / violations {v}, 警告 {w} / warnings {w}{cached}  [{folder}]",
              file=out)
        located = report.located or [None] * len(report.results)
        for r, at in zip(report.results, located, strict=True):
            if r.severity == "Info" or (r.severity == "Warning" and not warnings):
                continue
            path = f" {r.path}" if r.path else ""
            print(f"  {r.severity}: <{r.focus}>{path}", file=out)
            if at:
                print(f"    {at}", file=out)
            print(f"    {r.message_ja}", file=out)
            if r.message_en != r.message_ja:
                print(f"    {r.message_en}", file=out)
        if warnings:
            for location, review in report.reviews:
                print(f"  Review: {location}\n    要確認 / to check: {review}", file=out)
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
    from .build import validate

    checked = validate(settings, [Path(p) for p in args.paths] or None)
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
    plans, triples = result.plans, result.triples
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


@command("import")
def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from .importer.run import import_plan

    done = import_plan(Path(args.source), args.code, Path(args.out) if args.out else None,
                       Path(args.update) if args.update else None)
    if args.report:
        Path(args.report).write_text(done.report, encoding="utf-8")
    print(done.report, end="")
    if args.update:
        print(f"wrote the diff {done.written}: review it, then apply what you accept "
              f"(e.g. `patch -p1 < {done.written.name}` in {done.written.parent})")
    else:
        print(f"created {done.written}: check the items marked review, then run "
              f"`planlod validate {done.written}`")
    return EXIT_OK


SERVE_OPTIONS = ("host", "port", "query_timeout", "max_rows", "max_body", "max_concurrent_queries",
                 "query_queue_wait", "max_queries_per_client", "forwarded_allow_ips", "query_memory_mb",
                 "max_result_bytes", "max_query_depth", "catalog_page_size", "search_timeout", "page_cache_bytes", "production_hosts", "sparql_endpoint",
                 "store_user", "store_password", "store_auth")


@command("serve")
def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .web.app import create_app, settle_base

    for name in SERVE_OPTIONS:
        if getattr(args, name, None) is not None:
            setattr(settings, name, getattr(args, name))
    if settings.store_password is None and settings.store_user is not None:
        import os

        settings.store_password = os.environ.get("MPLAN_STORE_PASSWORD")
    import logging

    handler = logging.StreamHandler()  # the server's own events, beside uvicorn's
    handler.setFormatter(logging.Formatter("%(levelname)-8s  %(message)s"))
    served = logging.getLogger("planlod.serve")
    served.addHandler(handler)
    served.setLevel(logging.INFO)
    served.propagate = False
    if not settings.sparql_endpoint:
        settle_base(settings, args.base)
    app = create_app(settings)
    print(f"serving {settings.sparql_endpoint or settings.out} at http://{settings.host}:{settings.port}/ "
          f"(SPARQL endpoint: /sparql) — Ctrl+C to stop / 停止は Ctrl+C", file=sys.stderr)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", server_header=False,
                proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips)
    return EXIT_OK


@command("query")
def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from . import queries
    from .web.cli import run_query

    if args.list or not args.query:
        for q in queries.catalogue():
            print(f"{q.name}\t{q.title['ja']} / {q.title['en']}")
        return EXIT_OK
    if args.query in {q.name for q in queries.catalogue()}:
        return queries.run_command(args.query, args.param or [], args.format, settings)
    elif args.param or args.format == "table":
        raise usage_error("--param and --format table work with catalogue queries only "
                          "(see `planlod query --list`).",
                          "--param と --format table はカタログの問い合わせにだけ使えます"
                          "（`planlod query --list` を参照）。")
    return run_query(args, settings)  # a .rq file


@command("publish")
def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from .namespaces import Iris
    from .progress import Progress
    from .remote import RemoteStore, graphs_of_publication, publish
    from .sparqlclient import check_store_url

    check_store_url(args.store, "--store")
    check_store_url(args.sparql or args.store, "--sparql")
    password = args.password if args.password is not None else os.environ.get("MPLAN_STORE_PASSWORD")
    store = RemoteStore(args.store, args.sparql or args.store, args.user, password, args.timeout,
                        args.graph_param, args.auth)
    graphs = graphs_of_publication(settings.out)
    bar = Progress(len(graphs), "publish", settings.progress)
    result = publish(store, graphs, f"{Iris(settings.base).base}publication-state", bar.step)
    print(f"{args.store}: sent {len(result.sent)} graphs, deleted {len(result.deleted)}, "
          f"unchanged {len(result.unchanged)}")
    for graph in result.sent:
        print(f"  sent    {graph}")
    for graph in result.deleted:
        print(f"  deleted {graph}")
    return EXIT_OK


@command("suggest-sdgs")
def cmd_suggest_sdgs(args: argparse.Namespace, settings: Settings) -> int:
    from .load import load_plan, plan_folders
    from .tagger.review import review, write

    stale = []
    for folder in plan_folders([Path(p) for p in args.paths] or [settings.datasets]):
        outcome = review(load_plan(folder, settings.max_file_size))
        counts = ", ".join(f"{outcome.count(d)} {d}" for d in ("pending", "accepted", "rejected"))
        print(f"{outcome.path}: {len(outcome.entries)} suggestions ({counts}); "
              f"{outcome.added} new, {outcome.dropped} no longer suggested"
              + ("" if outcome.changed else "; unchanged"))
        if outcome.changed:
            stale.append(outcome.path)
            if not args.check:
                write(outcome)
    if args.check and stale:
        print("古い確認用ファイルがあります。`planlod suggest-sdgs` を実行してください。/ Review files "
              f"are out of date: {', '.join(map(str, stale))}. Run `planlod suggest-sdgs`.",
              file=sys.stderr)
        return EXIT_NONCONFORMANT
    return EXIT_OK


@command("evaluate-sdgs")
def cmd_evaluate_sdgs(args: argparse.Namespace, settings: Settings) -> int:
    from .tagger import evaluate as ev

    report = ev.evaluate(settings.datasets, args.labels or settings.root / "eval" / "sdg-labels.yaml")
    print(ev.markdown(report) if args.markdown else ev.text(report), end="")
    if args.errors:
        print("\n" + ev.errors(report), end="")
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
    p.add_argument("--validator", choices=("fast", "pyshacl"),
                   help="SHACL engine: fast, or pyshacl, the reference (default: fast)")
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

    pub = sub.add_parser(
        "publish", help="write the publication's graphs to an external SPARQL 1.1 store",
        description="Send every named graph of the current publication (--out) to a SPARQL 1.1 "
        "store with the Graph Store HTTP Protocol (one atomic PUT per graph), only the graphs "
        "whose content changed since the last publish (hashes kept in the store's graph "
        "<BASE>publication-state), check each graph's triple count by query, and delete the "
        "graphs of plans that were removed. An interrupted publish leaves every graph old or "
        "new; running it again finishes the job.")
    pub.add_argument("--store", required=True, metavar="URL",
                     help="Graph Store Protocol endpoint, e.g. http://127.0.0.1:7878/store")
    pub.add_argument("--sparql", metavar="URL",
                     help="SPARQL query endpoint (default: the --store URL), e.g. http://127.0.0.1:7878/query")
    pub.add_argument("--user", help="user name for HTTP authentication")
    pub.add_argument("--password", help="password; avoid: a password on the command line is "
                     "visible to other users (ps) and kept in shell history; set the "
                     "MPLAN_STORE_PASSWORD environment variable instead (the default)")
    pub.add_argument("--auth", choices=("basic", "digest"), default="basic",
                     help="HTTP authentication scheme (default: basic; Virtuoso uses digest)")
    pub.add_argument("--graph-param", default="graph",
                     help="name of the graph parameter of the Graph Store endpoint (default: graph)")
    pub.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the store (default: 60)")

    n = sub.add_parser("new", help="scaffold a new plan folder",
                       description="Create datasets/<CODE>-<SLUG>/ with commented template files.")
    n.add_argument("code", help="6-digit 全国地方公共団体コード, with its check digit")
    n.add_argument("slug", nargs="?", default="plan", help="lower-case slug for the plan id")
    n.add_argument("--name", default="（市町村名）", help="municipality name in Japanese")

    im = sub.add_parser(
        "import", help="draft a plan folder from a plan's PDF or its text",
        description="Read a plan (a PDF, or text such as a PDF extractor gives) and write a draft "
        "plan folder (plan.yaml, elements.yaml, indicators.yaml) that `planlod validate` reads: the "
        "hierarchy, the indicators with their values and fiscal years, departments, declared SDGs, "
        "the period and the schedule. Every item carries its page, line and a confidence; items "
        "to check carry source.review, which `planlod validate` lists. Prints the import report: "
        "counts per level, content lines not placed, KPI values not read. Never overwrites.")
    im.add_argument("source", help="the plan: a .pdf file, or a UTF-8 text file")
    im.add_argument("--code", required=True, help="6-digit 全国地方公共団体コード, with its check digit")
    target = im.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", metavar="DIR",
                        help="new plan folder to create, named CODE-SLUG (it must not exist)")
    target.add_argument("--update", metavar="DIR",
                        help="existing plan folder: write DIR.import.diff beside it (a unified diff "
                        "from the folder to the new draft) instead of changing it")
    im.add_argument("--report", metavar="FILE", help="also write the import report to FILE")

    sv = sub.add_parser("serve", help="serve the publication: linked-data pages and /sparql",
                        description="Serve the publication at --out (built by `planlod build`): a "
                        "page and RDF for every IRI, the SPARQL endpoint at /sparql, the query page, "
                        "the catalog and the downloads. Point a browser at http://HOST:PORT/.")
    sv.add_argument("--host", help="address to listen on (default: 127.0.0.1)")
    sv.add_argument("--port", type=int, help="port to listen on (default: 8000)")
    sv.add_argument("--query-timeout", type=float, help="seconds a /sparql query may run (default: 30)")
    sv.add_argument("--max-rows", type=int, help="rows a /sparql result holds at most (default: 10000)")
    sv.add_argument("--max-body", type=int, help="largest /sparql request body in bytes (default: 1000000)")
    sv.add_argument("--max-concurrent-queries", type=int,
                    help="/sparql queries running at once; more get 503 (default: 4)")
    sv.add_argument("--query-queue-wait", type=float,
                    help="seconds a query waits for a free worker before 503 (default: 1)")
    sv.add_argument("--max-queries-per-client", type=int,
                    help="/sparql queries one client address may run at once; more get 429 "
                    "(default: 2; 0: no limit)")
    sv.add_argument("--forwarded-allow-ips", metavar="ADDRESSES",
                    help="comma-separated addresses (or networks) of reverse proxies and load "
                    "balancers whose X-Forwarded-For header names the client: the per-client "
                    "limit then counts clients, not the proxy (default: 127.0.0.1; * trusts "
                    "any sender, only behind a firewall)")
    sv.add_argument("--query-memory", type=int, metavar="MB", dest="query_memory_mb",
                    help="address space of each /sparql worker in MB; a query that needs more "
                    "gets 503 (default: 2048, or an equal share of three quarters of a smaller "
                    "machine's memory; 0: no limit). Workers × this must stay under three "
                    "quarters of the machine's memory")
    sv.add_argument("--max-result-bytes", type=int,
                    help="bytes (UTF-8) of the terms' text one /sparql answer writes at most; "
                    "rows beyond are cut and flagged like --max-rows (default: 50000000)")
    sv.add_argument("--max-query-depth", type=int,
                    help="deepest nesting of (), {} and [] in a query; deeper gets 400 before "
                    "any parser sees it (default: 100)")
    sv.add_argument("--catalog-page-size", type=int, help="datasets per /catalog page (default: 100)")
    sv.add_argument("--search-timeout", type=float,
                    help="seconds one /search may spend in the release's index; longer gets 503 "
                    "(search_timeout), asking for a longer word or a facet (default: 5)")
    sv.add_argument("--page-cache-bytes", type=int,
                    help="bytes of rendered pages kept in memory for the release served, least "
                    "recently used dropped first (default: 64000000; 0: none)")
    sv.add_argument("--production-host", dest="production_hosts", action="append", metavar="HOST",
                    help="a host name this instance is the base IRI's production site under: there "
                    "/catalog's download, endpoint and paging links are the base's IRIs; elsewhere "
                    "they point at the address the client asked (repeatable; default: none)")
    sv.add_argument("--sparql-endpoint", metavar="URL",
                    help="read the publication from this SPARQL 1.1 query endpoint (written by "
                    "`planlod publish`) instead of the embedded store, e.g. "
                    "http://127.0.0.1:8890/sparql; see docs/deployment.md")
    sv.add_argument("--store-user", help="user name for the endpoint's HTTP authentication")
    sv.add_argument("--store-password",
                    help="its password; avoid: a password on the command line is visible to "
                    "other users (ps) and kept in shell history; set the MPLAN_STORE_PASSWORD "
                    "environment variable instead (the default)")
    sv.add_argument("--store-auth", choices=("basic", "digest"),
                    help="HTTP authentication scheme of the endpoint (default: basic)")

    q = sub.add_parser("query", help="run a catalogue query (or a .rq file) on the publication",
                       description="Run one of the catalogue's queries (queries/*.rq, docs/queries.md; "
                       "by name, see --list) or a SPARQL file against the publication at --out; print "
                       "CSV. Catalogue queries take parameters with --param.")
    q.add_argument("query", nargs="?", help="catalogue query name (e.g. happiness-targets) or a .rq file")
    q.add_argument("--format", choices=("csv", "tsv", "json", "xml", "table"), default="csv",
                   help="results format (default: csv; table: aligned text, catalogue queries only)")
    q.add_argument("--list", action="store_true", help="list the catalogue's queries")
    q.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="bind a parameter of a catalogue query, e.g. --param year=2032 (repeatable)")

    sg = sub.add_parser("suggest-sdgs", help="suggest SDG links for review (writes sdg-review.yaml)",
                        description="Run the SDG tagger over the elements and indicators of plan "
                        "folders and write each plan's suggestions to <plan>/sdg-review.yaml, where an "
                        "editor accepts or rejects each one. Decisions already made are kept. Pending "
                        "suggestions are published as suggested links, accepted ones as curated links.")
    sg.add_argument("paths", nargs="*", help="plan folders or folders of them (default: datasets)")
    sg.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if a review file is not what the tagger makes now")

    ev = sub.add_parser("evaluate-sdgs", help="measure the SDG tagger on the hand-labelled set",
                        description="Compare the tagger's suggestions for the seed plans with the "
                        "hand-labelled set: precision and recall per SDG goal, top-1 precision at goal "
                        "level, coverage and abstentions.")
    ev.add_argument("--labels", type=Path,
                    help="the labelled set (default: eval/sdg-labels.yaml in the checkout)")
    ev.add_argument("--markdown", action="store_true",
                    help="print Markdown tables, as in docs/sdg-tagger.md")
    ev.add_argument("--errors", action="store_true",
                    help="also list every item where the tagger and the label disagree")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env(
        datasets=args.datasets, base=args.base, out=args.out, cache_dir=args.cache_dir,
        workers=args.workers, max_file_size=args.max_file_size, progress=args.progress,
        validator=args.validator)
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
