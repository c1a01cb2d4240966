"""API load: gunicorn on loopback, wrk at concurrency 8 and 32, each endpoint and its twin.

The server, the load generator and PostgreSQL share the machine, as they would on a
2-core box; both sides of each ratio are measured in the same run against the same
server. Requests rotate over TOKENS patients (bearer tokens issued here).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8100"))
TOKENS = 100

LUA = r"""
local tokens = {%(tokens)s}
local paths = {%(paths)s}
local method = "%(method)s"
local body = %(body)s
local n = 0
request = function()
  n = n + 1
  local i = (n %% #tokens) + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[i]
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, paths[i], headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50": %%d, "p95": %%d, "p99": %%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class Endpoint:
    label: str
    method: str
    api_paths: list[str]
    twin_paths: list[str]
    body: str | None = None


@dataclass
class LoadResult:
    endpoint: str
    variant: str  # "api", "twin" or "nodb"
    concurrency: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    requests: int


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DEBUG": "false",
            "WALKRX_BENCH_TWINS": "true",
            "API_THROTTLE_USER": "100000000/min",
            "ALLOWED_HOSTS": f"{HOST},localhost",
            # Plain HTTP on loopback: in production TLS ends at the proxy in front.
            "SECURE_SSL_REDIRECT": "false",
            "CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING",
            # WhiteNoise warns that collectstatic never ran; the API serves no static files.
            "PYTHONWARNINGS": "ignore::UserWarning",
        }
    )
    return env


class Gunicorn:
    """gunicorn on HOST:PORT for the duration of a ``with`` block (always stopped)."""

    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.env, self.workers, self.proc = env, workers, None

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "clinic.wsgi:application",
                "--bind",
                f"{HOST}:{PORT}",
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                "--backlog",
                "256",
            ],
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://{HOST}:{PORT}/bench/nodb/", timeout=2).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("gunicorn exited during start-up") from None
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def issue_tokens(count: int = TOKENS) -> list[tuple[int, str]]:
    """Bearer tokens for the first ``count`` active bench patients with a current program."""
    from bench.generate import bench_patients
    from clinic.api.tokens import api_token_issue
    from patients.models import Patient
    from programs.models import WalkingProgram

    patients = (
        bench_patients()
        .filter(status=Patient.Status.ACTIVE, programs__status=WalkingProgram.Status.ACTIVE)
        .select_related("user")
        .order_by("id")[:count]
    )
    return [(p.id, api_token_issue(user=p.user).raw) for p in patients]


