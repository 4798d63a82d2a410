"""The lab's own process: it builds a Lab, steps it, and sends Frames to the window. Qt-free.

The window (visualizer/ui/runner.py) starts `child_main` in a child process and talks to it over
one multiprocessing Pipe:

    window → child   ("play",) ("pause",) ("step",) ("reset", seed) ("params", {...})
                     ("device", name) ("speed", seconds_between_steps) ("budget", share)
                     ("consumed", seconds) ("resync",) ("restore", session_state)
                     ("rewind", step) ("undo_branch",)
                     ("request", id, name, args) ("stop",)
    child → window   ("state", s) ("failed", message) ("lab_ready", info) ("frame", payload)
                     ("steps", lab_steps, steps_done, step_seconds) ("reply", id, ok, value)
                     ("timeline", kept_steps, rewound_to, can_undo, bytes)

A frame is sent only when the previous one has been drawn ("consumed") and the frame interval
has passed, so drawing never queues up and the model never waits on it; while training, the
interval stretches so that drawing takes at most `ui_budget` of the window's time, and so that
making frames (snapshot + encoding) takes at most LAB_FRAME_BUDGET of the lab's (a frame at least
every LAB_FRAME_WAIT_MAX seconds however slow it is to make).
Requests are named queries ("get", "call", "devices", "modules"), never closures: a closure
cannot cross a process boundary. Lab exceptions become "failed" messages; the loop goes on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import traceback
from typing import Any

from visualizer.core import transport
from visualizer.core.timeline import DEFAULT_BUDGET, Timeline
from visualizer.core.errors import ConfigError, TrainingHalted

LOADING, READY, RUNNING, PAUSED, ERROR, STOPPED = "loading", "ready", "running", "paused", "error", "stopped"
LAB_FRAME_BUDGET = 0.08   # while training, making frames takes at most this share of the lab's time:
                          # cheaper drawing must not turn into more snapshots than training ...
LAB_FRAME_WAIT_MAX = 2.0  # ... but a frame comes at least this often (s): a 100k-node graph's
                          # 0.4 s snapshot would otherwise show training every 5 s
HEARTBEAT = 0.25   # seconds between ("steps", ...) messages while training: the window's sign of life
TIMELINE_EVERY = 0.25  # seconds between rewind reports while training (checkpoints come up to 10×/s;
                       # each report is pickled here, unpickled and laid out in the window)
POLL_EVERY = 0.005  # training flat out, the pipe is looked at this often, not after every step
                    # (a poll costs ~30 µs: 1.6 % of a 1 ms-step lab's time at 2 ms; commands wait ≤ 5 ms)


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


def default_threads() -> int:
    """Every core but the one the window needs, at least one."""
    return max(1, (os.cpu_count() or 2) - 1)


def die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent (the forkserver, which itself ends
    with the window) dies, even while a step is inside torch."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def child_main(conn, make_lab, device: str, seed: int, options: dict, max_fps: float,
               ui_budget: float, threads: int | None, name: str, window_pid: int) -> None:
    """The child process's whole life: serve one lab until told to stop or the window is gone."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the window's to handle
    loop = LabLoop(conn, make_lab, device=device, seed=seed, options=options, max_fps=max_fps,
                   ui_budget=ui_budget, threads=threads, name=name, window_pid=window_pid)
    try:
        loop.run()
    finally:
        transport.unlink_segments(window_pid, os.getpid())


