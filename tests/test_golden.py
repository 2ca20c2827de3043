"""The seed corpus's release is byte-identical to the committed one (tests/golden/): every
published file, and the store's quads. A change meant to alter no output must pass this as it
is; a change meant to alter output regenerates the digests (``python -m tests.golden``)."""

from __future__ import annotations

from golden import DIGESTS, read_digests, release_digests


def test_seed_release_is_byte_identical(seed_publication):
    expected, got = read_digests(), release_digests(seed_publication)
    assert sorted(got) == sorted(expected), "files added or missing"
    changed = [name for name in expected if got[name] != expected[name]]
    assert not changed, f"changed files {changed}; if that is meant, regenerate {DIGESTS.name}"


def test_digests_cover_every_published_download():
    names = set(read_digests())
    assert {"downloads/SHA256SUMS", "downloads/catalog.ttl", "downloads/tables.sqlite",
            "build-info.json", "store (sorted N-Quads)"} <= names
    assert sum(n.startswith("downloads/plans/") for n in names) == 25  # 5 plans x 5 formats
