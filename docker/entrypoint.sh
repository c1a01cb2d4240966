#!/bin/sh
# Wait for the database, migrate when ROLE=web (one migrator, never the workers), then
# run the container's command.
set -eu

python - <<'PY'
import sys
import time

import django

django.setup()
from django.db import connection
from django.db.utils import OperationalError

deadline = time.monotonic() + 60
while True:
    try:
        connection.ensure_connection()
        break
    except OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"entrypoint: the database is still unreachable after 60 s: {exc}")
        print("entrypoint: waiting for the database...", flush=True)
        time.sleep(1)
PY

if [ "${ROLE:-}" = "web" ]; then
    python manage.py migrate --noinput
fi

exec "$@"
