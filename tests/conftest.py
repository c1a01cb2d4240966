from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    """Fast hashing and in-memory email for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _tasks_run_inline():
    """Enqueued tasks run in-process unless a test starts a real worker.

    Tests that exercise the broker (the Celery worker integration tests) switch this off.
    """
    from clinic.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
