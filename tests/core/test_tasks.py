"""The background loops stop when asked, whatever their step does with the cancellation,
and stopping never waits longer than its grace."""

from __future__ import annotations

import asyncio
import time

from core.tasks import every, stop_all


async def test_a_failing_step_is_retried_at_the_next_tick():
    calls = []

    async def step():
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("the database is away")

    task = asyncio.create_task(every(0.01, step, "test loop"))
    while len(calls) < 3:
        await asyncio.sleep(0.01)
    await stop_all([task], grace=2)
    assert task.cancelled()


async def test_a_loop_stops_even_when_its_step_swallows_the_cancellation():
    started = asyncio.Event()

    async def step():  # as a library that catches CancelledError and returns
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            return

    task = asyncio.create_task(every(0.01, step, "test loop"))
    await started.wait()
    begun = time.monotonic()
    await stop_all([task], grace=5)
    assert task.done() and task.cancelled() and time.monotonic() - begun < 1


async def test_a_loop_stops_when_its_step_turns_the_cancellation_into_an_error():
    started = asyncio.Event()

    async def step():
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            raise ConnectionError("connection lost") from None

    task = asyncio.create_task(every(0.01, step, "test loop"))
    await started.wait()
    await stop_all([task], grace=5)
    assert task.done() and task.cancelled()


async def test_stopping_waits_no_longer_than_the_grace(caplog):
    release = asyncio.Event()

    async def stubborn():  # ignores cancellation until released
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    begun = time.monotonic()
    await stop_all([task, None], grace=0.2)
    assert 0.2 <= time.monotonic() - begun < 2 and not task.done()
    assert "stubborn did not stop within 0.2 s" in caplog.text
    release.set()
    await task
