"""PostgreSQL restarted under load: 503s (never a 500 or a trace) and recovery in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.faults.services import OwnPostgres, free_port

pytestmark = pytest.mark.faults

PASSWORD = "Walk-safely-2026!"


def request(url: str, *, data: dict | None = None, headers: dict | None = None):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(  # noqa: S310 - loopback only
        url, data=body, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"Timed out waiting for {what}")


def test_a_postgres_restart_gives_503s_then_the_same_server_recovers(tmp_path):
    pg = OwnPostgres()
    server = None
    log_path = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": pg.url,
        "CONN_MAX_AGE": "60",
        "SECRET_KEY": "fault-test-secret",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_BROKER_DIR": str(tmp_path / "broker"),
        "API_THROTTLE_USER": "100000/min",
    }
    manage = [sys.executable, "manage.py"]
    try:
        pg.init()
        for command in (
            ["migrate", "--noinput"],
            ["create_therapist", "dr_fault", "--clinic", "Fault Clinic", "--noinput"],
        ):
            subprocess.run(  # noqa: S603
                [*manage, *command],
                cwd=settings.BASE_DIR,
                env={**env, "THERAPIST_PASSWORD": PASSWORD},
                check=True,
                capture_output=True,
                input=f"{PASSWORD}\n{PASSWORD}\n".encode(),
            )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log_path.open("wb") as log:
            server = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "gunicorn", "clinic.wsgi:application",
                 "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
                 "--worker-class", "gthread", "--timeout", "30"],
                cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_until(lambda: _is_serving(base), 30, "gunicorn")
        status, _, body = request(
            f"{base}/api/v1/auth/login/", data={"username": "dr_fault", "password": PASSWORD}
        )
        assert status == 200, body
        auth = {"Authorization": f"Bearer {json.loads(body)['token']}"}

        seen: list[tuple[str, float, int, dict, str]] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                status, headers, body = request(f"{base}/api/v1/patients/", headers=auth)
                seen.append(("api", time.monotonic(), status, headers, body))
                time.sleep(0.02)

        threads = [threading.Thread(target=load) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            wait_until(lambda: any(s == 200 for _, _, s, _, _ in seen[:]), 30, "a first 200")
            stopped_at = time.monotonic()
            pg.stop()
            time.sleep(2)
            html = _html_admin(base)
            pg.start()
            started_at = time.monotonic()
            wait_until(
                lambda: any(s == 200 and t > started_at for _, t, s, _, _ in seen[:]),
                30,
                "a 200 after the restart",
            )
            time.sleep(1)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=15)
        assert server.poll() is None, "the server process died"
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        pg.remove()

    statuses = {s for _, _, s, _, _ in seen}
    assert statuses <= {200, 503}, f"unexpected statuses {statuses}:\n{log_path.read_text()}"
    down = [(h, b) for _, t, s, h, b in seen if s == 503]
    assert down, "no request saw the outage"
    assert all(json.loads(b) == {"detail": "Service temporarily unavailable, please retry."}
               for _, b in down)  # fmt: skip
    assert all(h.get("Retry-After") for h, _ in down)
    assert not any("Traceback" in b for *_, b in seen)
    assert any(s == 200 and t < stopped_at for _, t, s, _, _ in seen)
    assert any(s == 200 and t > started_at for _, t, s, _, _ in seen)
    assert html[0] == 503
    assert "briefly unavailable" in html[2]
    assert "Traceback" not in html[2]
    # The one gunicorn worker served throughout: no process restart.
    assert log_path.read_text().count("Booting worker") == 1


def _is_serving(base: str) -> bool:
    try:
        return request(f"{base}/api/v1/auth/login/")[0] in {400, 405}
    except OSError:
        return False


def _html_admin(base: str):
    """A non-API page that needs the database: the admin, with a session cookie to look up."""
    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(  # noqa: S310
        f"{base}/admin/", headers={"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}
    )
    try:
        with opener.open(req, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()
