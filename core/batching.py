"""Group commit for the hot paths: calls that arrive while a batch is being gathered or is in
flight are served together by one batched call — one round trip to Redis, one statement and
one commit in the database — instead of one each.

Under no load a call is its own batch and waits for nothing (the batch starts on the event
loop's next turn); under a burst the batches grow by themselves: while one is in flight the
next gathers everything that arrives meanwhile, up to `max_batch` items. Each caller gets its
own result or its own exception; a batch that fails as a whole fails every call in it.

A coalescer belongs to one event loop: bound to the first loop that uses it, it starts afresh
when another loop does (a test's second app), never mixing futures of two loops.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Generic, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Coalescer(Generic[T, R]):
    def __init__(self, run: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]], *, max_batch: int = 200,
                 concurrency: int = 1) -> None:
        """`run(items)` answers one result per item, in order; an exception instance in its
        answer is raised to that item's caller only. `concurrency`: batches in flight at once."""
        self._run = run
        self._max = max_batch
        self._slots = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: list[tuple[T, asyncio.Future]] = []
        self._active = 0
        self._tasks: set[asyncio.Task] = set()

    async def __call__(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._queue, self._active, self._tasks = loop, [], 0, set()
        future: asyncio.Future = loop.create_future()
        self._queue.append((item, future))
        if self._active < self._slots:
            self._active += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        loop = self._loop
        try:
            while self._queue:
                batch = self._queue[: self._max]
                del self._queue[: self._max]
                try:
                    results = await self._run([item for item, _future in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(f"a batch of {len(batch)} answered {len(results)} results")
                except BaseException as error:  # noqa: BLE001 — every caller of the batch gets it
                    for _item, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    if isinstance(error, (asyncio.CancelledError, KeyboardInterrupt, SystemExit)):
                        raise
                    continue
                for (_item, future), result in zip(batch, results):
                    if future.done():  # its caller gave up (cancelled); the work is done anyway
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            if self._loop is loop:
                self._active -= 1
