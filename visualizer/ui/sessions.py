"""File → Save session… / Open session…: a .vis file (core/session_file.py) holds what the window
shows and the lab's whole state, so a demo reopens exactly, on this machine or another.

Saving asks the lab's process for its state (a named request) and writes the file here, in the
window, which needs no torch for it; opening reads and checks the file first, then opens the
explainer as saved and restores the state in the new lab's process before its first frame."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from visualizer.core.errors import ConfigError, ExportError
from visualizer.ui.i18n import tr

FILTER = "visualizer sessions (*.vis)"


class SessionActions(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.save_action = QAction("", window)
        self.save_action.setShortcut(QKeySequence.Save)
        self.save_action.triggered.connect(self.choose_save_path)
        self.open_action = QAction("", window)
        self.open_action.setShortcut(QKeySequence.Open)
        self.open_action.triggered.connect(self.choose_session_file)
        self._pending = None         # (request, path) of a save waiting for the lab's state
        self._poll = QTimer(self)
        self._poll.setInterval(20)
        self._poll.timeout.connect(self._save_when_answered)
        self.saved_path: Path | None = None     # the last file written (tests, the status bar)

    def add_to(self, menu) -> None:
        menu.addAction(self.open_action)
        menu.addAction(self.save_action)

    def actions(self) -> tuple:
        return self.open_action, self.save_action

    def retranslate(self) -> None:
        self.save_action.setText(tr("Save session…"))
        self.open_action.setText(tr("Open session…"))

    def set_enabled(self, on: bool) -> None:
        self.save_action.setEnabled(on)

    # ---- saving ------------------------------------------------------------------------------------
    def choose_save_path(self) -> None:
        w = self.window
        name = f"{w.explainer.id if w.explainer else 'session'}.vis"
        path, _ = QFileDialog.getSaveFileName(w, tr("Save session"), str(Path.home() / name), tr(FILTER))
        if path:
            self.save_to(path if path.endswith(".vis") else path + ".vis")

    @property
    def saving(self) -> bool:
        return self._pending is not None

    def save_to(self, path) -> bool:
        """Start saving the current session to `path`; False (with a message) if it cannot start."""
        w = self.window
        if w.runner is None or w.session is None or self._pending is not None:
            w.show_error(tr("There is no running lab to save.") if self._pending is None
                         else tr("A session is being saved already."))
            return False
        self._pending = (w.runner.request("call", "session_state"), Path(path), w.session.to_dict())
        self._poll.start()
        return True

    def _save_when_answered(self) -> None:
        request, path, session = self._pending
        if not request.done:
            return
        self._poll.stop()
        self._pending = None
        w = self.window
        if not request.ok:
            w.show_error(f"{tr('Saving the session failed')}: {request.value}")
            return
        from visualizer.core.session_file import write_session

        try:
            written = write_session(path, session, request.value)
        except (ExportError, ConfigError, OSError) as exc:
            w.show_error(f"{tr('Saving the session failed')}: {exc}")
            return
        self.saved_path = written
        w.statusBar().showMessage(tr("Session saved to {path}").format(path=written), 8000)

    # ---- opening -----------------------------------------------------------------------------------
    def choose_session_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, tr("Open session"), str(Path.home()), tr(FILTER))
        if path:
            self.open_file(path)

    def open_file(self, path) -> bool:
        """Open a .vis file as it was saved; a bad file is said and nothing changes."""
        from visualizer.core.session_file import read_session

        w = self.window
        try:
            opened = read_session(path, check_device=False)
        except (ConfigError, OSError) as exc:
            w.show_error(f"{tr('The session cannot be opened')}: {exc}")
            return False
        session = opened.session
        notes = list(opened.notes)
        if session.device != "cpu" and session.device not in w.available_devices():
            notes.append(tr("{device} is not available here: the session runs on the CPU").format(device=session.device))
            session.device = "cpu"
        w.open_explainer(session.explainer, saved=session, state=opened.state)
        w.retranslate()
        if notes:
            w.show_error(" · ".join(notes))
        w.statusBar().showMessage(tr("Opened {name} at step {step}").format(name=Path(path).name, step=opened.steps), 8000)
        return True
