"""The lab's own process: faults are survived and said in words, large frames travel through
shared memory that is always unlinked, the process ends with the window, and the lab's process
never imports Qt while the window's never imports torch."""

import os
import subprocess
import sys
import textwrap
import time
from multiprocessing import shared_memory
from pathlib import Path

import numpy as np
import pytest

from tests.support import RUNNER_TIMEOUT as TIMEOUT
from tests.support import sync
from visualizer.core import transport
from visualizer.ui import runner as runner_module
from visualizer.ui.runner import ERROR, PAUSED, RUNNING

ROOT = Path(__file__).resolve().parents[2]


def gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie nobody reaps counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):   # reaped between the open and the read
        return True
    return "\nState:\tZ" in state or "\nState:\tX" in state


@pytest.mark.parametrize("fault, words", [
    ("exit", "exit code 3"),
    ("segfault", "signal 11 (SIGSEGV), a crash in native code"),
    ("kill", "signal 9 (SIGKILL), probably out of memory"),
])
def test_a_dead_model_process_is_said_in_words_and_reset_starts_a_new_one(qtbot, make_runner, fault, words):
    runner, consumer = make_runner(fault=fault, fault_at=3)
    first_pid = runner.child_pid
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT) as failed:
        runner.play()
    assert "The model process ended unexpectedly" in failed.args[0] and words in failed.args[0]
    qtbot.waitUntil(lambda: runner.state == ERROR, timeout=TIMEOUT)
    assert gone(first_pid)
    runner.set_params({"fault": "none"})          # what the user chose is kept and used
    qtbot.waitUntil(lambda: runner.state == PAUSED and runner.child_pid != first_pid, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: consumer.frames[-1].step == 0, timeout=TIMEOUT)
    runner.play()
    qtbot.waitUntil(lambda: runner.lab_steps >= 5, timeout=TIMEOUT)  # the new process trains past step 3
    assert runner.ask("get", "options.fault") == "none"


def test_a_hung_step_is_noticed_and_reset_replaces_the_process(qtbot, make_runner, monkeypatch):
    monkeypatch.setattr(runner_module, "UNRESPONSIVE_AFTER", 0.5)
    runner, consumer = make_runner(fault="hang", fault_at=1)
    hung_pid = runner.child_pid
    sync(qtbot, runner)        # the start-up messages are in: a late one would count as the step's answer
    runner.step_once()
    qtbot.waitUntil(lambda: runner.unresponsive_for() > 0.6, timeout=TIMEOUT)
    assert runner.needs_restart()
    started_at = time.perf_counter()
    runner.reset(seed=0)                            # ends the hung process, starts a new one
    assert time.perf_counter() - started_at < 1.5
    assert gone(hung_pid)
    qtbot.waitUntil(lambda: runner.state == PAUSED and runner.child_pid not in (None, hung_pid), timeout=TIMEOUT)
    assert sync(qtbot, runner) == 0


def test_stop_ends_a_process_stuck_in_a_step_within_a_second(qtbot, make_runner):
    runner, _ = make_runner(fault="hang", fault_at=1)
    pid = runner.child_pid
    runner.play()
    qtbot.waitUntil(lambda: runner.state == RUNNING, timeout=TIMEOUT)
    began = time.perf_counter()
    assert runner.stop(timeout=1.0)
    assert time.perf_counter() - began < 1.2
    assert gone(pid)


def test_a_large_frame_arrives_whole_through_shared_memory_and_is_unlinked(qtbot, make_runner):
    runner, consumer = make_runner(big_mb=80)          # like a MiniLM frame at 512 tokens (75 MB)
    big = consumer.frames[-1]["big"]
    assert big.nbytes == 80 << 20 and big.dtype == np.float32
    assert big[0] == 0 and big[-1] == big.size - 1
    runner.step_once()
    qtbot.waitUntil(lambda: consumer.frames[-1].step == 1, timeout=TIMEOUT)
    assert consumer.frames[-1]["big"][5] == 6
    assert list(consumer.frames[-1].arrays) == ["weights", "true_weights", "loss", "big"]
    assert transport.leftover_segments(os.getpid(), runner.child_pid) == []


