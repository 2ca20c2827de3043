"""Files of parts written again from their previous version are the bytes of writing every part."""

from __future__ import annotations

import doctest
import hashlib
import random
from collections import Counter
from pathlib import Path

from publisher.publish import splice
from publisher.publish.splice import Part, write_parts


def test_doctests() -> None:
    assert doctest.testmod(splice).failed == 0


def _random_parts(rng: random.Random, pool: dict[str, bytes], n: int) -> list[Part]:
    keys = rng.sample(sorted(pool), k=min(n, len(pool)))
    keys += ["sep"] * rng.randint(0, 3)  # a key that appears several times, as separators do
    rng.shuffle(keys)
    return [Part(k, load=lambda k=k: pool[k]) for k in keys]


def test_random_sequences_of_parts(tmp_path: Path) -> None:
    rng = random.Random(7)
    for trial in range(300):
        pool = {f"k{i}": rng.randbytes(rng.randint(0, 40)) for i in range(12)}
        pool["sep"] = b","
        first = _random_parts(rng, pool, rng.randint(0, 10))
        a = write_parts(tmp_path / f"{trial}a", first)
        # the next version: some parts kept in order, some dropped, some new or changed
        second = [p for p in first if rng.random() < 0.8]
        for _ in range(rng.randint(0, 3)):
            key = f"new{rng.randint(0, 5)}"
            pool[key] = rng.randbytes(rng.randint(1, 30))
            second.insert(rng.randint(0, len(second)), Part(key, load=lambda key=key, pool=pool: pool[key]))
        index = a.index if trial % 10 else a.index[:-1]  # a broken index is not trusted
        b = write_parts(tmp_path / f"{trial}b", second, tmp_path / f"{trial}a", index, track=True)
        expected = b"".join(pool[p.key] for p in second)
        data = (tmp_path / f"{trial}b").read_bytes()
        assert data == expected, trial
        assert (b.size, b.sha256) == (len(expected), hashlib.sha256(expected).hexdigest())
        assert b.index == [(p.key, len(pool[p.key])) for p in second]
        assert b.copied + sum(map(len, b.added)) == len(expected)
        if trial % 10 == 0 and first:
            assert b.copied == 0  # the broken index was ignored
        if trial % 10 == 0:
            continue
        # the parts of the first version not copied are reported removed, each once
        old, removed = Counter(pool[p.key] for p in first), Counter(b.removed)
        assert removed <= old and old - removed <= Counter(pool[p.key] for p in second)
        if len({p.key for p in first}) == len(first):
            assert sorted(b.removed) == sorted(pool[p.key] for p in first if p.key not in {q.key for q in second})
        assert all(piece in pool.values() for piece in b.added)


def test_unchanged_parts_are_copied_not_read(tmp_path: Path) -> None:
    reads = []

    def part(key: str, data: bytes) -> Part:
        return Part(key, load=lambda: reads.append(key) or data)

    big = [part(f"p{i}", bytes([i]) * 1000) for i in range(50)]
    first = write_parts(tmp_path / "a", big)
    reads.clear()
    changed = [*big[:20], part("p20-new", b"x" * 10), *big[21:]]
    second = write_parts(tmp_path / "b", changed, tmp_path / "a", first.index, track=True)
    assert reads == ["p20-new"]
    assert second.copied == 49_000 and second.removed == [bytes([20]) * 1000] and second.added == [b"x" * 10]
    assert (tmp_path / "b").read_bytes() == b"".join(p.bytes() for p in changed)
