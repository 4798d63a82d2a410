"""LabRunner: runs a Lab in its own process and hands the window only the latest Frame.

    runner = LabRunner(make_lab)      # make_lab(device=..., seed=..., **options) -> Lab; picklable
    runner.frame_ready.connect(view_slot)   # a Frame, at most max_fps per second
    runner.start(); runner.play(); runner.pause(); runner.step_once()
    runner.set_params({"lr": 0.01}); runner.reset(seed=3); runner.set_device("cuda:0")
    runner.request("get", "steps")    # a named query, answered between two steps (a Request)
    runner.stop()                     # ends the process (≤ 1 s, killed if it must be)

The child (visualizer/core/worker.py, Qt-free) builds the lab, steps it and sends frames; this
side only sends commands and reads messages, in a reader thread that re-emits them as Qt
signals. Painting in the window and training in the child no longer share a GIL, so neither
waits for the other; a child that crashes, is killed or hangs is reported in words and
replaced on Reset, and the window never imports torch. Children fork from a forkserver that
has imported torch already (`warm_up()` starts it right after the first paint).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core import transport
from visualizer.core.registry import LabFactory  # noqa: F401 - the window builds labs with it
from visualizer.core.worker import ERROR, LOADING, PAUSED, READY, RUNNING, STOPPED, child_main, describe_error  # noqa: F401

PRELOAD = ["numpy", "torch", "torch.optim", "torch._dynamo", "visualizer.core.worker", "visualizer.core.lab", "visualizer.core.options"]
UNRESPONSIVE_AFTER = 10.0   # seconds without a word from a busy child: offer to stop it
_context_lock = threading.Lock()
_context = None


def process_context():
    """The multiprocessing context children start from: a forkserver that preloads torch (forks
    in tens of ms), or spawn where there is none (Windows) or VISUALIZER_START_METHOD says so."""
    global _context
    with _context_lock:
        if _context is None:
            method = os.environ.get("VISUALIZER_START_METHOD") or (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
            _context = multiprocessing.get_context(method)
            if method == "forkserver":
                _context.set_forkserver_preload(PRELOAD)
        return _context


def warm_up() -> None:
    """Start the forkserver now (it imports torch in the background) so that the first
    explainer's process forks from a warm one. Cheap here: it only launches the server."""
    ctx = process_context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def exit_message(exitcode: int | None) -> str:
    """Why the child ended, in words."""
    if exitcode is None:
        return "The model process stopped answering and was ended."
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = {signal.SIGKILL: ", probably out of memory", signal.SIGSEGV: ", a crash in native code",
               signal.SIGABRT: ", an abort in native code"}.get(-exitcode, "")
        return f"The model process ended unexpectedly: signal {-exitcode} ({name}){why}. Reset starts a new one."
    return f"The model process ended unexpectedly with exit code {exitcode}. Reset starts a new one."


class Request:
    """The answer to a named request, once the child has given it."""

    def __init__(self, what: str):
        self.what = what
        self.ok: bool | None = None
        self.value: Any = None
        self.emitted = 0          # frames received before the answer (Frame.serial is higher after it)
        self._event = threading.Event()

    @property
    def done(self) -> bool:
        return self._event.is_set()

    def _settle(self, ok: bool, value: Any) -> None:
        self.ok, self.value = ok, value
        self._event.set()

    def result(self, timeout: float | None = 10.0):
        """The value (waits up to `timeout` s); RuntimeError with the child's message if it failed."""
        if not self._event.wait(timeout):
            raise TimeoutError(f"no answer to {self.what!r} within {timeout} s")
        if not self.ok:
            raise RuntimeError(self.value)
        return self.value


