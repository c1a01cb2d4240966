"""A test email backend for worker subprocesses: slow, and one file per email sent.

Emails go to the folder WALKRX_TEST_EMAIL_DIR. Each message first leaves a ``sending-*``
marker, then waits WALKRX_TEST_EMAIL_DELAY seconds (so a test can kill the worker
mid-send), then writes ``sent-*.eml``.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(os.environ["WALKRX_TEST_EMAIL_DIR"])
        delay = float(os.environ.get("WALKRX_TEST_EMAIL_DELAY", "0"))
        for message in email_messages:
            name = uuid.uuid4().hex
            (folder / f"sending-{name}").write_text(",".join(message.to))
            time.sleep(delay)
            (folder / f"sent-{name}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)
