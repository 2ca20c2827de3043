"""``serve`` follows ``public/`` to a new release without a restart.

``planlod build`` publishes by swapping the ``public`` symlink to a new folder under
``public.releases/`` (:mod:`publisher.publish.release`). :class:`Following` notices the swap
(it looks at the link at most once a second, on requests) and opens the new release beside
the old one: its store, its worker pool and everything else derived from it (a
:class:`~publisher.web.routes.Web`). Until the new one is ready, requests go on being answered
from the old one; then new requests go to the new one, while requests already in flight finish
on the release they started on. A release that is neither current nor in use is closed (its
workers stopped). Everything cached for a release lives on its ``Web``, so no cache outlives
its release, and ETags carry the release's digest.

A request holds its release from the moment it arrives until its response is sent (see
:class:`FollowRelease`), so even a download streamed for minutes reads one release to the end.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from .routes import Web

log = logging.getLogger("planlod.serve")
SCOPE_KEY = "planlod.web"


class Fixed:
    """One ``Web`` for the life of the server (a store given by the caller, or a remote store,
    which tracks its own releases)."""

    def __init__(self, web: Web):
        self.current = web

    def stale(self) -> bool:
        return False

    def switch(self) -> None:  # pragma: no cover - never stale
        pass

    def acquire(self) -> Web:
        return self.current

    def release(self, web: Web) -> None:
        pass

    def start(self) -> None:
        self.current.runner.start()

    def close(self) -> None:
        self.current.runner.close()


class Following:
    """The release that ``link`` (the ``public`` symlink) points at, followed as it changes.

    ``open_web(folder)`` opens one release; ``check_every``: seconds between looks at the link.
    """

    def __init__(self, link: Path, open_web: Callable[[Path], Web], check_every: float = 1.0):
        self.link = link
        self._open = open_web
        self._every = check_every
        self._lock = threading.Lock()  # guards the fields below
        self._switching = threading.Lock()  # one switch at a time
        folder = link.resolve()
        self.current = open_web(folder)
        self._folder = folder
        self._users: dict[int, int] = {}  # id(web) → requests in flight
        self._retired: dict[int, Web] = {}  # no longer current, closed once unused
        self._checked = time.monotonic()

    def stale(self) -> bool:
        """Has the link moved since the current release was opened? (Looks at most once every
        ``check_every`` seconds; a missing or broken link keeps the current release.)"""
        now = time.monotonic()
        if now - self._checked < self._every:
            return False
        self._checked = now
        try:
            folder = self.link.resolve(strict=True)
        except OSError:
            return False
        return folder != self._folder and (folder / "store").is_dir()

    def switch(self) -> None:
        """Open the release the link points at now and make it current (blocking; requests
        meanwhile go on being served from the old one). A release that cannot be opened is
        logged, and the old one stays."""
        if not self._switching.acquire(blocking=False):
            return  # another request is switching already
        try:
            folder = self.link.resolve()
            if folder == self._folder:
                return
            try:
                web = self._open(folder)
                web.runner.start()
            except Exception:
                log.exception("could not open the new release %s; still serving %s",
                              folder, self._folder)
                return
            with self._lock:
                old, self.current, self._folder = self.current, web, folder
                self._retired[id(old)] = old
                unused = self._users.get(id(old), 0) == 0
            log.info("now serving the release %s", folder.name)
            if unused:
                self._close(old)
        finally:
            self._switching.release()

    def acquire(self) -> Web:
        with self._lock:
            web = self.current
            self._users[id(web)] = self._users.get(id(web), 0) + 1
            return web

    def release(self, web: Web) -> None:
        with self._lock:
            left = self._users[id(web)] = self._users[id(web)] - 1
            if left == 0:
                del self._users[id(web)]
            done = left == 0 and id(web) in self._retired
        if done:
            self._close(web)

    def _close(self, web: Web) -> None:
        with self._lock:
            if self._retired.pop(id(web), None) is None:
                return
        web.runner.close()
        log.info("closed an old release")

    def start(self) -> None:
        self.current.runner.start()

    def close(self) -> None:
        with self._lock:
            webs = [self.current, *self._retired.values()]
            self._retired.clear()
        for web in webs:
            web.runner.close()


class FollowRelease:
    """Middleware: each HTTP request is answered from one release, the current one when it
    arrived (:func:`publisher.web.routes.web_of` reads it from the request)."""

    def __init__(self, app: ASGIApp, releases: Fixed | Following):
        self.app = app
        self.releases = releases

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.releases.stale():
            await run_in_threadpool(self.releases.switch)
        web = self.releases.acquire()
        scope[SCOPE_KEY] = web
        try:
            await self.app(scope, receive, send)
        finally:
            self.releases.release(web)