def test_segments_a_crashed_process_left_are_unlinked(qtbot, make_runner):
    runner, _ = make_runner()
    name = transport.segment_prefix(os.getpid(), runner.child_pid) + "99"
    left = shared_memory.SharedMemory(name=name, create=True, size=4096)   # as if a frame was in flight
    left.close()
    assert transport.leftover_segments(os.getpid(), runner.child_pid) == [name]
    runner.set_params({"fault": "kill", "fault_at": 1})
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT):
        runner.step_once()
    qtbot.waitUntil(lambda: runner.state == ERROR, timeout=TIMEOUT)
    assert transport.leftover_segments(os.getpid()) == []


def test_lab_process_never_imports_qt(qtbot, make_runner):
    runner, _ = make_runner()
    assert runner.ask("modules", "PySide6", "pyqtgraph", "torch") == ["torch"]
    assert runner.ask("pid") == runner.child_pid != os.getpid()


WINDOW_DIES = """
import os, sys, time
sys.path.insert(0, {root!r})

def main():
    from PySide6.QtCore import QCoreApplication
    from visualizer.core import transport
    from visualizer.ui.runner import LabRunner, warm_up
    from tests.support_labs import RegressionLab

    app = QCoreApplication([])
    warm_up()
    runner = LabRunner(RegressionLab, options={{"big_mb": 8}}, name="regression")
    arrived = []
    runner.frame_ready.connect(lambda frame: arrived.append(frame))
    runner.start()
    while not arrived:
        app.processEvents()
        time.sleep(0.01)
    real_decode = transport.decode
    def freeze(payload, *kept):               # the window hangs while a frame is in shared memory
        print(runner.child_pid, payload[4], flush=True)
        time.sleep(3600)
    transport.decode = freeze
    runner.frame_consumed(0.0)
    runner.step_once()
    time.sleep(60)

if __name__ == "__main__":
    main()
"""


def test_the_model_process_and_its_shared_memory_end_with_a_killed_window(tmp_path):
    script = tmp_path / "window.py"
    script.write_text(textwrap.dedent(WINDOW_DIES.format(root=str(ROOT))))
    window = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    try:
        child_pid, segment = window.stdout.readline().split()
        assert Path("/dev/shm", segment).exists()
    finally:
        window.kill()                             # the window dies as in a crash: no cleanup
        window.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (gone(int(child_pid)) and not Path("/dev/shm", segment).exists()):
        time.sleep(0.05)
    assert gone(int(child_pid)), "the model process outlived its window"
    assert not Path("/dev/shm", segment).exists(), "shared memory outlived both processes"


WINDOW_WITHOUT_TORCH = """
import os, sys
sys.path.insert(0, {root!r})

def main():  # imports inside, as in the real entry points: the lab's process re-imports this file
    from PySide6.QtWidgets import QApplication
    from visualizer.core import registry
    from visualizer.ui.app import MainWindow

    app = QApplication([])
    window = MainWindow()
    window.resize(1280, 720)
    window.show()
    opened = []
    for explainer in registry.ready():
        window.open_explainer(explainer.id)
        deadline = __import__("time").monotonic() + 120
        while (window.view is None or window.view.frame is None) and __import__("time").monotonic() < deadline:
            app.processEvents()
        opened.append(f"{{explainer.id}}:{{window.view.frame is not None}}")
    child = window.runner.ask("modules", "PySide6", "pyqtgraph")
    window.close()
    print(" ".join(opened))
    print("window:", " ".join(m for m in ("torch", "transformers", "torch_geometric") if m in sys.modules) or "-")
    print("child:", " ".join(child) or "-", flush=True)
    os._exit(0)  # this check is about imports, not about Qt's teardown

if __name__ == "__main__":
    main()
"""


def test_the_window_opens_every_explainer_without_importing_torch(tmp_path):
    script = tmp_path / "window.py"
    script.write_text(textwrap.dedent(WINDOW_WITHOUT_TORCH.format(root=str(ROOT))))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=400,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                              "VISUALIZER_SETTINGS": str(tmp_path / "settings.ini")})
    assert out.returncode == 0, out.stderr[-3000:]
    opened, window, child = out.stdout.strip().splitlines()[-3:]
    assert all(item.endswith(":True") for item in opened.split()), opened
    assert window == "window: -"
    assert child == "child: -"
