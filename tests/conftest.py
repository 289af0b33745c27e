"""Shared test set-up: every test run gets its own platform directories and single-threaded torch."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    """Point config, data, cache and log folders at a temporary home so tests never touch the user's."""
    home = tmp_path_factory.mktemp("greenrfm-home")
    previous = os.environ.get("GREENRFM_HOME")
    os.environ["GREENRFM_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("GREENRFM_HOME", None)
    else:
        os.environ["GREENRFM_HOME"] = previous


def pytest_configure(config):
    # Two-core CI machines: one intra-op thread per test process keeps runs predictable.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import torch

        torch.set_num_threads(int(os.environ.get("GREENRFM_TEST_THREADS", "1")))
    except ImportError:
        pass