class LabLoop:
    def __init__(self, conn, make_lab, *, device: str, seed: int, options: dict, max_fps: float,
                 ui_budget: float, threads: int | None, name: str, window_pid: int):
        self.conn = conn
        self._make_lab = make_lab
        self._device = device
        self._seed = seed
        self._options = dict(options)
        self._min_frame_interval = 1.0 / max_fps
        self._ui_budget = ui_budget
        self._threads = threads
        self._name = name
        self._frames = transport.FrameSender(window_pid)
        self._ui_cost = 0.0          # smoothed seconds the window spends on one frame
        self._emit_cost = 0.0        # smoothed seconds this process spends making one
        self._frame_pending = False  # a frame is on its way to / being drawn by the window
        self._dirty = False          # the lab changed since the last frame sent
        self._playing = False
        self._step_interval = 0.0    # seconds between steps (slow motion); 0 = full speed
        self._stop = False
        self._last_heartbeat = 0.0
        self._timeline_sent = -1e9
        self._timeline_owed = False  # a checkpoint was kept while training and not reported yet
        budget = os.environ.get("VISUALIZER_REWIND_MB")
        self.timeline = Timeline(int(float(budget) * (1 << 20)) if budget else DEFAULT_BUDGET)
        self._rewound_to: int | None = None   # the step a rewind went back to, until the run goes on
        self.lab = None
        self.state = LOADING
        self.steps_done = 0
        self.step_seconds = 0.0      # time spent inside lab.step() (the rest: frames, checkpoints, messages)

    # ---- talking to the window -----------------------------------------------------------------
    def _send(self, *message) -> None:
        try:
            self.conn.send(message)
        except (BrokenPipeError, EOFError, OSError):
            self._stop = True  # the window is gone

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self._send("state", state)

    def _fail(self, exc: BaseException, doing: str) -> None:
        self._playing = False
        if isinstance(exc, TrainingHalted):
            self._set_state(PAUSED)
        else:
            self._set_state(ERROR if self.lab is None else PAUSED)
        self._send("failed", describe_error(exc, doing))

    def _heartbeat(self, force: bool = False) -> None:
        now = time.perf_counter()
        if force or now - self._last_heartbeat >= HEARTBEAT:
            self._last_heartbeat = now
            self._send("steps", getattr(self.lab, "steps", 0), self.steps_done, self.step_seconds)

    # ---- the loop ------------------------------------------------------------------------------
    def run(self) -> None:
        from visualizer.core.device import limit_torch_threads

        limit_torch_threads(self._threads or default_threads())
        self._build()
        last_emit = polled_at = 0.0
        next_step_at = 0.0
        while not self._stop:
            self._report_owed_timeline()
            can_step = self._playing and self.lab is not None and self.lab.continuous
            wait: float | None = None
            if can_step and self._step_interval:
                wait = max(0.0, next_step_at - time.perf_counter())
            elif can_step:
                wait = 0.0
            elif self._dirty and not self._frame_pending:
                wait = max(0.0, last_emit + self._frame_interval() - time.perf_counter())
            try:
                if wait == 0.0 and time.perf_counter() - polled_at < POLL_EVERY:
                    ready = False
                else:
                    ready = self.conn.poll(wait)
                    polled_at = time.perf_counter()
                command = self.conn.recv() if ready else None
            except (EOFError, OSError):
                break  # the window is gone
            if command is not None:
                self._handle(*command)
                polled_at = -1.0
                continue  # drain every queued command before the next step
            if self._stop:
                break
            if self._playing and self.lab is not None and self.lab.continuous:
                if self._step_interval:
                    if time.perf_counter() < next_step_at:
                        continue
                    next_step_at = time.perf_counter() + self._step_interval
                self._step()
                self._heartbeat()
            now = time.perf_counter()
            if self._dirty and not self._frame_pending and now - last_emit >= self._frame_interval():
                self._emit()
                last_emit = now
        self._playing = False
        self._set_state(STOPPED)

    def _frame_interval(self) -> float:
        """Seconds between frames: 1/max_fps, or longer while playing if drawing or making a frame
        is slow."""
        interval = self._min_frame_interval
        if self._playing:
            if self._ui_budget and self._ui_cost:
                interval = max(interval, self._ui_cost / self._ui_budget)
            interval = max(interval, min(self._emit_cost / LAB_FRAME_BUDGET, LAB_FRAME_WAIT_MAX))
        return interval

    def _build(self) -> bool:
        self._set_state(LOADING)
        try:
            with self._forwarding_progress(self._lab_class()):
                lab = self._make_lab(device=self._device, seed=self._seed, **self._options)
        except Exception as exc:  # noqa: BLE001 - reported to the window, the process goes on
            self._fail(exc, f"Starting the {self._name} lab")
            return False
        self.lab = lab
        self._dirty = True
        self._announce(first=True)
        self._checkpoint(fresh=True)
        return True

    def _lab_class(self):
        try:
            return self._make_lab.lab_class() if hasattr(self._make_lab, "lab_class") else self._make_lab
        except Exception:  # noqa: BLE001 - the build itself will say what is wrong
            return None

    @contextlib.contextmanager
    def _forwarding_progress(self, lab_class):
        """While a lab builds, send the progress facts it reports (a class attribute PROGRESS with
        listen() and frame(), e.g. the GNN's) as small frames, at most 4 a second, after 0.5 s."""
        progress = getattr(lab_class, "PROGRESS", None)
        if progress is None:
            yield
            return
        began = time.perf_counter()
        last = [0.0]

        def forward(_facts) -> None:
            now = time.perf_counter()
            if now - began < 0.5 or now - last[0] < 0.25 or self._frame_pending:
                return
            last[0] = now
            try:
                self._send("frame", self._frames.encode(progress.frame()))
                self._frame_pending = True
            except Exception:  # noqa: BLE001 - progress is a courtesy, never a failure
                pass

        stop = progress.listen(forward)
        try:
            yield
        finally:
            stop()

    def _lab_info(self) -> dict:
        from visualizer.core.device import available_devices

        lab = self.lab
        return {"device": lab.device_label(), "continuous": lab.continuous, "options": dict(lab.options),
                "preferred_speed": lab.preferred_speed, "devices": available_devices(), "steps": lab.steps}

    def _announce(self, first: bool = False) -> None:
        """Tell the window what the (re)built lab is: its device, whether it trains, its options."""
        self._send("lab_ready", self._lab_info())
        if not self.lab.continuous:
            self._playing = False
            self._set_state(READY)
        elif first or not self._playing:
            self._set_state(PAUSED)
        else:
            self._set_state(RUNNING)   # back from LOADING after a rebuild while playing
        self._heartbeat(force=True)

    def _step(self, by_hand: bool = False) -> None:
        if self._rewound_to is not None:   # going on from a rewound step: a new branch
            self.timeline.branch(self._rewound_to)
            self._rewound_to = None
            self._send_timeline()
        began = time.perf_counter()
        try:
            self.lab.step()
        except Exception as exc:  # noqa: BLE001
            self._dirty = True
            self._fail(exc, f"Step {self.lab.steps + 1} of the {self._name} lab")
            self._heartbeat(force=True)
            return
        self.step_seconds += time.perf_counter() - began
        self.steps_done += 1
        self._dirty = True
        self._checkpoint(by_hand=by_hand)

    # ---- rewind --------------------------------------------------------------------------------
    def _checkpoint(self, fresh: bool = False, by_hand: bool = False) -> None:
        """Keep the lab's state in the timeline when one is due (training labs only)."""
        if fresh:
            self.timeline.clear()
            self._rewound_to = None
        if self.lab is None or not self.lab.continuous or not self.timeline.due(self.lab.steps, now=by_hand):
            if fresh:
                self._send_timeline()
            return
        start = time.perf_counter()
        try:
            state = self.lab.session_state()
        except Exception:  # noqa: BLE001 - a lab that cannot be captured just has no rewind
            self.timeline.budget = 0
            return
        self.timeline.add(self.lab.steps, state, cost=time.perf_counter() - start)
        self._send_timeline(soon=self._playing and not by_hand)

    def _send_timeline(self, soon: bool = False) -> None:
        """Report the kept steps to the window; `soon` (a checkpoint while training): at most every
        TIMELINE_EVERY, the latest (the loop sends an owed one when it is due or training stops)."""
        now = time.perf_counter()
        if soon and now - self._timeline_sent < TIMELINE_EVERY:
            self._timeline_owed = True
            return
        self._timeline_owed = False
        self._timeline_sent = now
        self._send("timeline", self.timeline.steps(), self._rewound_to, self.timeline.can_undo, self.timeline.bytes)

    def _report_owed_timeline(self) -> None:
        if self._timeline_owed and (not self._playing or time.perf_counter() - self._timeline_sent >= TIMELINE_EVERY):
            self._send_timeline()

    def _rewind(self, step: int) -> None:
        if not self.timeline.points:
            return
        step = self.timeline.nearest(int(step))
        self._show_checkpoint(self.timeline.at(step), rewound_to=step)

    def _show_checkpoint(self, state: dict, rewound_to: int | None) -> None:
        """Load a checkpoint and show it, paused: the next step starts a branch from `rewound_to`."""
        self._load_checkpoint(state)
        self._playing = False
        self._set_state(PAUSED)
        self._rewound_to = rewound_to
        self._dirty = True
        self._send_timeline()
        self._heartbeat(force=True)

    def _load_checkpoint(self, state: dict) -> None:
        """Load a checkpoint, with the live options (rates, k, loss…) it was taken under: going
        back in time brings back the settings of that time, and the panel shows them."""
        saved = state.get("meta", {}).get("options", {})
        options = self.lab.OPTIONS
        live = {k: v for k, v in saved.items()
                if k in options and options[k].role == "live" and self.lab.options.get(k) != v}
        if live:
            self.lab.set_params(live)
            self._options.update(live)
        self.lab.load_session_state(state)
        if live:
            self._send("lab_ready", self._lab_info())

    def _undo_branch(self) -> None:
        if not self.timeline.can_undo:
            return
        _, state = self.timeline.undo_branch()
        self._show_checkpoint(state, rewound_to=None)

    def _emit(self) -> None:
        began = time.perf_counter()
        try:
            frame = self.lab.snapshot()
        except Exception as exc:  # noqa: BLE001
            self._dirty = False
            self._fail(exc, f"Reading the {self._name} lab's state")
            return
        self._dirty = False
        self._frame_pending = True
        try:
            payload = self._frames.encode(frame)
        except Exception as exc:  # noqa: BLE001 - e.g. no room left in shared memory
            self._frame_pending = False
            self._fail(exc, f"Sending the {self._name} lab's frame")
            return
        self._send("frame", payload)
        if self._playing:          # a paused lab's frame is a one-off, no guide to the stream
            cost = min(time.perf_counter() - began, 0.5)
            self._emit_cost = cost if not self._emit_cost else 0.7 * self._emit_cost + 0.3 * cost
        self._heartbeat(force=True)

    def _handle(self, name: str, *args: Any) -> None:
        arg = args[0] if args else None
        if name == "stop":
            self._stop = True
            return
        if name == "consumed":
            if arg is not None and self._playing:  # only streamed frames: a page build is no guide
                cost = min(float(arg), 0.1)  # one slow frame (a page switch) must not stall the view
                self._ui_cost = cost if not self._ui_cost else 0.7 * self._ui_cost + 0.3 * cost
            self._frame_pending = False
            return
        if name == "resync":          # the window lost track of the arrays it holds
            self._frames.resync()
            return
        if name == "speed":
            self._step_interval = arg
            return
        if name == "budget":
            self._ui_budget = arg
            return
        if name == "request":
            self._answer(*args)
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
                self._heartbeat(force=True)
            elif name == "step":
                self._playing = False
                if self.lab.continuous:
                    self._set_state(PAUSED)
                    self._step(by_hand=True)
                    self._heartbeat(force=True)
            elif name == "reset":
                if arg is not None:
                    self._seed = int(arg)
                self.lab.reset(self._seed)
                self._dirty = True
                self._announce()
                self._checkpoint(fresh=True)
            elif name == "params":
                rebuilt = self.lab.OPTIONS and any(self.lab.OPTIONS[n].role == "build" for n in arg if n in self.lab.OPTIONS)
                if rebuilt:
                    self._set_state(LOADING)   # a rebuild may load a model for seconds: the window says so
                with self._forwarding_progress(type(self.lab) if rebuilt else None):
                    self.lab.set_params(arg)
                self._options.update(arg)
                self._dirty = True
                self._announce()
                if rebuilt:
                    self._checkpoint(fresh=True)
            elif name == "rewind":
                self._rewind(arg)
            elif name == "undo_branch":
                self._undo_branch()
            elif name == "restore":   # a session file's state: the same frame, the same run onwards
                self.lab.load_session_state(arg)
                self._dirty = True
                self._announce()
                self._checkpoint(fresh=True)
            elif name == "device":
                from visualizer.core.device import resolve_device

                self.lab.device = resolve_device(arg)
                self._device = arg
                self.lab.reset(self.lab.seed)
                self._dirty = True
                self._announce()
                self._checkpoint(fresh=True)
        except Exception as exc:  # noqa: BLE001
            self._fail(exc, {"reset": "Reset", "params": "Changing options", "device": "Changing device",
                             "restore": "Restoring the saved session", "rewind": "Rewinding",
                             "undo_branch": "Undoing the branch"}.get(name, name))

    # ---- named requests ------------------------------------------------------------------------
    def _answer(self, request_id: int, what: str, args: tuple) -> None:
        try:
            value = self._query(what, args)
        except Exception as exc:  # noqa: BLE001 - the asker gets the error in words
            self._send("reply", request_id, False, describe_error(exc, f"The request {what!r}"))
            return
        self._send("reply", request_id, True, transport.plain(value))

    def _query(self, what: str, args: tuple):
        if what == "devices":
            from visualizer.core.device import available_devices

            return available_devices()
        if what == "modules":  # which of these modules this process has imported
            return sorted(m for m in args if m in sys.modules)
        if what == "pid":
            return os.getpid()
        if self.lab is None:
            raise RuntimeError("the lab is not built")
        if what == "frame":   # a fresh frame follows this answer (an animation waits for it)
            self._dirty = True
            return self.lab.steps
        if what == "get":     # an attribute path: "steps", "options.lr", "losses"
            value: Any = self.lab
            for part in args[0].split("."):
                value = value[part] if isinstance(value, dict) else getattr(value, part)
            return value
        if what == "call":    # a method of the lab, by name, with plain arguments
            method, *rest = args
            if method.startswith("_"):
                raise ValueError(f"{method!r} is private")
            result = getattr(self.lab, method)(*rest)
            self._dirty = True
            return result
        raise ValueError(f"unknown request {what!r}")
