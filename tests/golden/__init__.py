"""The seed corpus's release, file by file, as SHA-256 digests: the guard that a change to the
build pipeline that should change no output changes no byte (tests/test_golden.py).

Regenerate the digests (only when the output is meant to change, and say why in the commit)::

    .venv/bin/python -m tests.golden

Every file of the release is compared by its bytes, except these, for the reason given:

- ``store/``: the embedded store's binary files (RocksDB tables, logs, manifests) differ
  from one run to the next for the same data; its quads are compared instead, as the digest
  of its sorted N-Quads (the entry ``store (sorted N-Quads)``).
- ``parts.json``: the build's own index of the cache keys the all-plans files are made of;
  a cache key holds the digest of the code on purpose, so that new code re-does every plan.
  Not published (the web app never serves it).
- ``build-info.json``: compared without ``inputs``, ``registry``, ``vocab`` and ``views``, which are
  cache keys for the same reason; every other field (the plans' digests, their dates, the
  release digest of SHA256SUMS) is compared.

The dates in the catalog come from the git history of ``datasets/``, so a fresh clone gives
the same digests; a plan with uncommitted changes takes the fixed day of ``SOURCE_DATE``.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = Path(__file__).with_name("seed-release.sha256")
SOURCE_DATE = 1767225600  # 2026-01-01: dct:modified of a plan with uncommitted changes
STORE_ENTRY = "store (sorted N-Quads)"
CODE_KEYS = ("inputs", "registry", "vocab", "views")  # build-info.json fields that are cache keys


def seed_settings(tmp: Path):  # noqa: ANN201 (Settings, imported late: see seed_build)
    """The settings of a build of the seed corpus into ``tmp``."""
    from publisher.settings import Settings

    return Settings(datasets=ROOT / "datasets", out=tmp / "public", cache_dir=tmp / "cache",
                    progress=False, source_date_epoch=SOURCE_DATE)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _store_digest(store: Path) -> str:
    """The digest of the store's quads, sorted; blank nodes (the vocabularies have a few) are
    given canonical labels graph by graph (rdflib's canonicalisation), since their labels in
    the store are random."""
    import pyoxigraph
    from rdflib import Graph
    from rdflib.compare import to_canonical_graph

    lines, with_blanks = [], {}
    for q in pyoxigraph.Store.read_only(str(store)):
        if isinstance(q.subject, pyoxigraph.BlankNode) or isinstance(q.object, pyoxigraph.BlankNode):
            with_blanks.setdefault(str(q.graph_name), []).append(f"{pyoxigraph.Triple(*q.triple)} .\n")
        else:
            lines.append(f"{q} .\n")
    for graph, triples in with_blanks.items():
        canonical = to_canonical_graph(Graph().parse(data="".join(triples), format="nt"))
        lines += [f"{line[:-2]} {graph} .\n" for line in
                  canonical.serialize(format="nt").splitlines() if line]
    return _sha256("".join(sorted(lines)).encode())


def _build_info_digest(path: Path) -> str:
    info = json.loads(path.read_text(encoding="utf-8"))
    for key in CODE_KEYS:
        info.pop(key, None)
    return _sha256(json.dumps(info, ensure_ascii=False, sort_keys=True).encode())


def release_digests(publication: Path) -> dict[str, str]:
    """The digest of every file of a release (by path), with the exceptions above."""
    release = publication.resolve()
    out = {}
    for path in sorted(release.rglob("*")):
        name = path.relative_to(release).as_posix()
        if not path.is_file() or name.startswith("store/") or name == "parts.json":
            continue
        if name == "build-info.json":
            out[name] = _build_info_digest(path)
        else:
            out[name] = _sha256(path.read_bytes())
    out[STORE_ENTRY] = _store_digest(release / "store")
    return dict(sorted(out.items()))


def read_digests(path: Path = DIGESTS) -> dict[str, str]:
    """The committed digests (``sha256  name`` lines, as ``sha256sum`` writes them)."""
    pairs = (line.split("  ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {name: digest for digest, name in pairs}


def write_digests(digests: dict[str, str], path: Path = DIGESTS) -> None:
    path.write_text("".join(f"{d}  {name}\n" for name, d in digests.items()), encoding="utf-8")


def main() -> None:
    """Build the seed corpus in a temporary folder and write its digests to :data:`DIGESTS`."""
    from publisher.build import build

    with tempfile.TemporaryDirectory() as tmp:
        settings = seed_settings(Path(tmp))
        result = build(settings)
        if not result.checked.conforms:
            raise SystemExit("the seed corpus does not conform: no digests written")
        write_digests(release_digests(settings.out))
    print(f"wrote {DIGESTS.relative_to(ROOT)}")
