"""The embedded store: an on-disk Oxigraph store holding every published named graph."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph


class Concatenation(io.RawIOBase):
    """The files one after the other, read as one stream (so that they load in one bulk load).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a").write_bytes(b"one "), (d / "b").write_bytes(b"two")
    >>> Concatenation([d / "a", d / "b"]).read()
    b'one two'
    """

    def __init__(self, paths: Iterable[Path]) -> None:
        super().__init__()
        self._paths = iter(paths)
        self._file: io.BufferedReader | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        while True:
            if self._file is None:
                path = next(self._paths, None)
                if path is None:
                    return 0
                self._file = open(path, "rb")  # noqa: SIM115 - closed at its end
            n = self._file.readinto(buffer)
            if n:
                return n
            self._file.close()
            self._file = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def load_store(path: Path, nquads: Path | list[Path] | bytes, extra: bytes = b"") -> int:
    """Create the store at ``path`` by bulk loading N-Quads (a file, files one after the other,
    or bytes, one named graph per graph) and then ``extra`` N-Quads; return the number of quads."""
    store = pyoxigraph.Store(str(path))
    if isinstance(nquads, Path):
        store.bulk_load(path=str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
    elif isinstance(nquads, list):
        with io.BufferedReader(Concatenation(nquads), 1 << 22) as stream:
            store.bulk_load(stream, pyoxigraph.RdfFormat.N_QUADS)
    else:
        store.bulk_load(nquads, pyoxigraph.RdfFormat.N_QUADS)
    if extra:
        store.bulk_load(extra, pyoxigraph.RdfFormat.N_QUADS)
    store.optimize()
    count = len(store)
    store.flush()
    del store
    return count


def update_store(previous: Path, path: Path, replaced: list, plan_files: list[Path], extra: bytes,
                 patch: tuple[list[pyoxigraph.Quad], list[pyoxigraph.Quad]] = ([], [])) -> None:
    """Create the store at ``path`` from the store at ``previous`` (left untouched): a
    checkpoint of it (hard links to its immutable files), with the graphs ``replaced`` removed,
    ``plan_files`` (N-Quads) loaded, every graph of ``extra`` (N-Quads) replaced by its quads
    there, and ``patch`` applied: ``(old, new)``, the quads without blank nodes of some graphs
    in the previous store and what they must become; only the quads that differ are removed
    and added.
    """
    old = pyoxigraph.Store.read_only(str(previous))
    old.backup(str(path))
    del old
    store = pyoxigraph.Store(str(path))
    extra_graphs = {q.graph_name for q in pyoxigraph.parse(extra, pyoxigraph.RdfFormat.N_QUADS)} if extra else set()
    for graph in [*(pyoxigraph.NamedNode(str(g)) for g in replaced), *extra_graphs]:
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
    for f in plan_files:
        store.bulk_load(path=str(f), format=pyoxigraph.RdfFormat.N_QUADS)
    if extra:
        store.bulk_load(extra, pyoxigraph.RdfFormat.N_QUADS)
    old, new = patch
    if any(isinstance(t, pyoxigraph.BlankNode) for q in (*old, *new) for t in (q.subject, q.object)):
        raise ValueError("a patched graph holds blank nodes: replace it instead")
    have, want = set(old), set(new)
    for q in have - want:
        store.remove(q)
    store.extend(want - have)
    store.flush()
    del store
