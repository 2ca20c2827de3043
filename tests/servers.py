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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_publish_args(url: str) -> list[str]:
    return ["publish", "--store", f"{url}/store", "--sparql", f"{url}/query"]


class Oxigraph:
    """A real `oxigraph serve` on a loopback port, stopped at the end."""

    name = "oxigraph"

    def __init__(self, location: Path, timeout: int = 30):
        self.port = free_port()
        self.proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location), "--bind",
                                      f"127.0.0.1:{self.port}", "--union-default-graph",
                                      "--timeout-s", str(timeout)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/query", params={"query": "ASK {}"}, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("oxigraph server did not start")

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
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Virtuoso:
    """A real Virtuoso (Debian's virtuoso-opensource) on loopback ports, in its own folder."""

    name = "virtuoso"
    INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
    BINARY = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"

    def __init__(self, folder: Path, max_rows: int = 100_000, timeout: int = 30):
        assert Path(self.BINARY).exists() and self.INI.exists(), \
            "Virtuoso is not installed: apt-get install virtuoso-opensource (scripts/test.sh does)"
        folder.mkdir(parents=True)
        self.port, sql = free_port(), free_port()
        ini = self.INI.read_text(encoding="utf-8")
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
        ini = ini.replace("ServerPort               = 1111", f"ServerPort               = 127.0.0.1:{sql}")
        ini = ini.replace("ServerPort                  = 8890", f"ServerPort                  = 127.0.0.1:{self.port}")
        ini = ini.replace("ResultSetMaxRows           = 10000", f"ResultSetMaxRows           = {max_rows}")
        ini = ini.replace("MaxQueryExecutionTime      = 60", f"MaxQueryExecutionTime      = {timeout}")
        # its cost estimate blows up for queries naming ~20 graphs (the dataset the app sends)
        ini = ini.replace("MaxQueryCostEstimationTime = 400", "MaxQueryCostEstimationTime = 100000")
        (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
        self.proc = subprocess.Popen([self.BINARY, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                                     cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/sparql", params={"query": "ASK {}"}, timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("virtuoso did not start")

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
