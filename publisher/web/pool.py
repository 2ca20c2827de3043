"""Worker processes for /sparql: a time limit that really stops the work, and budgets.

A pyoxigraph query cannot be cancelled from another thread, so each /sparql query runs in one
of a few worker processes: over the embedded store (opened read-only), or forwarding to a remote
SPARQL store. Every parser that reads a client's query runs there too, so a query that crashes
a parser costs one worker, never the server. A worker that exceeds the time limit is killed
(SIGKILL) and replaced; its query's client gets a 503. Each worker's address space is limited
(``RLIMIT_AS``, the ``query_memory_mb`` setting): a query that needs more fails in its worker,
the client gets a 503 ``memory_budget``, and the worker is replaced. A worker that dies is logged
with its cause. Pages never wait for workers: they read the store in the server process, and
the pool's threads are its own.

The pool holds ``size`` workers (``max_concurrent_queries``). A query that finds none free waits
up to ``queue_wait`` seconds for one, then gets :class:`Busy` (503). Workers are processes of
their own (``python -m publisher.web.worker``) that drop network access where the platform allows
it (a Linux network namespace): even a query that got past the SERVICE checks could not reach
another host.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from .sparql import Answer, QueryJob, memory_budget

log = logging.getLogger("planlod.serve")

READY_TIMEOUT = 30.0
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding publisher/


class Busy(Exception):
    """Every worker is busy and none became free in time."""


class TimedOut(Exception):
    """The query ran longer than the time limit; its worker was killed."""


@dataclass(frozen=True)
class Source:
    """What a worker answers from: the embedded store at ``path``, or the remote SPARQL
    ``endpoint`` (with its credentials, sent over the worker's socket, never on its command
    line). ``memory_mb``: the worker's address-space limit (0: none)."""

    path: str | None = None
    endpoint: str | None = None
    base: str = ""
    user: str | None = None
    password: str | None = None
    auth: str = "basic"
    timeout: float = 30.0
    memory_mb: int = 0

    def __repr__(self) -> str:  # never the password
        return f"Source(path={self.path!r}, endpoint={self.endpoint!r})"


class _Worker:
    """One worker process (``python -m publisher.web.worker``) and our end of its socket."""

    def __init__(self, source: Source):
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT),
                                                          env.get("PYTHONPATH")]))
        env["MALLOC_ARENA_MAX"] = "2"  # glibc reserves 64 MB of address space per arena
        env["RUST_BACKTRACE"] = "0"  # an out-of-memory abort is logged by the pool, in one line
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publisher.web.worker", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, close_fds=True)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send(source)
        self.isolated = False

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> bool:
        if not self.conn.poll(timeout):
            return False
        try:
            message = self.conn.recv()
        except (EOFError, OSError):
            return False
        self.isolated = bool(message[1])
        return message[0] == "ready"

    def call(self, job: QueryJob, timeout: float) -> Answer:
        self.conn.send(job)
        if not self.conn.poll(timeout):
            raise TimedOut()
        return self.conn.recv()

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            self.conn.close()

    def cause_of_death(self) -> str:
        """How the process ended, once it has (for the log)."""
        try:
            code = self.process.wait(2)
        except subprocess.TimeoutExpired:
            return "its connection broke while it still ran"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"


