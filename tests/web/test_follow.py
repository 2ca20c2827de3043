"""`planlod serve` follows `public/` to a new release without a restart (publisher.web.follow)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from publisher.web.follow import Following

ROOT = Path(__file__).resolve().parents[2]
NAGASAKI = "https://w3id.org/mplan/id/plan/422011-nagasaki-2025"


def _planlod(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "publisher", *args], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_rebuild_that_adds_a_plan_is_served_without_a_restart(tmp_path: Path) -> None:
    datasets = tmp_path / "datasets"
    shutil.copytree(ROOT / "datasets", datasets)
    held_back = tmp_path / "held-back"
    shutil.move(datasets / "422011-nagasaki-2025", held_back)
    out, cache = tmp_path / "public", tmp_path / "cache"
    first = _planlod("--datasets", str(datasets), "--out", str(out), "--cache-dir", str(cache), "build")
    assert first.returncode == 0, first.stderr
    old_release = out.resolve()
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "publisher", "--out", str(out), "serve",
                             "--port", str(port), "--max-concurrent-queries", "1"],
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                home = httpx.get(url + "/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert home.status_code == 200
        assert httpx.get(url + "/plan/422011-nagasaki-2025", timeout=30).status_code == 404
        before = httpx.get(url + "/plan/152021-nagaoka-next", timeout=30)
        assert before.status_code == 200
        ask = {"query": f"ASK {{ <{NAGASAKI}> ?p ?o }}"}
        assert httpx.get(url + "/sparql", params=ask, timeout=30).json()["boolean"] is False

        with httpx.Client(base_url=url, timeout=60) as streaming:
            # a download in flight across the switch reads the release it started on
            with streaming.stream("GET", "/downloads/all.nt.gz") as download:
                assert download.status_code == 200
                chunks = download.iter_raw(4096)
                head = next(chunks)
                shutil.move(held_back, datasets / "422011-nagasaki-2025")
                second = _planlod("--datasets", str(datasets), "--out", str(out), "--cache-dir",
                                  str(cache), "build")
                assert second.returncode == 0, second.stderr
                assert out.resolve() != old_release
                body = head + b"".join(chunks)
        old_bytes = (old_release / "downloads" / "all.nt.gz").read_bytes()
        assert hashlib.sha256(body).digest() == hashlib.sha256(old_bytes).digest()

        deadline = time.monotonic() + 60
        while (page := httpx.get(url + "/plan/422011-nagasaki-2025", timeout=30)).status_code != 200:
            assert time.monotonic() < deadline, "the new release was not served within a minute"
            time.sleep(0.5)
        assert "長崎市" in page.text
        assert httpx.get(url + "/sparql", params=ask, timeout=30).json()["boolean"] is True
        after = httpx.get(url + "/plan/152021-nagaoka-next", timeout=30)
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
        assert proc.poll() is None  # the same process all along
    finally:
        proc.terminate()
        out_text, _ = proc.communicate(timeout=30)
    assert "now serving the release" in out_text


@dataclass
class _Runner:
    events: list[str] = field(default_factory=list)

    def start(self) -> None:
        self.events.append("start")

    def close(self) -> None:
        self.events.append("close")


@dataclass
class _Web:
    folder: Path
    runner: _Runner = field(default_factory=_Runner)


def _release(root: Path, name: str, link: Path) -> Path:
    folder = root / name
    (folder / "store").mkdir(parents=True)
    tmp = root / f".link-{name}"
    os.symlink(folder, tmp)
    os.replace(tmp, link)
    return folder


def test_requests_in_flight_finish_on_their_release_and_then_it_is_closed(tmp_path: Path) -> None:
    link = tmp_path / "public"
    a = _release(tmp_path, "a", link)
    releases = Following(link, _Web, check_every=0)
    releases.start()
    in_flight = releases.acquire()
    assert in_flight.folder == a
    assert not releases.stale()

    b = _release(tmp_path, "b", link)
    assert releases.stale()
    releases.switch()
    new = releases.acquire()
    assert new.folder == b and new.runner.events == ["start"]
    assert in_flight.runner.events == ["start"]  # still answering its request
    releases.release(in_flight)
    assert in_flight.runner.events == ["start", "close"]  # closed once its last request ended
    releases.release(new)
    assert new.runner.events == ["start"]  # the current release stays open

    c = _release(tmp_path, "c", link)
    releases.switch()
    assert releases.acquire().folder == c
    assert new.runner.events == ["start", "close"]  # unused when retired: closed at once
    os.unlink(link)  # a missing link keeps what is served
    assert not releases.stale()
    releases.close()
