"""Throwaway Redis servers and PostgreSQL clusters for the fault tests (never the shared ones)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from clinic.celery import app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: this fault test starts its own {name}.")
    return path


def require_postgresql_test_db() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs the PostgreSQL test database (DATABASE_URL=postgres://...): another "
            "process or concurrent connections must see the data; CI runs it there."
        )


class OwnRedis:
    """A redis-server on a spare port, with no persistence, that a test may stop and start."""

    def __init__(self, workdir: Path) -> None:
        self.server = require_binary("redis-server")
        self.cli = require_binary("redis-cli")
        self.port = free_port()
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(  # noqa: S603 - fixed command line
            [
                self.server,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "yes",
                "--pidfile", str(self.dir / "redis.pid"),
                "--logfile", str(self.dir / "redis.log"),
                "--dir", str(self.dir),
            ],
            check=True,
        )  # fmt: skip
        self._wait(up=True)

    def stop(self) -> None:
        subprocess.run(  # noqa: S603
            [self.cli, "-p", str(self.port), "shutdown", "nosave"],
            capture_output=True,
            check=False,
        )
        self._wait(up=False)

    def is_up(self) -> bool:
        result = subprocess.run(  # noqa: S603
            [self.cli, "-p", str(self.port), "ping"], capture_output=True, check=False
        )
        return result.stdout.strip() == b"PONG"

    def cli_output(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [self.cli, "-p", str(self.port), *args], capture_output=True, check=True
        )
        return result.stdout.decode().strip()

    def _wait(self, *, up: bool) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.is_up() == up:
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis on port {self.port} did not {'start' if up else 'stop'}")


def _reset_broker_connections() -> None:
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str):
    """Point this process's Celery app at ``url`` (through the broker, not eagerly)."""
    conf = app.conf
    saved = (conf.broker_url, conf.broker_transport_options, conf.task_always_eager)
    # Celery prefers the CELERY_BROKER_URL environment variable (CI sets it) over
    # conf.broker_url when it opens a connection, so point both at the test's broker.
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    conf.broker_url = url
    conf.broker_transport_options = dict(settings.WALKRX_REDIS_TRANSPORT_OPTIONS)
    conf.task_always_eager = False
    _reset_broker_connections()
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
        _reset_broker_connections()


def queued_messages(redis_url: str, queue: str = "celery") -> list[tuple[str, list, dict]]:
    """Take every message off ``queue``: (task name, args, kwargs)."""
    taken = []
    with app.connection_for_read(redis_url) as conn:
        simple = conn.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = simple.get(block=False)
                except simple.Empty:
                    break
                args, kwargs, _embed = message.decode()
                taken.append((message.headers["task"], args, kwargs))
                message.ack()
        finally:
            simple.close()
    return taken


def database_url_for_subprocess() -> str:
    """The URL of the test database this process uses, for a worker's environment."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or (
        [shutil.which(name)] if shutil.which(name) else []
    )
    if not found:
        pytest.skip(f"{name} is not installed: this fault test starts its own PostgreSQL.")
    return found[-1]


class OwnPostgres:
    """A PostgreSQL cluster in a temp folder on a spare port (run as 'postgres' under root)."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
        self.port = free_port()
        # Not under pytest's tmp_path: the postgres user must be able to reach it.
        self.dir = Path(tempfile.mkdtemp(prefix="walkrx-faults-pg-"))
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def remove(self) -> None:
        """Stop the cluster if it runs and delete its folder."""
        if self.data.exists() and self.is_running():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)  # noqa: S603

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/walkrx"

    def init(self) -> None:
        self._run(self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()
        psql = postgres_bin("psql")
        self._run(psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "-c", "CREATE DATABASE walkrx")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "pg.log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def is_running(self) -> bool:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        result = subprocess.run(  # noqa: S603
            [*prefix, self.pg_ctl, "-D", str(self.data), "status"], capture_output=True
        )
        return result.returncode == 0
