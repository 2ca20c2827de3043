"""Rendered pages, kept per release: a release never changes, so neither does its page.

A :class:`PageCache` lives on one release's :class:`~publisher.web.routes.Web` and dies with
it. It holds whole responses (status, body and every header the route set) in memory, least
recently used first out, within a bound in bytes. Its key is what the ETag distinguishes (the
path, every query parameter, the negotiated format and language: see
:func:`~publisher.web.responses.representation`) and the address the client asked
(``request.base_url``), since some pages hold absolute links to it (the home page's examples,
the catalog's links off ``production_hosts``), and the id of the release the store serves: an
embedded store's new release gets a new Web and so a new cache, but a remote SPARQL store
moves to a new release under the same Web (its entries of the old release age out).

>>> cache = PageCache(max_bytes=1_000)
>>> cache.put(("a", "http://x/"), Response(b"page", headers={"ETag": '"1"'}))
>>> cache.get(("a", "http://x/")).body, cache.get(("b", "http://x/"))
(b'page', None)
>>> cache.put(("big", "http://x/"), Response(b"x" * 2_000))  # larger than the bound: not kept
>>> cache.get(("big", "http://x/")) is None, cache.size <= cache.max_bytes
(True, True)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from starlette.responses import Response

Key = tuple[str, ...]  # (the representation, the address the client asked, the release)
ENTRY_OVERHEAD = 200  # bytes an entry costs beyond its body, headers and key (a rough bound)


@dataclass(frozen=True)
class _Entry:
    status: int
    body: bytes
    raw_headers: tuple[tuple[bytes, bytes], ...]
    size: int


class PageCache:
    """Responses of one release, at most ``max_bytes`` in all (0: nothing is kept)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._lock = threading.Lock()  # routes run in a thread pool

    def get(self, key: Key) -> Response | None:
        """A copy of the response kept under ``key``, or None. No store, no template."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        response = Response(entry.body, entry.status)
        response.raw_headers = list(entry.raw_headers)
        return response

    def put(self, key: Key, response: Response) -> None:
        """Keep ``response`` under ``key``, dropping the least recently used beyond the bound."""
        raw = tuple(response.raw_headers)
        size = (len(response.body) + sum(len(k) + len(v) for k, v in raw)
                + sum(len(part) for part in key) + ENTRY_OVERHEAD)
        if size > self.max_bytes:
            return
        entry = _Entry(response.status_code, bytes(response.body), raw, size)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old.size
            self._entries[key] = entry
            self.size += size
            while self.size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.size -= dropped.size

    def __len__(self) -> int:
        return len(self._entries)
