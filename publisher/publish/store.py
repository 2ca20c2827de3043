"""The embedded store: an on-disk Oxigraph store holding every published named graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph


def load_store(path: Path, nquads: Path | bytes, extra: bytes = b"") -> int:
    """Create the store at ``path`` by bulk loading N-Quads (a file or bytes, one named graph
    per graph) and then ``extra`` N-Quads; return the number of quads."""
    store = pyoxigraph.Store(str(path))
    if isinstance(nquads, Path):
        store.bulk_load(path=str(nquads), format=pyoxigraph.RdfFormat.N_QUADS)
    else:
        store.bulk_load(nquads, pyoxigraph.RdfFormat.N_QUADS)
    if extra:
        store.bulk_load(extra, pyoxigraph.RdfFormat.N_QUADS)
    store.optimize()
    count = len(store)
    store.flush()
    del store
    return count


def update_store(previous: Path, path: Path, replaced: list[pyoxigraph.NamedNode] | list,
                 plan_files: list[Path], extra: bytes) -> int:
    """Create the store at ``path`` from the store at ``previous`` (left untouched): a
    checkpoint of it (hard links to its immutable files), with the graphs ``replaced`` removed,
    ``plan_files`` (N-Quads) loaded, and every graph of ``extra`` replaced by its quads there.
    """
    old = pyoxigraph.Store.read_only(str(previous))
    old.backup(str(path))
    del old
    store = pyoxigraph.Store(str(path))
    extra_graphs = {q.graph_name for q in pyoxigraph.parse(extra, pyoxigraph.RdfFormat.N_QUADS)}
    for graph in [*(pyoxigraph.NamedNode(str(g)) for g in replaced), *extra_graphs]:
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
    for f in plan_files:
        store.bulk_load(path=str(f), format=pyoxigraph.RdfFormat.N_QUADS)
    store.bulk_load(extra, pyoxigraph.RdfFormat.N_QUADS)
    count = len(store)
    store.flush()
    del store
    return count
