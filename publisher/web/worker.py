"""A /sparql worker process: ``python -m publisher.web.worker STORE FD``.

It drops network access where the platform allows it, opens the store read-only, tells the
server it is ready (and exits by itself if the server dies), then answers :class:`~publisher.web.sparql.QueryJob` s on the socket ``FD``
until it closes. The server kills it when a query runs over the time limit. It imports no web
framework: only the query checks and writers.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def isolate_network() -> bool:
    """Move this process into a network namespace of its own (no interfaces up), if allowed.

    Tries a plain network namespace (root / CAP_SYS_ADMIN), then an unprivileged user + network
    namespace. Must run before the process starts threads. Returns whether it worked.
    """
    if not hasattr(os, "fork") or not os.path.exists("/proc/self/ns/net"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return False
    try:  # keep our own uid and gid inside the new user namespace
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError:
        pass
    return True


def _watch_parent(parent: int) -> None:
    """Exit when the server is gone, even in the middle of a query (pyoxigraph releases the GIL
    while it evaluates, so this thread runs): no orphan keeps a CPU busy."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def worker_main(conn: Connection, store_path: str) -> None:
    """A worker: open the store read-only, then answer jobs until the pipe closes."""
    isolated = isolate_network()
    import pyoxigraph

    from publisher.web.sparql import Answer, execute

    store = pyoxigraph.Store.read_only(store_path)
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    conn.send(("ready", isolated))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = execute(store, job)
        except Exception as exc:  # a bug of ours; say so without a traceback
            answer = Answer.error(500, "internal", f"internal error: {type(exc).__name__}",
                                  f"内部エラー: {type(exc).__name__}")
        conn.send(answer)


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[2])), sys.argv[1])