class LabRunner(QObject):
    frame_ready = Signal(object)    # Frame
    state_changed = Signal(str)     # one of LOADING, READY, RUNNING, PAUSED, ERROR, STOPPED
    failed = Signal(str)            # a message in words
    lab_ready = Signal(object)      # {"device", "continuous", "options", "preferred_speed", "devices", "steps"}
    timeline_changed = Signal(object)  # {"steps": kept checkpoints, "rewound_to", "can_undo", "bytes"}

    def __init__(self, make_lab: Callable[..., Any], *, device: str = "cpu", seed: int = 0,
                 options: dict | None = None, max_fps: float = 30.0, threads: int | None = None,
                 ui_budget: float = 0.2, name: str = "lab", restore: dict | None = None):
        super().__init__()
        self._restore = restore      # a saved lab state (session file) to load right after the build
        self._make_lab = make_lab
        self._device = device
        self._seed = seed
        self._options = dict(options or {})
        self._max_fps = max_fps
        self._ui_budget = ui_budget
        self._threads = threads
        self._name = name
        self._speed: float = 0.0
        self._send_lock = threading.Lock()
        self._requests: dict[int, Request] = {}
        self._ids = itertools.count(1)
        self._process = None
        self._conn = None
        self._reader: threading.Thread | None = None
        self._stopping = False
        self._busy_since: float | None = None    # a command was sent and not yet answered
        self._last_heard = time.perf_counter()
        self.state = LOADING
        self.continuous = False
        self.lab_steps = 0           # the lab's own step counter, as last reported
        self.steps_done = 0          # steps taken by this process (for steps/s)
        self.step_seconds = 0.0      # its time inside lab.step(): the share of its time training gets
        self.frames_emitted = 0
        self.exit_code: int | None = None
        self.timeline: dict = {"steps": [], "rewound_to": None, "can_undo": False, "bytes": 0}
        self.child_pid: int | None = None
        self._rate_window: list[tuple[float, int]] = []

    # ---- the child process ---------------------------------------------------------------------
    def start(self) -> None:
        if self._reader is not None:
            return
        self._stopping = False
        self.exit_code = None
        self.state = LOADING
        ctx = process_context()
        self._conn, child_conn = ctx.Pipe(duplex=True)
        self._process = ctx.Process(
            target=child_main, name=f"visualizer-{self._name}",
            args=(child_conn, self._make_lab, self._device, self._seed, dict(self._options), self._max_fps,
                  self._ui_budget, self._threads, self._name, os.getpid()),
            daemon=True)
        if self._speed:
            self._send("speed", self._speed)
        if self._restore is not None:
            self._send("restore", self._restore)   # handled before the first frame is sent
        self._reader = threading.Thread(target=self._serve, args=(self._process, self._conn, child_conn),
                                        name=f"visualizer-{self._name}-reader", daemon=True)
        self._reader.start()

    def _serve(self, process, conn, child_conn) -> None:
        """The reader thread: start the process (waits for the forkserver off the GUI thread),
        then turn its messages into signals until it ends."""
        try:
            process.start()
        except Exception as exc:  # noqa: BLE001
            child_conn.close()
            self._set_state(ERROR)
            self.failed.emit(describe_error(exc, f"Starting the {self._name} process"))
            return
        self.child_pid = process.pid
        self._kept: dict = {}   # this process's read-only frame arrays, sent once (core/transport.py)
        child_conn.close()   # ours; the child has its own: EOF now means the child is gone
        self._last_heard = time.perf_counter()
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            except Exception as exc:  # noqa: BLE001 - a message that cannot be read
                self.failed.emit(describe_error(exc, f"Reading the {self._name} process's message"))
                continue
            self._last_heard = time.perf_counter()
            self._dispatch(message)
        process.join(1.0)
        if process.is_alive():
            process.kill()
            process.join(1.0)
        self.exit_code = process.exitcode
        transport.unlink_segments(os.getpid(), process.pid)
        for request in list(self._requests.values()):
            request._settle(False, "the model process ended")
        self._requests.clear()
        if self._stopping:
            self._set_state(STOPPED)
        else:
            self._set_state(ERROR)
            self.failed.emit(exit_message(self.exit_code))

    def _dispatch(self, message: tuple) -> None:
        kind = message[0]
        if kind == "frame":
            try:
                frame = transport.decode(message[1], self._kept)
            except Exception as exc:  # noqa: BLE001
                self.failed.emit(describe_error(exc, "Receiving a frame"))
                self._kept.clear()
                self._send("resync")          # the next frame sends every array again
                self._send("consumed", None)
                return
            self.lab_steps = frame.step
            self.frames_emitted += 1
            frame.serial = self.frames_emitted   # frames after a request's answer have higher serials
            self.frame_ready.emit(frame)
        elif kind == "steps":
            self.lab_steps, self.steps_done, self.step_seconds = message[1], message[2], message[3]
            self._busy_since = None
        elif kind == "state":
            self._busy_since = None
            self._set_state(message[1])
        elif kind == "failed":
            self._busy_since = None
            self.failed.emit(message[1])
        elif kind == "lab_ready":
            info = message[1]
            self.continuous = bool(info.get("continuous"))
            self.lab_steps = info.get("steps", 0)
            self._options.update(info.get("options", {}))
            self.lab_ready.emit(info)
        elif kind == "timeline":
            _, steps, rewound_to, can_undo, size = message
            self.timeline = {"steps": steps, "rewound_to": rewound_to, "can_undo": can_undo, "bytes": size}
            self.timeline_changed.emit(self.timeline)
        elif kind == "reply":
            _, request_id, ok, value = message
            self._busy_since = None
            request = self._requests.pop(request_id, None)
            if request is not None:
                request.emitted = self.frames_emitted
                request._settle(ok, value)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _send(self, *message, busy: bool = False) -> bool:
        with self._send_lock:
            if self._conn is None:
                return False
            try:
                self._conn.send(message)
            except (BrokenPipeError, EOFError, OSError):
                return False
        if busy and self._busy_since is None:
            self._busy_since = time.perf_counter()
        return True

    # ---- commands (any thread) -----------------------------------------------------------------
    def play(self) -> None:
        self._send("play", busy=True)

    def pause(self) -> None:
        self._send("pause", busy=True)

    def step_once(self) -> None:
        self._send("step", busy=True)

    def reset(self, seed: int | None = None) -> None:
        """Reset the lab with `seed`; a child that has died or stopped answering is replaced by a
        fresh one with the current options."""
        if seed is not None:
            self._seed = int(seed)
        if self.needs_restart():
            self.restart()
        else:
            self._send("reset", seed, busy=True)

    def set_params(self, values: dict) -> None:
        self._options.update(values)
        if self.needs_restart():
            self.restart()
        else:
            self._send("params", dict(values), busy=True)

    def set_device(self, device: str) -> None:
        self._device = device
        if self.needs_restart():
            self.restart()
        else:
            self._send("device", device, busy=True)

    def set_speed(self, steps_per_second: float | None) -> None:
        """None or 0 = as fast as possible; otherwise at most this many steps per second."""
        self._speed = 0.0 if not steps_per_second else 1.0 / steps_per_second
        self._send("speed", self._speed)

    def rewind(self, step: int) -> None:
        """Back to the kept checkpoint nearest `step` (paused); playing on from there branches."""
        self._send("rewind", int(step), busy=True)

    def undo_branch(self) -> None:
        """Take back the last branch: the run as it was before the rewind, at its last step."""
        self._send("undo_branch", busy=True)

    def set_ui_budget(self, share: float) -> None:
        """The most of the window's time drawing may take while training (0: no pacing)."""
        self._ui_budget = share
        self._send("budget", share)

    def request(self, what: str, *args) -> Request:
        """A named query answered by the child between two steps, in order with the commands:
        ("get", "steps"), ("get", "options.lr"), ("call", "method", arg...), ("devices",),
        ("modules", name...), ("pid",), ("frame",): send a fresh frame after this answer."""
        request = Request(what)
        request_id = next(self._ids)
        self._requests[request_id] = request
        if not self._send("request", request_id, what, args, busy=True):
            self._requests.pop(request_id, None)
            request._settle(False, "the model process is not running")
        return request

    def ask(self, what: str, *args, timeout: float = 10.0):
        """request(...).result(timeout): for tests and scripts, not for the GUI thread's hot path."""
        return self.request(what, *args).result(timeout)

    def frame_consumed(self, cost: float | None = None) -> None:
        """The window drew the last frame (in `cost` seconds): the child may send the next one."""
        self._send("consumed", cost)

    # ---- ending ----------------------------------------------------------------------------------
    def stop(self, timeout: float = 1.0, wait: bool = True) -> bool:
        """End the child: asked first, then terminated, then killed, within about `timeout` s.
        With wait=False this returns at once and a short-lived thread finishes the job."""
        self._stopping = True
        self._send("stop")
        if not wait:
            threading.Thread(target=self._finish, args=(timeout,), name=f"visualizer-{self._name}-stopper",
                             daemon=True).start()
            return True
        return self._finish(timeout)

    def _finish(self, timeout: float) -> bool:
        process, reader = self._process, self._reader
        if reader is None:
            return True
        deadline = time.perf_counter() + timeout
        reader.join(max(0.0, 0.4 * timeout))
        if reader.is_alive() and process is not None and process.pid is not None and process.is_alive():
            process.terminate()
            reader.join(max(0.0, 0.3 * timeout))
        if reader.is_alive() and process is not None and process.pid is not None and process.is_alive():
            process.kill()
        reader.join(max(0.05, deadline - time.perf_counter()))
        alive = reader.is_alive()
        if not alive:
            with self._send_lock:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
            if self._reader is reader:
                self._reader = None
        return not alive

    def restart(self) -> None:
        """Replace the child by a fresh one with the current device, seed and options."""
        self.stop(timeout=1.0)
        self._busy_since = None
        self._restore = None   # a fresh lab, not the session it was opened from
        self.start()

    def needs_restart(self) -> bool:
        return (self._reader is not None and not self._reader.is_alive()) or (
            self.exit_code is not None and not self._stopping) or self.hung()

    def unresponsive_for(self) -> float:
        """Seconds the child has said nothing while it owed an answer to a command or, when
        training, its heartbeat (every 0.25 s); 0 when it owes nothing."""
        if self._busy_since is not None:
            return time.perf_counter() - max(self._busy_since, self._last_heard)
        if self.state in (RUNNING, LOADING) and self.is_alive():
            return time.perf_counter() - self._last_heard
        return 0.0

    def hung(self) -> bool:
        """Silent for longer than a step should take (a build may load a model: six times longer)."""
        return self.unresponsive_for() >= UNRESPONSIVE_AFTER * (6 if self.state == LOADING else 1)

    def is_alive(self) -> bool:
        return self._process is not None and self._process.pid is not None and self._process.is_alive()

    @property
    def playing(self) -> bool:
        return self.state == RUNNING

    def steps_per_second(self) -> float:
        """Steps per second over the last ~2 s (0 when idle)."""
        now = time.perf_counter()
        window = [(t, n) for t, n in self._rate_window if now - t <= 2.0]
        window.append((now, self.steps_done))
        self._rate_window = window[-64:]
        (t0, n0), (t1, n1) = window[0], window[-1]
        return (n1 - n0) / (t1 - t0) if t1 - t0 > 0.2 else 0.0


