"""The client factory decides between one Redis and a Redis Cluster from REDIS_URL alone, and
every script or multi-key command the app sends touches keys of one hash slot (what a cluster
requires). The same on a real cluster: tests/voting/test_cluster.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import SSLConnection
from redis.crc import key_slot

from core.ratelimit import RateLimiter
from core.redis import cluster_nodes, is_cluster_url, make_client
from reports.jobs import BookJobs
from voting.keys import SWEEP_CURSOR_KEY, SWEEP_LOCK_KEY, rebuild_lock_key, tally_keys

ROOT = Path(__file__).resolve().parents[2]
CODES = ["C1", "C2", "C3", "C4", "C5", "C6", "C7.1", "C7.2", "C7.3", "C7.4", "C7.5", "C7.6", "C7.7", "C7.8", "C8",
         "C9", "C10", "C11"]


def test_a_cluster_url_gives_the_cluster_client_seeded_with_every_node_named():
    client = make_client("redis+cluster://app:s%40cret@10.0.0.1:7000,10.0.0.2:7001,[fd00::3]:7002")
    assert isinstance(client, RedisCluster)
    seeds = client.nodes_manager.startup_nodes
    assert sorted(seeds) == ["10.0.0.1:7000", "10.0.0.2:7001", "fd00::3:7002"]
    node = seeds["10.0.0.1:7000"]
    assert node.connection_kwargs["username"] == "app" and node.connection_kwargs["password"] == "s@cret"
    assert node.connection_class is not SSLConnection


def test_a_rediss_cluster_url_speaks_tls_to_every_node():
    client = make_client("rediss+cluster://10.0.0.1:7000,10.0.0.2:7000?ssl_cert_reqs=none")
    assert isinstance(client, RedisCluster)
    for node in client.nodes_manager.startup_nodes.values():
        assert node.connection_class is SSLConnection
        assert node.connection_kwargs["ssl_cert_reqs"] == "none"


def test_any_other_url_gives_a_client_of_one_server():
    for url in ("redis://127.0.0.1:6379/3", "rediss://cache.example.org:6380/0", "unix:///tmp/redis.sock?db=0"):
        assert not is_cluster_url(url)
        client = make_client(url)
        assert isinstance(client, Redis) and not isinstance(client, RedisCluster)


def test_a_cluster_url_without_a_node_or_with_a_bad_one_is_refused():
    with pytest.raises(ValueError):
        cluster_nodes("redis+cluster://")
    with pytest.raises(ValueError):
        cluster_nodes("redis+cluster://10.0.0.1")


def _scripts_in_source() -> dict[str, int]:
    """Per module, how many Lua scripts the app's code sends (registered or EVALed)."""
    found = {}
    for path in ROOT.rglob("*.py"):
        if any(part in {".venv", "tests", "bench"} for part in path.relative_to(ROOT).parts):
            continue
        count = len(re.findall(r"register_script\(|\.eval\(", path.read_text()))
        if count:
            found[str(path.relative_to(ROOT))] = count
    return found


def test_every_script_and_multi_key_command_touches_keys_of_one_slot():
    """Each call site's keys, as the code builds them, for many editions and every category:
    one slot each. The list must name every script the app sends (the count below fails when
    a new one appears without its line here)."""
    limiter = RateLimiter(make_client("redis://127.0.0.1:1/0"))
    books = BookJobs.__new__(BookJobs)
    books.host = "app-1"
    calls: dict[str, list[list[str]]] = {
        # voting/tallies.py: _APPLY, _STATE, _STAMP take a category's six keys; the
        # rebuild's DEL takes the same six.
        "tally scripts and the rebuild's DEL": [tally_keys(year, code).all() for year in range(2016, 2040) for code in CODES],
        # voting/tallies.py: _EXTEND and _RELEASE, on the rebuild lock and the sweeper's lock
        "lock scripts": [[rebuild_lock_key(year)] for year in range(2016, 2040)] + [[SWEEP_LOCK_KEY]],
        # core/ratelimit.py: the sliding window, one key per (limit, subject)
        "rate limit window": [[limiter._key(name, subject)] for name in ("votes-ip", "votes-account", "login-ip")
                              for subject in ("198.51.100.7", "2001:db8::1", "198.51.100.0/24")],
        # reports/jobs.py: the book lock's release (after a build, and when a reader's stamp was already tried)
        "book lock release": [[books._key(year) + ":lock"] for year in range(2016, 2040)],
        # litestar's RedisStore: get-and-renew of one session key
        "session get-and-renew": [["prizes:session:" + "a" * 32]],
    }
    for what, key_lists in calls.items():
        for keys in key_lists:
            assert len({key_slot(k.encode()) for k in keys}) == 1, (what, keys)
    # Every script of ours is listed above (litestar's RedisStore has two more: get-and-renew,
    # above, and delete_all, which SCANs — core.redis.SessionStore replaces it on a cluster).
    assert _scripts_in_source() == {"voting/tallies.py": 5, "core/ratelimit.py": 1, "reports/jobs.py": 2}
    # the categories of an edition spread over 18 slots (so over the cluster's nodes)
    assert len({key_slot(tally_keys(2026, code).epoch.encode()) for code in CODES}) == 18
    assert SWEEP_CURSOR_KEY  # one key, plain GET and SET
