"""core.batching.Coalescer: calls of one moment share one batch; each caller gets its own
answer or its own exception; a failed batch fails its callers only."""

from __future__ import annotations

import asyncio

import pytest

from core.batching import Coalescer


class Recorder:
    def __init__(self, fail_on: object = None, delay: float = 0.01) -> None:
        self.batches: list[list] = []
        self.fail_on = fail_on
        self.delay = delay

    async def __call__(self, items: list) -> list:
        self.batches.append(list(items))
        await asyncio.sleep(self.delay)
        if self.fail_on == "all":
            raise ConnectionError("down")
        return [ValueError(f"bad {i}") if i == self.fail_on else i * 10 for i in items]


async def test_calls_of_one_moment_share_one_batch_and_each_gets_its_answer():
    run = Recorder()
    batched = Coalescer(run, max_batch=100)
    assert await asyncio.gather(*(batched(i) for i in range(30))) == [i * 10 for i in range(30)]
    assert run.batches == [list(range(30))]


async def test_calls_arriving_while_a_batch_is_in_flight_form_the_next_batch():
    run = Recorder(delay=0.05)
    batched = Coalescer(run)
    first = asyncio.gather(*(batched(i) for i in range(3)))
    await asyncio.sleep(0.01)  # the first batch is in flight
    second = asyncio.gather(*(batched(i) for i in range(3, 8)))
    assert await first == [0, 10, 20] and await second == [30, 40, 50, 60, 70]
    assert run.batches == [[0, 1, 2], [3, 4, 5, 6, 7]]


async def test_a_batch_is_at_most_max_batch_items():
    run = Recorder()
    batched = Coalescer(run, max_batch=4)
    await asyncio.gather(*(batched(i) for i in range(10)))
    assert [len(b) for b in run.batches] == [4, 4, 2]


async def test_an_item_error_reaches_its_caller_only():
    batched = Coalescer(Recorder(fail_on=2))
    results = await asyncio.gather(*(batched(i) for i in range(4)), return_exceptions=True)
    assert results[0] == 0 and results[1] == 10 and results[3] == 30
    assert isinstance(results[2], ValueError) and str(results[2]) == "bad 2"


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_runs():
    run = Recorder(fail_on="all")
    batched = Coalescer(run)
    results = await asyncio.gather(*(batched(i) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    run.fail_on = None
    assert await batched(5) == 50


async def test_a_caller_that_gives_up_does_not_disturb_the_others():
    run = Recorder(delay=0.05)
    batched = Coalescer(run)
    impatient = asyncio.ensure_future(batched(1))
    patient = asyncio.ensure_future(batched(2))
    await asyncio.sleep(0.01)
    impatient.cancel()
    assert await patient == 20
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert run.batches == [[1, 2]]  # the work was done anyway


async def test_answers_of_the_wrong_length_fail_the_batch():
    async def short(items):
        return items[:-1]

    batched = Coalescer(short)
    results = await asyncio.gather(batched(1), batched(2), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)


def test_a_coalescer_serves_a_second_event_loop():
    run = Recorder()
    batched = Coalescer(run)
    assert asyncio.run(batched(1)) == 10
    assert asyncio.run(batched(2)) == 20
