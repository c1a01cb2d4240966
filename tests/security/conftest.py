from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Throttle counters live in the cache; start every test from zero."""
    cache.clear()
    yield
    cache.clear()
