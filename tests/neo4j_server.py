"""The local Neo4j server of ``tools/neo4j-server/neo4j.sh``, driven from the tests.

The suite's server lives in its own home (``tools/neo4j-server/target/test-home``) on its own
ports, so a developer's server on 7687 is never touched or wiped. ``KOLGRAPH_NEO4J_URI``, when
set, replaces it (the tests then clear kolgraph's nodes in that database).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
SCRIPT = REPO_ROOT / "tools" / "neo4j-server" / "neo4j.sh"
TEST_HOME = REPO_ROOT / "tools" / "neo4j-server" / "target" / "test-home"

HOW_TO_GET_JAVA = (
    "the local Neo4j needs Java 17 and Maven (Debian: apt-get install openjdk-17-jdk-headless "
    "maven), or point KOLGRAPH_NEO4J_URI at a running Neo4j 5.26"
)


def missing_tools() -> list[str]:
    """The programs the local server needs that are not on PATH."""
    return [t for t in ("java", "javac", "mvn", "python3") if shutil.which(t) is None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalNeo4j:
    """One server home: ``start`` / ``stop`` / ``admin`` through ``neo4j.sh``."""

    home: Path
    bolt_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    heap: str = "1g"
    pagecache: str = "256m"
    uri: str = ""
    started_here: bool = False

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KOLGRAPH_NEO4J_HOME=str(self.home),
            KOLGRAPH_NEO4J_BOLT_PORT=str(self.bolt_port),
            KOLGRAPH_NEO4J_HTTP_PORT=str(self.http_port),
            KOLGRAPH_NEO4J_HEAP=self.heap,
            KOLGRAPH_NEO4J_PAGECACHE=self.pagecache,
        )
        return env

    def _script(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(SCRIPT), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def running(self) -> bool:
        return self._script("status", timeout=60).returncode == 0

    def start(self) -> str:
        """Start (or find running) and return the Bolt URI; raise RuntimeError with the log."""
        was_running = self.running()
        res = self._script("start")
        if res.returncode != 0:
            raise RuntimeError(f"neo4j.sh start failed:\n{res.stderr[-4000:]}")
        self.uri = res.stdout.strip().splitlines()[-1]
        self.started_here = self.started_here or not was_running
        # a running server keeps its ports: read them back from the printed URI
        self.bolt_port = int(self.uri.rsplit(":", 1)[1])
        self.http_port = self.configured_http_port()
        return self.uri

    def configured_http_port(self) -> int:
        conf = self.home / "conf" / "neo4j.conf"
        for line in conf.read_text().splitlines():
            if line.startswith("server.http.listen_address="):
                return int(line.rsplit(":", 1)[1])
        return self.http_port

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def stop(self) -> None:
        res = self._script("stop", timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"neo4j.sh stop failed:\n{res.stderr[-2000:]}")

    def admin(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return self._script("admin", *args, timeout=timeout)
