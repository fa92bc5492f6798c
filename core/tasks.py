"""The background loops each app process runs (phase ticker, tally sweeper, mail worker), and
how they stop.

A loop step that fails is logged and retried at the next tick. A loop stops when its task is
cancelled — also when a library caught the cancellation and turned it into an error or a
normal return (the task's `cancelling()` count still says it was asked to stop). Stopping
waits a bounded time, so that one stuck task cannot hold the app's shutdown forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

log = logging.getLogger("prizes.tasks")


def _asked_to_stop() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def every(seconds: float, step: Callable[[], Awaitable[object]], name: str, *, first_wait: bool = False) -> None:
    """Run `step` every `seconds` until cancelled."""
    if first_wait:
        await asyncio.sleep(seconds)
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            if _asked_to_stop():
                raise asyncio.CancelledError from None
            log.exception("%s failed; next try in %s s", name, seconds)
        if _asked_to_stop():
            raise asyncio.CancelledError
        await asyncio.sleep(seconds)


async def stop_all(tasks: Iterable[asyncio.Task | None], grace: float = 10.0) -> None:
    """Cancel the tasks and wait for them, `grace` seconds at most (a task still running
    then is logged and left behind)."""
    running = [t for t in tasks if t is not None]
    for task in running:
        task.cancel()
    if not running:
        return
    done, pending = await asyncio.wait(running, timeout=grace)
    for task in pending:
        log.error("background task %s did not stop within %s s", task.get_name(), grace)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s ended with %r", task.get_name(), task.exception())
