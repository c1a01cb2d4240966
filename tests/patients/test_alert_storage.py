import pytest
from django.db import connection

from patients.models import Alert

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
def test_alert_pages_keep_room_for_the_daily_refreshes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [Alert._meta.db_table])
        (options,) = cursor.fetchone()

    assert options == ["fillfactor=70"]
