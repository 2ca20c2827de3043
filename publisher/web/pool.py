"""Worker processes for /sparql: a time limit that really stops the work.

A pyoxigraph query cannot be cancelled from another thread, so each /sparql query runs in one
of a few worker processes that open the store read-only. A worker that exceeds the time limit
is killed (SIGKILL) and replaced; its query's client gets a 503. Pages never wait for workers:
they read the store in the server process, and the pool's threads are its own.

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
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

from .sparql import Answer, QueryJob

log = logging.getLogger("planlod.serve")

READY_TIMEOUT = 30.0
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding publisher/


class Busy(Exception):
    """Every worker is busy and none became free in time."""


class TimedOut(Exception):
    """The query ran longer than the time limit; its worker was killed."""


class _Worker:
    """One worker process (``python -m publisher.web.worker``) and our end of its socket."""

    def __init__(self, store_path: Path):
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT),
                                                          env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publisher.web.worker", str(store_path), str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL, close_fds=True)
        theirs.close()
        self.conn = Connection(ours.detach())
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


class WorkerPool:
    """``size`` worker processes over the store at ``store_path``.

    :meth:`start` and :meth:`close` follow the app's lifespan; a closed pool starts again on
    demand (one app object may be served more than once, e.g. in tests). Workers belong to a
    generation: one that finishes a query after :meth:`close` is killed, not reused.
    """

    def __init__(self, store_path: Path, size: int, timeout: float, queue_wait: float = 1.0):
        self.store_path = Path(store_path)
        self.size = max(1, size)
        self.timeout = timeout
        self.queue_wait = queue_wait
        self._idle: queue.SimpleQueue[tuple[int, _Worker]] = queue.SimpleQueue()
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="planlod-sparql")
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
        w = _Worker(self.store_path)
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
            workers = [self._spawn() for _ in range(self.size)]
            for w in workers:
                if not w.wait_ready():
                    for other in workers:
                        self._kill(other)
                    raise RuntimeError(f"a SPARQL worker could not open {self.store_path}")
            for w in workers:
                self._idle.put((self._generation, w))
            self.isolated = all(w.isolated for w in workers)
            self._started = True
        if not self.isolated:
            log.warning("SPARQL workers could not drop network access; SERVICE stays refused "
                        "by the query checks")

    def close(self) -> None:
        """Kill the idle workers; busy ones are killed when their query ends."""
        with self._lock:
            self._generation += 1
            self._started = False
        while True:
            try:
                self._kill(self._idle.get_nowait()[1])
            except queue.Empty:
                break

    async def run(self, job: QueryJob) -> Answer:
        """Answer ``job`` in a worker; raises :class:`Busy` or :class:`TimedOut`."""
        loop = asyncio.get_running_loop()
        if not self._started:
            await loop.run_in_executor(None, self.start)
        generation, worker = await self._acquire()
        return await loop.run_in_executor(self._threads, self._call, generation, worker, job)

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
            self._replace(generation, worker)
            return Answer.error(500, "worker_died", "The query worker stopped unexpectedly.",
                                "クエリの処理プロセスが予期せず停止しました。")
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
            log.error("could not restart a SPARQL worker over %s", self.store_path)
