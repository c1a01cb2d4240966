from __future__ import annotations

import gc

from celery.signals import worker_process_init

import clinic.celery  # noqa: F401 - connects the app's signal handlers


def test_each_worker_process_freezes_its_start_up_objects_once_started():
    gc.unfreeze()
    try:
        worker_process_init.send(sender=None)

        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
