"""Process pools whose workers end when the process that started them ends.

A build killed with SIGKILL cannot shut its pool down: its workers, handed to init, would
wait for work forever. Each worker of :func:`process_pool` asks Linux to kill it when its
parent dies (``prctl(PR_SET_PDEATHSIG)``); where that is not available, a daemon thread
polls its parent's process id instead.

>>> with process_pool(1) as pool:
...     pool.submit(abs, -3).result()
3
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
POLL_SECONDS = 0.5


def process_pool(max_workers: int) -> ProcessPoolExecutor:
    """A ProcessPoolExecutor whose workers exit as soon as this process is gone."""
    context = multiprocessing.get_context()
    # under fork and spawn a worker's parent is this process; under forkserver it is the
    # server, which ends when this process does
    direct = context.get_start_method() in ("fork", "spawn")
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=context, initializer=die_with_parent,
                               initargs=(os.getpid() if direct else None,))


def die_with_parent(parent: int | None) -> None:
    """Pool initializer: end this worker when its parent process ends. ``parent`` is the
    process id the parent should have (None: whatever it is now).

    PR_SET_PDEATHSIG fires when the *thread* that started the worker ends, not its process:
    right for pools driven from one long-lived thread, as the build's are; the web's SPARQL
    workers, started from short-lived threads, only poll (:func:`watch_parent`)."""
    watched = os.getppid() if parent is None else parent
    if not _kill_on_parent_death():
        threading.Thread(target=watch_parent, args=(watched,), name="watch-parent", daemon=True).start()
    if os.getppid() != watched:  # the parent died before we asked
        os._exit(1)


def _kill_on_parent_death() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent: int) -> None:
    """Exit this process as soon as ``parent`` is no longer its parent (run it in a daemon
    thread; it checks twice a second)."""
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    os._exit(1)
