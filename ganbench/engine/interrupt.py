"""Stop a run cleanly on Ctrl-C or SIGTERM: finish the current step, checkpoint, exit.

The signal handler only sets a flag that the loop reads between steps, so a checkpoint is
never taken halfway through an update. A second Ctrl-C stops at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


class StopRequest:
    def __init__(self) -> None:
        self.requested = False
        self.signal_name = ""


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request  # signal handlers can only be installed in the main thread
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handle(signum, frame):
        if request.requested:  # the second signal: stop now
            raise KeyboardInterrupt
        request.requested = True
        request.signal_name = signal.Signals(signum).name

    for sig in previous:
        signal.signal(sig, handle)
    try:
        yield request
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
