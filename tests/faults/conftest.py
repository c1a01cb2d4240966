from __future__ import annotations

import pytest

from tests.faults.services import OwnRedis


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path / "redis")
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