class RunnerBinding(QObject):
    """Receives one runner's signals in the GUI thread and forwards them to the window while that
    runner is current. Signals still queued from a runner that was replaced are dropped here;
    QObject.sender() is not used, since the sender may already be gone when they arrive."""

    def __init__(self, window, runner: LabRunner):
        super().__init__(window)
        self.window = window
        self.runner = runner
        runner.frame_ready.connect(self.frame)
        runner.state_changed.connect(self.state)
        runner.failed.connect(self.failed)
        runner.lab_ready.connect(self.lab_ready)
        runner.timeline_changed.connect(self.timeline)

    def _current(self) -> bool:
        return self.runner is not None and self.runner is self.window.runner

    @Slot(object)
    def frame(self, frame) -> None:
        if self._current():
            self.window._on_frame(self.runner, frame)

    @Slot(str)
    def state(self, state: str) -> None:
        if self._current():
            self.window._set_controls(state)

    @Slot(str)
    def failed(self, message: str) -> None:
        if self._current():
            self.window.show_error(message)

    @Slot(object)
    def lab_ready(self, info: dict) -> None:
        if self._current():
            self.window._on_lab_ready(info)

    @Slot(object)
    def timeline(self, info: dict) -> None:
        """The lab's process reports its rewind points a few times a second while training
        (worker.TIMELINE_EVERY), at once when paused."""
        if self._current():          # not a report still queued from a runner that was replaced
            self.window.timeline.show_timeline(info)
