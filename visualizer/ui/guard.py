"""The window's top-level guard: no exception ends only on stderr.

    guard.install(window)            # in run_app, once the window exists

An exception that escapes a slot, a timer callback or a view (Qt hands it to sys.excepthook and
carries on), or a Python thread (threading.excepthook), is shown in the window's error banner in
words (`window.show_error`), and its traceback is appended to a log file in the platform's
app-data folder (QStandardPaths.AppDataLocation; VISUALIZER_LOG names another file, as the tests
do). Help → About names that file.
"""

from __future__ import annotations

import datetime
import os
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal, Slot

LOG_NAME = "visualizer.log"
MAX_LOG_BYTES = 1_000_000      # then the log starts afresh, the old one kept as visualizer.log.1


def log_path() -> Path:
    """Where the guard writes tracebacks: $VISUALIZER_LOG, else <AppDataLocation>/visualizer.log."""
    override = os.environ.get("VISUALIZER_LOG")
    if override:
        return Path(override).expanduser()
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".visualizer") / LOG_NAME


def describe(exc: BaseException) -> str:
    """One line in words: the error's own message, or its kind when it has none."""
    text = " ".join(str(exc).split())
    kind = type(exc).__name__
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{text} ({kind})" if text else f"an unexpected {kind}"


class Guard(QObject):
    """Installed hooks; the thread hook hands its report to the GUI thread through a signal."""

    reported = Signal(str)

    def __init__(self, window, path: Path | None = None):
        super().__init__(window)
        self.window = window
        self.path = Path(path) if path is not None else log_path()
        self.count = 0
        self._previous = (sys.excepthook, threading.excepthook)
        self.reported.connect(self._show)

    # ---- the hooks ----------------------------------------------------------------------------------
    def excepthook(self, kind, exc, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous[0](kind, exc, tb)
            return
        self._handle(exc, tb, "the window")

    def thread_excepthook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        where = f"the thread '{args.thread.name}'" if args.thread is not None else "a thread"
        self._handle(args.exc_value, args.exc_traceback, where)

    def _handle(self, exc: BaseException, tb, where: str) -> None:
        self.count += 1
        logged = self._log(exc, tb, where)
        message = f"Something went wrong in {where}: {describe(exc)}."
        message += f" The details are in {self.path}." if logged else " (The log file could not be written.)"
        self.reported.emit(message)   # queued to the GUI thread when raised elsewhere

    @Slot(str)
    def _show(self, message: str) -> None:
        try:
            self.window.show_error(message)
        except Exception:  # noqa: BLE001 - the window itself is broken: stderr is all that is left
            print(message, file=sys.stderr)

    def _log(self, exc: BaseException, tb, where: str) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.is_file() and self.path.stat().st_size > MAX_LOG_BYTES:
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))
            stamp = datetime.datetime.now().isoformat(timespec="seconds")
            text = "".join(traceback.format_exception(type(exc), exc, tb))
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(f"--- {stamp} in {where}\n{text}\n")
            return True
        except OSError:
            return False

    def uninstall(self) -> None:
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous[0]
        if threading.excepthook == self.thread_excepthook:
            threading.excepthook = self._previous[1]


def install(window, path: str | os.PathLike | None = None) -> Guard:
    """Route every escaping exception to `window.show_error` and the log file; returns the guard
    (its `path` is the log file, `uninstall()` puts the previous hooks back)."""
    guard = Guard(window, Path(path) if path is not None else None)
    sys.excepthook = guard.excepthook
    threading.excepthook = guard.thread_excepthook
    window.guard = guard
    return guard
