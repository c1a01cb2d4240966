from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_each_worker_freezes_its_start_up_objects_out_of_the_collector():
    hooks = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](worker=None)

        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
