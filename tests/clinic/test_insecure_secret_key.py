from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from clinic.conf import refuse_insecure_secret_key


def _env_without_secret_key(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return {**env, **extra}


def test_it_refuses_the_development_key_outside_debug(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET_KEY

    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        refuse_insecure_secret_key()


def test_it_allows_the_development_key_in_debug(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = settings.INSECURE_DEFAULT_SECRET_KEY

    refuse_insecure_secret_key()


def test_the_web_server_entry_point_will_not_start_on_the_development_key():
    result = subprocess.run(
        [sys.executable, "-c", "import clinic.wsgi"],
        cwd=settings.BASE_DIR,
        env=_env_without_secret_key(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY is the insecure development default" in result.stderr


def test_management_commands_still_run_on_the_development_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=_env_without_secret_key(DATABASE_URL="sqlite:///:memory:"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
