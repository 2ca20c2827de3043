"""The all-plans dumps, composed from per-plan pieces without parsing or recompressing.

Each all-plans dump is one gzip file (RFC 1952) made of several *members*: gzip allows a file
to be members one after the other, and a reader (``zcat``, Python's :mod:`gzip`, every RDF
tool that reads ``.gz``) sees the concatenation of their contents. When a plan is processed
its piece of each all-plans dump is compressed once, as a member, into the plan's cache folder
(:func:`plan_members`); a build then writes each ``all.<ext>.gz`` by copying bytes (from the
previous release's file where it can, see :mod:`publisher.publish.splice`):

- ``all.nq.gz`` and ``all.nt.gz``: the per-plan files one after the other (a triple two plans
  share, such as a municipality's, appears once per plan: N-Triples allows repeated lines, and
  the graph is the same);
- ``all.ttl.gz`` and ``all.trig.gz``: the one prefix header all our Turtle and TriG files share,
  then each plan's statements (in Turtle a subject two plans share is described twice);
- ``all.jsonld.gz``: one named graph per plan under our context, the per-plan ``@graph``
  arrays copied as they are.

So a rebuild after one plan changed compresses that plan only, and copies the rest.

The JSON-LD helpers also compose the catalog from cached per-dataset pieces.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from rdflib import URIRef

from .dumps import jsonld_context
from .splice import Part, data_part, file_part

LEVEL = 6  # zlib's default: 5 to 10 times smaller for N-Quads, several times faster than 9
HEADED = ("ttl", "trig")  # formats whose documents start with the shared prefix header


def member(data: bytes) -> bytes:
    """``data`` as one gzip member, byte for byte the same every time (no name, no time)."""
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def split_header(data: bytes) -> tuple[bytes, bytes]:
    """The leading ``@prefix`` lines of a Turtle or TriG document, and the rest."""
    end = 0
    while data.startswith(b"@prefix ", end):
        end = data.index(b"\n", end) + 1
    return data[:end], data[end:]


GRAPH_OPEN, GRAPH_CLOSE = b'\n "@graph": [\n', b"\n ]\n}\n"


def jsonld_items(data: bytes) -> bytes:
    """The items of the top-level ``@graph`` array of a JSON-LD document written by
    :func:`publisher.publish.dumps.serialize`, as written (indented by one level)."""
    start = data.find(GRAPH_OPEN)
    if start >= 0 and data.endswith(GRAPH_CLOSE) and data.find(GRAPH_OPEN, start + 1) < 0:
        return data[start + len(GRAPH_OPEN): -len(GRAPH_CLOSE)]
    doc = json.loads(data)  # a single node, or another layout: go through json
    nodes = doc.get("@graph", [{k: v for k, v in doc.items() if k != "@context"}])
    text = json.dumps(nodes, ensure_ascii=False, indent=1)
    return "\n".join(" " + ln for ln in text.split("\n")[1:-1]).encode("utf-8")


def jsonld_head() -> bytes:
    """The start of one of our JSON-LD documents with a ``@graph``: the context, then ``[``."""
    head = json.dumps(jsonld_context(), ensure_ascii=False, indent=1)
    return (head[:-2] + ',\n "@graph": [').encode("utf-8")


JSONLD_TAIL = b"\n ]\n}\n"


def _named_graph(name: URIRef, document: bytes) -> bytes:
    """A plan's JSON-LD document as one item of the all-plans ``@graph``: its nodes in a
    ``{"@graph": [...], "@id": name}`` object, indented one level deeper."""
    items = jsonld_items(document)
    return (b'\n  {\n   "@graph": [\n  ' + items.replace(b"\n", b"\n  ")
            + f'\n   ],\n   "@id": {json.dumps(str(name))}\n  }}'.encode())


def plan_members(name: URIRef, files: dict[str, bytes], header: bytes) -> dict[str, bytes]:
    """A plan's piece of each all-plans dump, as gzip members, by extension.

    ``files`` are the plan's own dump files, ``header`` the prefix header every Turtle and TriG
    file starts with. A Turtle or TriG file that declares a prefix the header lacks would
    change meaning without its declaration: that is refused (ValueError), not written.
    """
    out = {}
    for ext, data in files.items():
        if ext in HEADED:
            head, data = split_header(data)
            if not set(head.splitlines()) <= set(header.splitlines()):
                raise ValueError(f"the {ext} file of {name} declares prefixes the shared header lacks")
        elif ext == "jsonld":
            data = _named_graph(name, data)
        out[ext] = member(data)
    return out


SEPARATOR = member(b",")


def all_parts(ext: str, members: list[tuple[str, Path]], header: bytes) -> list[Part]:
    """The parts of ``all.<ext>.gz`` (see :mod:`publisher.publish.splice`): the plans' members
    (``(key, file)``, files made by :func:`plan_members`) in the order given, between the
    shared head and tail of the format; ``header`` is the shared Turtle/TriG prefix header."""
    parts = []
    if ext in HEADED:
        parts.append(data_part(member(header)))
    elif ext == "jsonld":
        parts.append(data_part(member(jsonld_head())))
    for i, (key, path) in enumerate(members):
        if ext == "jsonld" and i:
            parts.append(Part("separator", SEPARATOR))
        parts.append(file_part(f"{key}.{ext}", path))
    if ext == "jsonld":
        parts.append(data_part(member(JSONLD_TAIL)))
    return parts
