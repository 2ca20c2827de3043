"""`planlod serve` and `planlod query` as a person runs them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from publisher.queries import catalogue, get

ROOT = Path(__file__).resolve().parents[2]


def planlod(*args: str, **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run([sys.executable, "-m", "publisher", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120, **kw)


def test_serve_without_a_publication_says_build_first(tmp_path: Path) -> None:
    result = planlod("--out", str(tmp_path / "public"), "serve", "--port", "0")
    assert result.returncode == 2
    assert "planlod build" in result.stderr
    assert "先に `planlod build` を実行してください" in result.stderr
    assert "run `planlod build` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_query_lists_the_catalogue_once_and_runs_a_file(seed_publication: Path, tmp_path: Path) -> None:
    listed = planlod("query", "--list")
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert names == [q.name for q in catalogue()]  # the one example set, each query once
    rq = tmp_path / "plans.rq"
    rq.write_text(get("plans").text, encoding="utf-8")
    result = planlod("--out", str(seed_publication), "query", str(rq))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("code,city,plan,") and len(lines) == 6
    missing = planlod("--out", str(seed_publication), "query", "no-such-query")
    assert missing.returncode == 2 and "--list" in missing.stderr


def test_serve_serves_the_site_and_stops_on_ctrl_c(seed_publication: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "publisher", "--out", str(seed_publication), "serve",
                             "--port", str(port), "--query-timeout", "5", "--max-concurrent-queries", "1"],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                home = httpx.get(url + "/", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert home.status_code == 200 and "長岡市" in home.text
        q = httpx.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert q.json()["boolean"] is True
        sd = httpx.get(url + "/sparql", headers={"Accept": "text/turtle"}, timeout=30)
        assert "query time limit 5 s" in sd.text.lower() or "Time limit 5 s" in sd.text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert proc.returncode == 0, out
    assert f"http://127.0.0.1:{port}/" in out
