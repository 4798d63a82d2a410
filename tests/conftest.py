"""Shared test setup: headless Qt, isolated settings, seeded runs, and no leaked threads."""

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Each test gets its own settings file, so no test sees another's (or a user's) settings."""
    monkeypatch.setenv("VISUALIZER_SETTINGS", str(tmp_path_factory.mktemp("settings") / "visualizer.ini"))


@pytest.fixture(autouse=True)
def _no_leaked_threads():
    """Fail any test that leaves a worker thread running (napari's _dangling_qthreads idea)."""
    before = set(threading.enumerate())
    yield
    leaked = []
    for thread in threading.enumerate():
        if thread in before or not thread.is_alive():
            continue
        thread.join(timeout=2.0)  # a worker told to stop gets a moment to finish its step
        if thread.is_alive():
            leaked.append(thread.name)
    if leaked:
        pytest.fail(f"test left threads running: {leaked}")


@pytest.fixture
def one_torch_thread():
    """Small models train fastest on one torch thread (and the lab's process on 2 cores uses one)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