class WorkerPool:
    """``size`` worker processes over ``source`` (a store's path, or a :class:`Source`).

    :meth:`start` and :meth:`close` follow the app's lifespan; a closed pool starts again on
    demand (one app object may be served more than once, e.g. in tests). Workers belong to a
    generation: one that finishes a query after :meth:`close` is killed, not reused.
    """

    def __init__(self, source: Source | Path, size: int, timeout: float, queue_wait: float = 1.0):
        self.source = source if isinstance(source, Source) else Source(path=str(source))
        self.size = max(1, size)
        self.timeout = timeout
        self.queue_wait = queue_wait
        self._idle: queue.SimpleQueue[tuple[int, _Worker]] = queue.SimpleQueue()
        self._threads: ThreadPoolExecutor | None = None  # made by start(), ended by close()
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._generation = 0
        self._started = False
        self._live: set[_Worker] = set()
        self.isolated: bool | None = None

    def pids(self) -> set[int]:
        """Process ids of the live workers (idle or busy)."""
        with self._lock:
            return {w.process.pid for w in self._live}

    def _spawn(self) -> _Worker:
        w = _Worker(self.source)
        with self._lock:
            self._live.add(w)
        return w

    def _kill(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._live.discard(w)

    def start(self) -> None:
        """Start the workers (idempotent); blocks until they have opened the store."""
        with self._start_lock:
            if self._started:
                return
            if self._threads is None:
                self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="planlod-sparql")
            workers = [self._spawn() for _ in range(self.size)]
            for w in workers:
                if not w.wait_ready():
                    for other in workers:
                        self._kill(other)
                    raise RuntimeError(f"a SPARQL worker could not open {self._what()}")
            for w in workers:
                self._idle.put((self._generation, w))
            self.isolated = all(w.isolated for w in workers)
            self._started = True
        if not self.isolated and self.source.path is not None:
            log.warning("SPARQL workers could not drop network access; SERVICE stays refused "
                        "by the query checks")

    def close(self) -> None:
        """Kill the idle workers; busy ones are killed when their query ends."""
        with self._lock:
            self._generation += 1
            self._started = False
            threads, self._threads = self._threads, None
        while True:
            try:
                self._kill(self._idle.get_nowait()[1])
            except queue.Empty:
                break
        if threads is not None:  # its threads end once their calls do
            threads.shutdown(wait=False)

    async def run(self, job: QueryJob) -> Answer:
        """Answer ``job`` in a worker; raises :class:`Busy` or :class:`TimedOut`."""
        loop = asyncio.get_running_loop()
        if not self._started:
            await loop.run_in_executor(None, self.start)
        generation, worker = await self._acquire()
        threads = self._threads
        if threads is None:  # closed meanwhile
            self._release(generation, worker)
            raise Busy()
        return await loop.run_in_executor(threads, self._call, generation, worker, job)

    async def _acquire(self) -> tuple[int, _Worker]:
        deadline = time.monotonic() + self.queue_wait
        delay = 0.005
        while True:
            try:
                generation, worker = self._idle.get_nowait()
                if generation == self._generation:
                    return generation, worker
                self._kill(worker)
                continue
            except queue.Empty:
                pass
            if time.monotonic() >= deadline:
                raise Busy()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _call(self, generation: int, worker: _Worker, job: QueryJob) -> Answer:
        try:
            answer = worker.call(job, self.timeout)
        except TimedOut:
            log.warning("a /sparql query ran over %.1f s; its worker (pid %s) was killed",
                        self.timeout, worker.process.pid)
            self._replace(generation, worker)
            raise
        except (EOFError, OSError):
            cause = worker.cause_of_death()
            self._replace(generation, worker)
            if cause == f"killed by {signal.SIGABRT.name}" and self.source.memory_mb:
                # the store's native code aborts when an allocation fails; a panic would too
                log.warning("a /sparql worker (pid %s) was %s: most likely its query went over "
                            "the memory budget (%d MB); it is replaced", worker.process.pid,
                            cause, self.source.memory_mb)
                return memory_budget(self.source.memory_mb)
            log.error("a /sparql worker (pid %s) stopped during a query: %s; it is replaced",
                      worker.process.pid, cause)
            return Answer.error(500, "worker_died", "The query worker stopped unexpectedly.",
                                "クエリの処理プロセスが予期せず停止しました。")
        if answer.code == "memory_budget":  # a MemoryError: the worker's heap may be in pieces
            log.warning("a /sparql query went over the memory budget (%d MB); its worker (pid "
                        "%s) is replaced", self.source.memory_mb, worker.process.pid)
            self._replace(generation, worker)
            return answer
        self._release(generation, worker)
        return answer

    def _release(self, generation: int, worker: _Worker) -> None:
        with self._lock:
            current = generation == self._generation
            if current:
                self._idle.put((generation, worker))
        if not current:
            self._kill(worker)

    def _replace(self, generation: int, worker: _Worker) -> None:
        """Kill ``worker`` now; start its replacement in the background (the client whose
        query timed out gets its answer without waiting for the new worker)."""
        self._kill(worker)
        if generation == self._generation:
            threading.Thread(target=self._respawn, args=(generation,),
                             name="planlod-sparql-respawn", daemon=True).start()

    def _respawn(self, generation: int) -> None:
        fresh = self._spawn()
        if fresh.wait_ready():
            self._release(generation, fresh)
        else:  # cannot start a worker: the pool shrinks rather than hangs
            self._kill(fresh)
            log.error("could not restart a SPARQL worker over %s", self._what())

    def _what(self) -> str:
        return self.source.path or f"the SPARQL store {self.source.endpoint}"

