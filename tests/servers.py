"""Real SPARQL stores for the tests: an Oxigraph server and a Virtuoso, each on free loopback
ports in a folder of its own, started by the test and stopped at its end.

Both are configured as docs/deployment.md tells a deployer to: Oxigraph with
``--union-default-graph`` and a query time limit, Virtuoso with ``ResultSetMaxRows`` above the
web app's ``max_rows`` (so the app, not the store, cuts results and says so), a query time limit
and no cost-estimate refusal.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import requests

ROOT = Path(__file__).resolve().parents[1]
OXIGRAPH = Path(sys.executable).with_name("oxigraph")
RUNNING: list = []  # the servers started and not yet stopped (their health goes into failure reports)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(what: str, proc: subprocess.Popen, log: Path, skip: str | None = None) -> str:
    """Whether a server process runs, and the last lines of its log (without ``skip`` lines)."""
    code = proc.poll()
    state = "running" if code is None else f"exited with code {code}"
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
    lines = [ln for ln in lines if not skip or skip not in ln][-15:]
    return f"{what} {state}; end of its log:\n" + "\n".join(lines)


def oxigraph_publish_args(url: str) -> list[str]:
    return ["publish", "--store", f"{url}/store", "--sparql", f"{url}/query"]


class Oxigraph:
    """A real `oxigraph serve` on a loopback port, stopped at the end."""

    name = "oxigraph"

    def __init__(self, location: Path, timeout: int = 30):
        self.port = free_port()
        self.log = location.with_name(location.name + ".log")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location), "--bind",
                                          f"127.0.0.1:{self.port}", "--union-default-graph",
                                          "--timeout-s", str(timeout)],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                requests.get(f"{self.url}/query", params={"query": "ASK {}"}, timeout=1)
                RUNNING.append(self)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        why = self.health()
        self.stop()
        raise RuntimeError(f"oxigraph server did not start: {why}")

    def health(self) -> str:
        """Whether the process runs, and the end of its output (for failure reports)."""
        return health(f"oxigraph server on port {self.port}", self.proc, self.log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sparql(self) -> str:
        """The SPARQL 1.1 Protocol query endpoint (what `planlod serve --sparql-endpoint` takes)."""
        return f"{self.url}/query"

    def graphs(self) -> dict[str, set[str]]:
        """Every named graph of the server as a set of N-Triples lines."""
        dump = requests.get(f"{self.url}/store", headers={"Accept": "application/n-quads"}, timeout=30)
        out: dict[str, set[str]] = {}
        for quad in pyoxigraph.parse(dump.content, format=pyoxigraph.RdfFormat.N_QUADS):
            out.setdefault(quad.graph_name.value, set()).add(str(pyoxigraph.Triple(*quad.triple)))
        return out

    def publish_args(self, url: str | None = None) -> list[str]:
        return oxigraph_publish_args(url or self.url)

    def stop(self) -> None:
        if self in RUNNING:
            RUNNING.remove(self)
        self.proc.terminate()
        self.proc.wait(timeout=10)


def ini_set(ini: str, section: str, key: str, value: str) -> str:
    """``ini`` with ``key`` of ``[section]`` set to ``value`` (whatever the spacing around ``=``);
    raises if the section has no such key, so a changed default file fails loudly."""
    lines, current, done = ini.splitlines(), None, False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]")
        elif current == section and stripped.split("=")[0].strip() == key and not stripped.startswith(";"):
            lines[i], done = f"{key} = {value}", True
    if not done:
        raise RuntimeError(f"virtuoso.ini has no {key} in [{section}]")
    return "\n".join(lines) + "\n"


class Virtuoso:
    """A real Virtuoso (Debian's virtuoso-opensource) on loopback ports, in its own folder."""

    name = "virtuoso"
    INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
    BINARY = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"

    def __init__(self, folder: Path, max_rows: int = 100_000, timeout: int = 30):
        assert Path(self.BINARY).exists() and self.INI.exists(), \
            "Virtuoso is not installed: apt-get install virtuoso-opensource (scripts/test.sh does)"
        folder.mkdir(parents=True)
        (folder / "vad").mkdir()
        self.folder = folder
        self.port, sql = free_port(), free_port()
        ini = self.INI.read_text(encoding="utf-8")
        for section, name in (("Database", "virtuoso"), ("TempDatabase", "virtuoso-temp")):
            ini = ini_set(ini, section, "DatabaseFile", str(folder / f"{name}.db"))
            ini = ini_set(ini, section, "TransactionFile", str(folder / f"{name}.trx"))
        for key, value in (("ErrorLogFile", "virtuoso.log"), ("LockFile", "virtuoso.lck"),
                           ("xa_persistent_file", "virtuoso.pxa")):
            ini = ini_set(ini, "Database", key, str(folder / value))
        ini = ini_set(ini, "Parameters", "ServerPort", f"127.0.0.1:{sql}")
        # no Conductor (the web admin UI, 70 MB a copy): its installer is looked for here
        ini = ini_set(ini, "Parameters", "VADInstallDir", str(folder / "vad"))
        ini = ini_set(ini, "Parameters", "DirsAllowed", f"., {folder / 'vad'}")
        ini = ini_set(ini, "HTTPServer", "ServerPort", f"127.0.0.1:{self.port}")
        # the tests fetch pages 12 at a time, each page asking several queries: beyond the default
        # 10 HTTP threads Virtuoso queues requests and logs "No Web Server threads available"
        for key in ("ServerThreads", "MaxClientConnections", "MaxKeepAlives"):
            ini = ini_set(ini, "HTTPServer", key, "64")
        ini = ini_set(ini, "SPARQL", "ResultSetMaxRows", str(max_rows))
        ini = ini_set(ini, "SPARQL", "MaxQueryExecutionTime", str(timeout))
        # its cost estimate blows up for queries naming ~20 graphs (the dataset the app sends)
        ini = ini_set(ini, "SPARQL", "MaxQueryCostEstimationTime", "100000")
        (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
        self.proc = subprocess.Popen([self.BINARY, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                                     cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                r = requests.get(f"{self.url}/sparql", params={"query": "ASK {}"}, timeout=2)
                if r.ok and "virtuoso" in r.headers.get("Server", "").lower():
                    RUNNING.append(self)
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        why = self.health()
        self.stop()
        raise RuntimeError(f"virtuoso did not start: {why}")

    def health(self) -> str:
        """Whether the process runs, and the end of its log (for failure reports)."""
        return health(f"virtuoso on port {self.port}", self.proc, self.folder / "virtuoso.log",
                      skip="Checkpoint")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    def publish_args(self, url: str | None = None) -> list[str]:
        url = url or self.url
        return ["publish", "--store", f"{url}/sparql-graph-crud-auth", "--sparql", f"{url}/sparql",
                "--user", "dba", "--password", "dba", "--auth", "digest", "--graph-param", "graph-uri"]

    def graphs(self) -> dict[str, set[str]]:
        names = requests.get(f"{self.url}/sparql", timeout=30, headers={"Accept": "application/sparql-results+json"},
                             params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                                     "FILTER(STRSTARTS(STR(?g), \"https://w3id.org/mplan/\")) }"}).json()
        out: dict[str, set[str]] = {}
        for row in names["results"]["bindings"]:
            g = row["g"]["value"]
            nt = requests.get(f"{self.url}/sparql", timeout=30, headers={"Accept": "application/n-triples"},
                              params={"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"})
            out[g] = {str(t) for t in pyoxigraph.parse(nt.content, format=pyoxigraph.RdfFormat.N_TRIPLES)}
        return out

    def stop(self) -> None:
        if self in RUNNING:
            RUNNING.remove(self)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


SERVERS = {"oxigraph": Oxigraph, "virtuoso": Virtuoso}


def cli(*args: str, out: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``planlod --out OUT ARGS`` in a child process."""
    return subprocess.run([sys.executable, "-m", "publisher", "--out", str(out), *args], cwd=ROOT,
                          env={**os.environ, "CI": "1"}, capture_output=True, text=True, timeout=timeout)
