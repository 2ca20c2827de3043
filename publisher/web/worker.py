"""A /sparql worker process: ``python -m publisher.web.worker FD``.

It reads its :class:`~publisher.web.pool.Source` from the socket ``FD``. Over the embedded store
it drops network access where the platform allows it and opens the store read-only; over a
remote store it keeps the network and forwards. Then it limits its own address space to the
memory budget, tells the server it is ready (and exits by itself if the server dies), and
answers :class:`~publisher.web.sparql.QueryJob` s until the socket closes. The server kills it
when a query runs over the time limit. It imports no web framework: only the query checks and
writers.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

QUERY_STACK_BYTES = 64 * 1024 * 1024
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


def limit_memory(mb: int) -> None:
    """Cap this process's address space at ``mb`` MB (0: no cap): an allocation beyond it fails
    (MemoryError in Python; an abort in the store's native code, which the server reports)."""
    if mb > 0:
        limit = mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def worker_main(conn: Connection) -> None:
    """A worker: open its source, then answer jobs until the socket closes."""
    source = conn.recv()
    isolated = isolate_network() if source.path is not None else False

    from publisher.web.sparql import PARSER_RECURSION_LIMIT, Answer, execute, memory_budget
    from publisher.workers import watch_parent

    if source.path is not None:
        import pyoxigraph

        store = pyoxigraph.Store.read_only(source.path)
        run, extra = execute, (isolated,)
    else:
        from publisher.web.remote_store import SparqlStore, execute_remote

        store = SparqlStore(source.endpoint, base=source.base, user=source.user,
                            password=source.password, auth=source.auth, timeout=source.timeout)
        run, extra = execute_remote, ()
    # exit when the server is gone, even in the middle of a query (pyoxigraph releases the GIL
    # while it evaluates, so the watcher runs): no orphan keeps a CPU busy
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    sys.setrecursionlimit(PARSER_RECURSION_LIMIT)  # this process parses queries, nothing else
    limit_memory(source.memory_mb)
    # queries run on a thread with a large stack: a parser that recurses (Oxigraph's, rdflib's)
    # gets far more room than the main thread's 8 MB before it could crash this process
    threading.stack_size(QUERY_STACK_BYTES)
    runner = ThreadPoolExecutor(1, thread_name_prefix="query")
    conn.send(("ready", isolated))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = runner.submit(run, store, job, *extra).result()
        except MemoryError:
            answer = memory_budget(source.memory_mb)
        except Exception as exc:  # a bug of ours; say so without a traceback
            answer = Answer.error(500, "internal", f"internal error: {type(exc).__name__}",
                                  f"内部エラー: {type(exc).__name__}")
        conn.send(answer)


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[1])))
