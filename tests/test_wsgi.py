"""The WSGI entry point leaves what it loaded out of the cycle collector's full passes."""

from __future__ import annotations

import gc
import importlib

import config.wsgi


def test_loading_the_application_freezes_what_it_loaded() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    importlib.reload(config.wsgi)
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()  # the test process collects as usual
