"""How a serving process runs Python itself.

The garbage collector, tuned once a worker has started (`tune_collector`): what the app made
at import and start-up (routes, models, templates, compiled schemas: a few hundred thousand
objects) is moved out of the collector's sight with `gc.freeze()`, and the first generation
is collected after 50,000 allocations instead of 700. Without it, the collector walks those
objects again and again under load, and a full collection stops the worker for tens of
milliseconds: on the vote benchmark (bench/votes.py, PostgreSQL, two workers, 64 connections)
the p99 was 143–153 ms before and 65–97 ms after, for the vote path and the trivial endpoint
alike. Cyclic garbage made while serving is still collected; it only waits longer.
"""

from __future__ import annotations

import gc

# (generation 0 allocations, generation 0 collections per generation 1, generation 1 per 2)
SERVING_THRESHOLDS = (50_000, 20, 10)


def tune_collector() -> None:
    """Freeze what exists now and space out the collections (see the module's text). Only for
    a process that serves for long: a test process that makes many apps would keep each one's
    objects for good."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)
