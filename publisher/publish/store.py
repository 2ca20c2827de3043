"""The embedded store: an on-disk Oxigraph store holding every published named graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph


def load_store(path: Path, nquads: bytes) -> int:
    """Create the store at ``path`` from N-Quads with one named graph per graph; return quads."""
    store = pyoxigraph.Store(str(path))
    store.bulk_load(nquads, pyoxigraph.RdfFormat.N_QUADS)
    store.optimize()
    count = len(store)
    store.flush()
    del store
    return count
