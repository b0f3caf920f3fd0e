"""Run a native step (OpenCV) in a child process that can be stopped at the job's deadline.

Dramatiq enforces a job's time limit by raising an exception in the worker thread, which Python delivers
only between bytecodes: a long native call (GrabCut's max-flow on a crafted image ran 131 s against a 30 s
limit) finishes before the exception lands. Bounding the input is not enough, because GrabCut's cost on a
640x640 image still ranges from 0.5 s to over 20 s depending on its content. Such steps run here, in a
child forked from a small server process that has numpy and OpenCV loaded (``forkserver``: ~10 ms per
call, no copy of the worker's threads or locks), and the child is killed when the deadline passes.

Steps whose cost is bounded by the pixel limit alone (Pillow resizes, colour conversions) stay in the
worker thread: they overrun the limit by at most their own, bounded, duration.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from inference.errors import PermanentJobError

# Modules the server process imports once, so that each forked child starts with them loaded.
PRELOAD = ["inference.operations.native"]
# How often the waiting worker thread wakes up: lets Dramatiq's own time-limit exception and a
# cancellation land while the child works.
POLL_INTERVAL_S = 0.1


class StepFailed(Exception):
    """The native step raised (``kind`` is the exception's class name) or its process died."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _child(connection: Connection, step: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        result = step(*args)
    except Exception as exc:  # reported to the parent, which decides what it means for the job
        connection.send(("error", type(exc).__name__, str(exc)))
    else:
        connection.send(("ok", result))
    finally:
        connection.close()


def run_isolated(
    step: Callable[..., Any],
    *args: Any,
    deadline: float,
    what: str,
    check_cancelled: Callable[[], None] | None = None,
) -> Any:
    """``step(*args)`` in a child process, killed at ``deadline`` (``time.monotonic()``).

    Raises PermanentJobError ``timeout`` past the deadline, :class:`StepFailed` if the step raised or its
    process died (e.g. killed for memory); whatever happens, the child is gone when this returns.
    """
    if time.monotonic() >= deadline:
        raise PermanentJobError("timeout", f"The job reached its time limit before {what}.")
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, step, args), daemon=True)
    process.start()
    sender.close()
    try:
        while not receiver.poll(max(0.0, min(POLL_INTERVAL_S, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                raise PermanentJobError("timeout", f"The job reached its time limit during {what}.")
            if check_cancelled is not None:
                check_cancelled()
        try:
            message = receiver.recv()
        except EOFError:
            process.join(1)
            raise StepFailed(
                "died", f"{what} stopped without an answer (exit code {process.exitcode})"
            ) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()
    if message[0] == "ok":
        return message[1]
    raise StepFailed(message[1], message[2])
