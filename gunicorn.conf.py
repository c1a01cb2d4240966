"""gunicorn's settings, read from the working directory (the repository root, and /app in
the image). Command-line flags (workers, bind) still come from whoever starts it."""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Freeze what loading Django and the app allocated (~150,000 objects) out of the
    cyclic collector's reach, so a full collection scans only what requests leave behind:
    without it a full collection paused the worker for up to 150 ms, the API's p99 tail
    (issue 7; the technique gc.freeze() documents for long-lived start-up objects)."""
    gc.freeze()