def _get(path: str, token: str) -> dict:
    request = urllib.request.Request(
        f"http://{HOST}:{PORT}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def _strip_host(url: str) -> str:
    return url.split(f"{HOST}:{PORT}", 1)[-1] if "://" in url else url


def last_page(first: str, token: str, *, twin: bool) -> tuple[str, int]:
    """The path of the last (oldest) page of the walk list, following ``next``; its depth."""
    path, depth = first, 1
    while True:
        following = _get(path, token).get("next")
        if not following:
            return path, depth
        path = _strip_host(following) if not twin else first.split("?")[0] + following
        depth += 1


def endpoints(tokens: list[tuple[int, str]]) -> list[Endpoint]:
    raws = [raw for _, raw in tokens]
    deep_api, deep_twin, depth = [], [], 0
    for raw in raws:
        api_path, depth = last_page("/api/v1/me/walks/", raw, twin=False)
        twin_path, _ = last_page("/bench/me/walks/", raw, twin=True)
        deep_api.append(api_path)
        deep_twin.append(twin_path)
    started = (timezone.now() - timedelta(hours=2)).isoformat()
    body = json.dumps(
        {
            "started_at": started,
            "duration_minutes": 20,
            "kind": "outdoor",
            "talk_test": "brisk",
            "pain_before": 4,
            "pain_after": 3,
        }
    )
    n = len(raws)
    return [
        Endpoint("GET /me/today/", "GET", ["/api/v1/me/today/"] * n, ["/bench/me/today/"] * n),
        Endpoint(
            "GET /me/walks/ (first page)",
            "GET",
            ["/api/v1/me/walks/"] * n,
            ["/bench/me/walks/"] * n,
        ),
        Endpoint(f"GET /me/walks/ (page {depth}, oldest)", "GET", deep_api, deep_twin),
        Endpoint(
            "GET /me/progress/", "GET", ["/api/v1/me/progress/"] * n, ["/bench/me/progress/"] * n
        ),
        Endpoint(
            "POST /me/walks/", "POST", ["/api/v1/me/walks/"] * n, ["/bench/me/walks/"] * n, body
        ),
    ]


def _lua(tokens: list[str], paths: list[str], method: str, body: str | None) -> str:
    quote = json.dumps  # a JSON string literal is a valid Lua string literal here
    return LUA % {
        "tokens": ", ".join(quote(t) for t in tokens),
        "paths": ", ".join(quote(p) for p in paths),
        "method": method,
        "body": "[[" + body + "]]" if body else "nil",
    }


def run_wrk(script: str, *, concurrency: int, seconds: int, threads: int = 2) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        path = f.name
    try:
        out = subprocess.run(  # noqa: S603
            [
                wrk_binary(),
                "-t",
                str(min(threads, concurrency)),
                "-c",
                str(concurrency),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                path,
                f"http://{HOST}:{PORT}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        Path(path).unlink(missing_ok=True)
    line = next(ln for ln in out.splitlines() if ln.startswith("WRKJSON "))
    return json.loads(line.removeprefix("WRKJSON "))


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    return found


def _result(label: str, variant: str, concurrency: int, raw: dict) -> LoadResult:
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return LoadResult(
        endpoint=label,
        variant=variant,
        concurrency=concurrency,
        rps=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50"] / 1000,
        p95_ms=raw["p95"] / 1000,
        p99_ms=raw["p99"] / 1000,
        errors=errors,
        requests=raw["requests"],
    )


def measure_load(
    eps: list[Endpoint],
    tokens: list[str],
    *,
    concurrencies: tuple[int, ...] = (8, 32),
    seconds: int = 10,
    warmup: int = 2,
    progress=print,
) -> list[LoadResult]:
    """Each endpoint then its twin, at each concurrency; a no-database twin at the end."""
    results = []
    if warmup:  # every worker imports and connects lazily on its first requests
        for ep in eps:
            for paths in (ep.api_paths, ep.twin_paths):
                run_wrk(_lua(tokens, paths, ep.method, ep.body), concurrency=8, seconds=warmup)
    for ep in eps:
        for variant, paths in (("api", ep.api_paths), ("twin", ep.twin_paths)):
            script = _lua(tokens, paths, ep.method, ep.body)
            for c in concurrencies:
                r = _result(ep.label, variant, c, run_wrk(script, concurrency=c, seconds=seconds))
                progress(
                    f"  {ep.label:<34} {variant:<5} c={c:<3} {r.rps:8.1f} req/s  "
                    f"p95 {r.p95_ms:6.1f} ms  errors {r.errors}"
                )
                results.append(r)
    nodb = _lua(tokens, ["/bench/nodb/"] * len(tokens), "GET", None)
    for c in concurrencies:
        r = _result(
            "GET /bench/nodb/ (no database)",
            "nodb",
            c,
            run_wrk(nodb, concurrency=c, seconds=seconds),
        )
        progress(f"  no-database twin c={c:<3} {r.rps:8.1f} req/s")
        results.append(r)
    return results


def query_counts(eps: list[Endpoint], tokens: list[str]) -> dict[tuple[str, str], int]:
    """Queries per request of each endpoint and twin (in-process test Client, same token)."""
    counts = {}
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
        for ep in eps:
            for variant, paths in (("api", ep.api_paths), ("twin", ep.twin_paths)):
                call = client.post if ep.method == "POST" else client.get
                kwargs = {"data": ep.body, "content_type": "application/json"} if ep.body else {}
                call(paths[0], **kwargs)  # warm (token touch)
                with CaptureQueriesContext(connection) as ctx:
                    response = call(paths[0], **kwargs)
                if response.status_code not in (200, 201):  # a 301 would measure a redirect
                    raise RuntimeError(f"{variant} {paths[0]}: HTTP {response.status_code}")
                counts[(ep.label, variant)] = len(ctx.captured_queries)
    return counts
