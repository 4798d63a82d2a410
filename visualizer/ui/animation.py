"""File → Export animation…: the figure as it changes, streamed to a GIF (or an MP4 when
imageio-ffmpeg is there), one frame in memory at a time, with a progress bar and Cancel.

A training lab is stepped by its own process between frames (`every` steps apart); a lab that
does not train is animated over its lesson's steps. Each frame is the view the window drew,
rendered at 1× the figure's size (what `visualizer export … --out x.gif` does). The file is
written to a temporary file beside the target and renamed at the end: a cancelled or failed
export leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLineEdit,
                               QProgressDialog, QPushButton, QSpinBox)

from visualizer.core.errors import ExportError
from visualizer.ui.i18n import tr


def open_stream(path: Path, tmp: str, fps: float, theme):
    suffix = path.suffix.lower()
    if suffix == ".gif":
        from visualizer.core.writers import GifStream

        return GifStream(tmp, fps, colours=theme.palette())
    if suffix == ".mp4":
        import importlib.util

        if importlib.util.find_spec("imageio_ffmpeg") is None:
            raise ExportError("MP4 needs imageio-ffmpeg (pip install imageio-ffmpeg); GIF works without it")
        from visualizer.cli import _Mp4Stream

        return _Mp4Stream(tmp, fps)
    raise ExportError(f"cannot write '{path.name}': an animation is .gif or .mp4")


class AnimationDialog(QDialog):
    def __init__(self, window, path: str, continuous: bool):
        super().__init__(window)
        self.setWindowTitle(tr("Export animation"))
        self.frames = QSpinBox()
        self.frames.setRange(2, 1000)
        self.frames.setValue(40)
        self.every = QSpinBox()
        self.every.setRange(1, 100_000)
        self.every.setValue(10)
        self.fps = QSpinBox()
        self.fps.setRange(1, 60)
        self.fps.setValue(10)
        self.path = QLineEdit(path)
        browse = QPushButton(tr("Choose…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(tr("Frames"), self.frames)
        if continuous:
            form.addRow(tr("Training steps between frames"), self.every)
        form.addRow(tr("Frames per second"), self.fps)
        form.addRow(tr("File"), row)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Export animation"), self.path.text(),
                                              tr("Animations (*.gif *.mp4)"))
        if path:
            self.path.setText(path)


class AnimationExport(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.action = QAction("", window)
        self.action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.action.triggered.connect(self.ask)
        self._job = None
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        self.progress: QProgressDialog | None = None
        self.written: Path | None = None     # the last file written (tests, the status bar)

    def add_to(self, menu) -> None:
        menu.addAction(self.action)

    def retranslate(self) -> None:
        self.action.setText(tr("Export animation…"))

    def set_enabled(self, on: bool) -> None:
        self.action.setEnabled(on and self._job is None)

    @property
    def running(self) -> bool:
        return self._job is not None

    def ask(self) -> None:
        w = self.window
        continuous = w.runner is not None and w.runner.continuous
        name = f"{w.explainer.id if w.explainer else 'animation'}.gif"
        dialog = AnimationDialog(w, str(Path.home() / name), continuous)
        if dialog.exec() == QDialog.Accepted:
            self.start(dialog.path.text(), dialog.frames.value(), dialog.every.value(), dialog.fps.value())

    # ---- the job ------------------------------------------------------------------------------------
    def start(self, path, frames: int = 40, every: int = 10, fps: float = 10.0) -> bool:
        """Begin exporting `frames` frames to `path` (.gif/.mp4); False with a message if it cannot."""
        w = self.window
        runner = w.runner
        if runner is None or w.view is None or self._job is not None:
            w.show_error(tr("There is nothing to animate yet."))
            return False
        path = Path(path).expanduser()
        lesson = w.lesson.lesson
        continuous = runner.continuous
        if not continuous and (lesson is None or len(lesson.steps) < 2):
            w.show_error(tr("This view does not change over time: there is nothing to animate."))
            return False
        marks = list(range(len(lesson.steps)))[:frames] if not continuous else None
        from visualizer.core.writers import Staged, check_target

        stage = Staged([path])   # a temporary file beside the target, renamed onto it at the end
        try:
            check_target(path)
            stream = open_stream(path, stage.tmp(path), fps, w.theme)
        except (ExportError, OSError, ImportError) as exc:
            stage.discard()
            w.show_error(f"{tr('Exporting the animation failed')}: {exc}")
            return False
        runner.pause()
        total = frames if continuous else len(marks)
        self._job = {"path": path, "stage": stage, "stream": stream, "every": every, "total": total, "done": 0,
                     "marks": marks, "wait": None}
        self.progress = QProgressDialog(tr("Exporting the animation…"), tr("Cancel"), 0, total, w)
        self.progress.setWindowModality(Qt.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.canceled.connect(self.cancel)
        self.action.setEnabled(False)
        self._request_next()
        self._timer.start()
        return True

    def _request_next(self) -> None:
        """Ask for the next frame: a training lab steps on, a lesson goes to its next step; then a
        fresh frame is asked for, so the one drawn after the answer shows that state."""
        job, w = self._job, self.window
        if job["marks"] is None:
            if job["done"]:
                for _ in range(job["every"]):
                    w.runner.step_once()
        else:
            w.lesson.go_to(job["marks"][job["done"]])
        job["wait"] = w.runner.request("frame")

    def _tick(self) -> None:
        job, w = self._job, self.window
        if job is None:
            return
        if w.runner is None or w.view is None:
            self.cancel(tr("the explainer was closed"))
            return
        request = job["wait"]
        if not request.done:
            return
        if not request.ok:
            self.cancel(str(request.value))
            return
        frame = w.view.frame
        if frame is None or getattr(frame, "serial", 0) <= request.emitted:
            return   # the frame showing the asked state is not drawn yet
        from visualizer.ui.export import figure_rgb

        try:
            job["stream"].append(self._fit(figure_rgb(w.view.figure_widget(), 1.0)))
        except Exception as exc:  # noqa: BLE001 - a failed frame ends the export, nothing is left
            self.cancel(f"{type(exc).__name__}: {exc}")
            return
        job["done"] += 1
        if self.progress is not None:
            self.progress.setValue(job["done"])
        if job["done"] >= job["total"]:
            self._finish()
        else:
            self._request_next()

    def _fit(self, rgb):
        """Every frame the first one's size: the window may reflow while it runs (a banner, the
        rewind bar); the figure is cropped or padded with the background, anchored top-left."""
        import numpy as np

        job = self._job
        if "shape" not in job:
            job["shape"] = rgb.shape
            return rgb
        h, w_, _ = job["shape"]
        if rgb.shape == job["shape"]:
            return rgb
        out = np.empty(job["shape"], dtype=np.uint8)
        out[...] = rgb[0, 0]
        hh, ww = min(h, rgb.shape[0]), min(w_, rgb.shape[1])
        out[:hh, :ww] = rgb[:hh, :ww]
        return out

    def _finish(self) -> None:
        job = self._job
        self._end()
        try:
            job["stream"].close()
            job["stage"].commit()     # an ordinary file's mode, the old file put back if this fails
        except (ExportError, OSError) as exc:
            job["stage"].discard()
            self.window.show_error(f"{tr('Exporting the animation failed')}: {exc}")
            return
        self.written = job["path"]
        self.window.statusBar().showMessage(tr("Animation saved to {path}").format(path=job["path"]), 8000)

    def cancel(self, why: str | None = None) -> None:
        """Stop the export and remove its temporary file; `why` is said if it failed."""
        job = self._job
        if job is None:
            return
        self._end()
        try:
            job["stream"].close()
        except Exception:  # noqa: BLE001 - the file is being thrown away
            pass
        job["stage"].discard()
        if why:
            self.window.show_error(f"{tr('Exporting the animation failed')}: {why}")

    def _end(self) -> None:
        self._timer.stop()
        self._job = None
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel)
            self.progress.close()
            self.progress = None
        self.action.setEnabled(True)
