"""The all-plans dumps, composed from the per-plan files by streaming, never loading a graph.

- ``all.nt``: a merge of the per-plan files, which are sorted and unique line by line,
  dropping repeated lines (a municipality shared by two plans is one set of triples);
- ``all.nq``: the per-plan files one after the other (each plan's quads are in its own graph,
  so no line can repeat);
- ``all.trig`` and ``all.ttl``: the per-plan documents one after the other under the one prefix
  header they share (in Turtle a subject two plans share is simply described twice);
- ``all.jsonld``: one named graph per plan, the per-plan ``@graph`` arrays copied as they are.

Only ``all.nt`` reads its parts line by line; the others are copies, so rebuilding them after
one plan changed costs little more than copying the bytes.

Every function writes to a binary file object, so that the caller can hash while writing.
"""

from __future__ import annotations

import heapq
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from rdflib import URIRef

from .dumps import jsonld_context

CHUNK = 1 << 20


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        yield from f


def merge_sorted(parts: list[Path], out: BinaryIO) -> None:
    """Merge files of sorted, unique lines into ``out``: sorted, without duplicates.

    GNU ``sort -m -u`` in the C locale (byte order, as Python sorts bytes) does the merge when it
    is there, several times faster than Python; otherwise :func:`heapq.merge`.
    """
    sort = shutil.which("sort")
    if sort and len(parts) > 1:
        with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing:
            listing.write("\0".join(str(p) for p in parts))
        try:
            proc = subprocess.Popen([sort, "-m", "-u", "--batch-size=64", f"--files0-from={listing.name}"],
                                    stdout=subprocess.PIPE, env={**os.environ, "LC_ALL": "C"})
            assert proc.stdout is not None
            shutil.copyfileobj(proc.stdout, out, CHUNK)
            if proc.wait() == 0:
                return
            raise OSError(f"sort exited with {proc.returncode}")
        finally:
            os.unlink(listing.name)
    last = None
    for line in heapq.merge(*(_lines(p) for p in parts)):
        if line != last:
            out.write(line)
            last = line


def concat(parts: list[Path], out: BinaryIO) -> None:
    """The files one after the other."""
    for part in parts:
        with part.open("rb") as f:
            shutil.copyfileobj(f, out, CHUNK)


def _split_header(data: bytes) -> tuple[bytes, bytes]:
    """The leading ``@prefix`` lines of a Turtle or TriG document, and the rest."""
    end = 0
    while data.startswith(b"@prefix ", end):
        end = data.index(b"\n", end) + 1
    return data[:end], data[end:]


def concat_trig(parts: list[Path], out: BinaryIO) -> None:
    """One Turtle or TriG document from per-plan documents (in the order given) written with
    the same prefixes: the prefix header once, then each document's statements.

    A part whose header declares a prefix the first one lacks would change meaning without its
    declaration: that is refused (ValueError) rather than written.
    """
    header = None
    for part in parts:
        head, body = _split_header(part.read_bytes())
        if header is None:
            header = set(head.splitlines())
            out.write(head)
        elif not set(head.splitlines()) <= header:
            raise ValueError(f"{part} declares prefixes the first part does not")
        out.write(body)


GRAPH_OPEN, GRAPH_CLOSE = b'\n "@graph": [\n', b"\n ]\n}\n"


def _graph_array(data: bytes) -> bytes | None:
    """The items of the top-level ``@graph`` array of one of our JSON-LD files, as written
    (indented by one level), or None when the file is not in that form."""
    start = data.find(GRAPH_OPEN)
    if start < 0 or not data.endswith(GRAPH_CLOSE) or data.find(GRAPH_OPEN, start + 1) >= 0:
        return None
    return data[start + len(GRAPH_OPEN): -len(GRAPH_CLOSE)]


def concat_jsonld(parts: list[tuple[URIRef, Path]], out: BinaryIO) -> None:
    """The JSON-LD of a dataset from per-graph JSON-LD files: one named graph per part, in the
    order given, each ``{"@graph": [...], "@id": name}`` under our context."""
    ctx = jsonld_context()["@context"]
    head = json.dumps({"@context": ctx}, ensure_ascii=False, indent=1)
    out.write((head[:-2] + ',\n "@graph": [').encode("utf-8"))
    for i, (name, path) in enumerate(parts):
        data = path.read_bytes()
        items = _graph_array(data)
        if items is None:  # a single node, or another layout: go through json
            doc = json.loads(data)
            nodes = doc.get("@graph", [{k: v for k, v in doc.items() if k != "@context"}])
            text = json.dumps(nodes, ensure_ascii=False, indent=1)
            items = "\n".join(" " + ln for ln in text.split("\n")[1:-1]).encode("utf-8")
        out.write(b"," if i else b"")
        out.write(b'\n  {\n   "@graph": [\n  ')
        out.write(items.replace(b"\n", b"\n  "))
        out.write(f'\n   ],\n   "@id": {json.dumps(str(name))}\n  }}'.encode())
    out.write(b"\n ]\n}\n")
