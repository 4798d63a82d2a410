"""LabRunner: steps a Lab in a background thread and hands the UI only the latest Frame.

    runner = LabRunner(make_lab)      # make_lab(device=..., seed=..., **options) -> Lab
    runner.frame_ready.connect(view_slot)   # a Frame, at most max_fps per second
    runner.start(); runner.play(); runner.pause(); runner.step_once()
    runner.set_params({"lr": 0.01}); runner.reset(seed=3); runner.set_device("cuda:0")
    runner.stop()                     # joins the thread (≤ 1 s), safe to call twice

The worker is a plain Python thread: it builds the lab (so importing torch and loading models
never blocks the window), then loops. Commands are queued and applied between two steps.
A frame is snapshot and emitted only when the previous one has been drawn (the slot calls
frame_consumed(seconds_it_took)) and the frame interval has passed, so painting never queues
up and the model never waits on it. The interval is 1/max_fps, stretched while training so
that drawing takes at most `ui_budget` of the time: drawing holds the GIL, and a heavy view
redrawn at 30 Hz would otherwise halve the training it shows. Lab exceptions become `failed` messages; the thread keeps serving commands.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core.errors import ConfigError, TrainingHalted

LOADING, READY, RUNNING, PAUSED, ERROR, STOPPED = "loading", "ready", "running", "paused", "error", "stopped"


def describe_error(exc: BaseException, doing: str) -> str:
    """What failed, in words: the action, the error type and message, and where in the code."""
    if isinstance(exc, (ConfigError, TrainingHalted)):
        return str(exc)
    where = ""
    tb = traceback.extract_tb(exc.__traceback__)
    if tb:
        last = tb[-1]
        where = f" (in {last.name}, {last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
    return f"{doing} failed: {type(exc).__name__}: {exc}{where}"


class LabRunner(QObject):
    frame_ready = Signal(object)    # Frame
    state_changed = Signal(str)     # one of LOADING, READY, RUNNING, PAUSED, ERROR, STOPPED
    failed = Signal(str)            # a message in words
    lab_ready = Signal(object)      # {"device", "continuous", "options", "preferred_speed"}

    def __init__(self, make_lab: Callable[..., Any], *, device: str = "cpu", seed: int = 0,
                 options: dict | None = None, max_fps: float = 30.0, torch_threads: int | None = 1,
                 ui_budget: float = 0.2, name: str = "lab"):
        super().__init__()
        self._make_lab = make_lab
        self._device = device
        self._seed = seed
        self._options = dict(options or {})
        self._min_frame_interval = 1.0 / max_fps
        self._ui_budget = ui_budget
        self._ui_cost = 0.0          # smoothed seconds the UI spends on one frame
        self._torch_threads = torch_threads
        self._name = name
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._frame_pending = False  # a frame is on its way to / being drawn by the UI
        self._dirty = False          # the lab changed since the last emitted frame
        self._playing = False
        self._step_interval = 0.0    # seconds between steps (slow motion); 0 = full speed
        self.lab = None
        self.state = LOADING
        self.steps_done = 0          # steps taken by this runner (for steps/s)
        self.frames_emitted = 0
        self._rate_window: list[tuple[float, int]] = []

    # ---- commands (any thread) ---------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"visualizer-{self._name}-worker", daemon=True)
        self._thread.start()

    def play(self) -> None:
        self._commands.put(("play", None))

    def pause(self) -> None:
        self._commands.put(("pause", None))

    def step_once(self) -> None:
        self._commands.put(("step", None))

    def reset(self, seed: int | None = None) -> None:
        self._commands.put(("reset", seed))

    def set_params(self, values: dict) -> None:
        self._commands.put(("params", dict(values)))

    def set_device(self, device: str) -> None:
        self._commands.put(("device", device))

    def set_speed(self, steps_per_second: float | None) -> None:
        """None or 0 = as fast as possible; otherwise at most this many steps per second."""
        self._commands.put(("speed", 0.0 if not steps_per_second else 1.0 / steps_per_second))

    def call(self, fn: Callable[[Any], Any]) -> None:
        """Run fn(lab) in the worker between two steps (for tests and one-off queries)."""
        self._commands.put(("call", fn))

    def frame_consumed(self, cost: float | None = None) -> None:
        """The UI drew the last frame (in `cost` seconds): the worker may send the next one."""
        if cost is not None and self._playing:  # only streamed frames: a page build is no guide
            cost = min(cost, 0.1)  # one slow frame (a page switch) must not stall the view for long
            self._ui_cost = cost if not self._ui_cost else 0.7 * self._ui_cost + 0.3 * cost
        self._frame_pending = False
        if self._dirty:
            self._commands.put(("wake", None))

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop the worker; True if it finished within `timeout` seconds."""
        self._stop.set()
        self._commands.put(("stop", None))
        if self._thread is not None:
            self._thread.join(timeout)
            alive = self._thread.is_alive()
            if not alive:
                self._thread = None
            return not alive
        return True

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def playing(self) -> bool:
        return self._playing

    def steps_per_second(self) -> float:
        """Steps per second over the last ~2 s (0 when idle)."""
        now = time.perf_counter()
        window = [(t, n) for t, n in self._rate_window if now - t <= 2.0]
        window.append((now, self.steps_done))
        self._rate_window = window[-64:]
        (t0, n0), (t1, n1) = window[0], window[-1]
        return (n1 - n0) / (t1 - t0) if t1 - t0 > 0.2 else 0.0

    # ---- the worker --------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _fail(self, exc: BaseException, doing: str) -> None:
        self._playing = False
        if isinstance(exc, TrainingHalted):
            self._set_state(PAUSED)
        else:
            self._set_state(ERROR if self.lab is None else PAUSED)
        self.failed.emit(describe_error(exc, doing))

    def _build(self) -> bool:
        self._set_state(LOADING)
        try:
            lab = self._make_lab(device=self._device, seed=self._seed, **self._options)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app keeps running
            self._fail(exc, f"Starting the {self._name} lab")
            return False
        self.lab = lab
        self._dirty = True
        self.lab_ready.emit(self._lab_info())
        self._set_state(PAUSED if lab.continuous else READY)
        return True

    def _lab_info(self) -> dict:
        lab = self.lab
        return {"device": lab.device_label(), "continuous": lab.continuous, "options": dict(lab.options),
                "preferred_speed": lab.preferred_speed}

    def _run(self) -> None:
        if self._torch_threads:
            from visualizer.core.device import limit_torch_threads

            limit_torch_threads(self._torch_threads)
        self._build()
        last_emit = 0.0
        next_step_at = 0.0
        while not self._stop.is_set():
            can_step = self._playing and self.lab is not None and self.lab.continuous
            wait = None
            if can_step and self._step_interval:
                wait = max(0.0, next_step_at - time.perf_counter())
            elif not can_step and self._dirty:
                wait = None if self._frame_pending else max(0.0, last_emit + self._frame_interval() - time.perf_counter())
            try:
                if can_step and not wait:
                    command = self._commands.get_nowait()
                else:
                    command = self._commands.get(timeout=wait) if wait is not None else self._commands.get()
            except queue.Empty:
                command = None
            if command is not None:
                self._handle(*command)
                continue  # drain every queued command before the next step
            if self._stop.is_set():
                break
            if self._playing and self.lab is not None and self.lab.continuous:
                if self._step_interval:
                    if time.perf_counter() < next_step_at:
                        continue
                    next_step_at = time.perf_counter() + self._step_interval
                self._step()
            now = time.perf_counter()
            if self._dirty and not self._frame_pending and now - last_emit >= self._frame_interval():
                self._emit()
                last_emit = now
        self._playing = False
        self._set_state(STOPPED)

    def _frame_interval(self) -> float:
        """Seconds between frames: 1/max_fps, or longer while playing if drawing is slow."""
        if self._playing and self._ui_budget and self._ui_cost:
            return max(self._min_frame_interval, self._ui_cost / self._ui_budget)
        return self._min_frame_interval

    def _step(self) -> None:
        try:
            self.lab.step()
        except Exception as exc:  # noqa: BLE001
            self._dirty = True
            self._fail(exc, f"Step {self.lab.steps + 1} of the {self._name} lab")
            return
        self.steps_done += 1
        self._dirty = True

    def _emit(self) -> None:
        try:
            frame = self.lab.snapshot()
        except Exception as exc:  # noqa: BLE001
            self._dirty = False
            self._fail(exc, f"Reading the {self._name} lab's state")
            return
        self._dirty = False
        self._frame_pending = True
        self.frames_emitted += 1
        self.frame_ready.emit(frame)

    def _handle(self, name: str, arg: Any) -> None:
        if name == "stop":
            self._stop.set()
            return
        if name == "wake":
            return
        if name == "speed":
            self._step_interval = arg
            return
        if self.lab is None:
            if name in ("reset", "params", "device"):
                # the lab could not be built: retry with what was asked
                if name == "reset" and arg is not None:
                    self._seed = int(arg)
                elif name == "params":
                    self._options.update(arg)
                elif name == "device":
                    self._device = arg
                self._build()
            return
        try:
            if name == "play":
                if self.lab.continuous:
                    self._playing = True
                    self._set_state(RUNNING)
            elif name == "pause":
                self._playing = False
                self._set_state(PAUSED if self.lab.continuous else READY)
            elif name == "step":
                self._playing = False
                if self.lab.continuous:
                    self._set_state(PAUSED)
                    self._step()
            elif name == "reset":
                if arg is not None:
                    self._seed = int(arg)
                self.lab.reset(self._seed)
                self._dirty = True
                self._announce()
            elif name == "params":
                self.lab.set_params(arg)
                self._options.update(arg)
                self._dirty = True
                self._announce()
            elif name == "device":
                from visualizer.core.device import resolve_device

                self.lab.device = resolve_device(arg)
                self._device = arg
                self.lab.reset(self.lab.seed)
                self._dirty = True
                self._announce()
            elif name == "call":
                arg(self.lab)
                self._dirty = True
        except Exception as exc:  # noqa: BLE001
            self._fail(exc, {"reset": "Reset", "params": "Changing options", "device": "Changing device",
                             "call": "A lab call"}.get(name, name))

    def _announce(self) -> None:
        """Tell the UI what the (re)built lab is: its device, whether it trains, its options."""
        self.lab_ready.emit(self._lab_info())
        if not self.lab.continuous:
            self._playing = False
            self._set_state(READY)
        elif not self._playing:
            self._set_state(PAUSED)


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


class LabFactory:
    """Builds an explainer's lab in the worker thread: importing torch never blocks the window."""

    def __init__(self, explainer):
        self.explainer = explainer

    def __call__(self, **kwargs):
        return self.explainer.load_lab()(**kwargs)
