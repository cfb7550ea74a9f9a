"""Ctrl-C and SIGTERM, handled in one place for every phase of ganbench.

Three behaviours, one way to install them (:func:`handling_stop_signals`, which restores the previous
handlers on the way out and does nothing outside the main thread, where Python cannot install them):

- :func:`stops_as_interrupt` (the CLI, around everything): both signals raise KeyboardInterrupt, so any
  phase ends with the resume sentence. SIGINT is set explicitly because a process started in the
  background inherits it ignored; SIGTERM would otherwise kill the process without a word.
- :func:`stop_on_signals` (the training loop, a sweep's dispatcher): the first signal only sets a flag
  that is read between steps, so a checkpoint is never taken halfway through an update; a second one
  stops at once.
- :func:`install_stop_handler` (a sweep's worker process): a handler for the life of the process.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Callable, Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
Handler = Callable[[int, Any], None]


class StopRequest:
    """Set by the first stop signal: whether a stop was asked for, and by which signal."""

    def __init__(self) -> None:
        self.requested = False
        self.signal_name = ""


@contextlib.contextmanager
def handling_stop_signals(handler: Handler) -> Iterator[bool]:
    """``handler`` for SIGINT and SIGTERM inside the block, the previous handlers after it. Yields
    whether it installed them (False outside the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    try:
        yield True
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def install_stop_handler(handler: Handler) -> None:
    """``handler`` for SIGINT and SIGTERM for the rest of this process (a worker process's own)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def stops_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGINT both raise KeyboardInterrupt inside the block."""
    with handling_stop_signals(_raise_interrupt):
        yield


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """The first SIGINT or SIGTERM sets ``request.requested``; a second raises KeyboardInterrupt."""
    request = StopRequest()

    def handle(signum: int, frame: Any) -> None:
        if request.requested:  # the second signal: stop now
            raise KeyboardInterrupt
        request.requested = True
        request.signal_name = signal.Signals(signum).name

    with handling_stop_signals(handle):
        yield request
