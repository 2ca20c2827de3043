"""The registry's files in a release: its RDF dumps, its CSV and its N-Quads for the store.

They depend only on the registry, the base and our code, so they are made once and kept in the
cache (``cache/registry/{key}/``); every release links the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..formats import DUMP_FORMATS
from ..namespaces import Iris
from ..registry import MODIFIED, registry
from ..registry.rdf import graph_name, registry_graph
from ..validate import files_digest
from .dumps import serialize
from .plans import code_digest

KEY = "registry"
CSV_COLUMNS = ("code", "kind", "prefecture_code", "prefecture", "name", "kana", "name_en_generated",
               "lat", "lng", "iri")


@dataclass
class RegistryFiles:
    """The registry's published files (name under downloads/ → path in the cache)."""

    key: str  # what they are made of
    files: dict[str, Path]
    triples: int
    modified: str = MODIFIED

    @property
    def nquads(self) -> Path:
        return self.files[f"{KEY}.nq"]


def _csv(iris: Iris) -> bytes:
    """The registry as CSV (UTF-8, no BOM): codes as text, one row per local government."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for lg in registry():
        w.writerow([lg.code, lg.kind, lg.prefecture_code, lg.prefecture.name, lg.name, lg.kana,
                    lg.name_en, "" if lg.lat is None else repr(lg.lat),
                    "" if lg.lng is None else repr(lg.lng), str(iris.municipality(lg.code))])
    return buf.getvalue().encode("utf-8")


def registry_files(cache_dir: Path, iris: Iris) -> RegistryFiles:
    """The registry's files for ``iris.base``, from the cache or made now."""
    reg = registry()
    key = hashlib.sha256("\0".join((reg.digest, iris.base, code_digest(),
                                    files_digest([Path(__file__), Path(registry_graph.__code__.co_filename)]))
                                   ).encode()).hexdigest()
    folder = cache_dir / "registry" / key
    names = [*(f"{KEY}.{ext}" for ext in DUMP_FORMATS), f"{KEY}.csv", "triples"]
    if not all((folder / n).is_file() for n in names):
        tmp = cache_dir / "registry" / f".{key}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        g = registry_graph(reg, iris)
        for ext in DUMP_FORMATS:
            (tmp / f"{KEY}.{ext}").write_bytes(serialize({graph_name(iris): g}, ext))
        (tmp / f"{KEY}.csv").write_bytes(_csv(iris))
        (tmp / "triples").write_text(str(len(g)), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    triples = int((folder / "triples").read_text(encoding="utf-8"))
    return RegistryFiles(key, {n: folder / n for n in names if n != "triples"}, triples)
