"""The Celery app. Periodic tasks live in the database (django-celery-beat)."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init, worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_filesystem_broker_folders() -> None:
    """kombu's filesystem transport does not create its own folders."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_broker_on_configure(**_kwargs) -> None:
    ensure_filesystem_broker_folders()


@worker_init.connect
def _prepare_broker(**_kwargs) -> None:
    from clinic.conf import refuse_insecure_secret_key

    refuse_insecure_secret_key()
    ensure_filesystem_broker_folders()


@worker_process_init.connect
def freeze_start_up_objects(**_kwargs) -> None:
    """Each worker process freezes what loading Django and the tasks allocated out of the
    cyclic collector's reach, as the web workers do (gunicorn.conf.py): without it a
    full collection in a watch chunk scanned every start-up object again, ~30 ms a time
    (issue 7)."""
    gc.freeze()


@beat_init.connect
def _refuse_insecure_key_in_beat(**_kwargs) -> None:
    from clinic.conf import refuse_insecure_secret_key

    refuse_insecure_secret_key()
