"""The main window: it wires the parts together around one ExplainerSession.

    navigator + options panel │ error banner over the view │ lesson      (splitter)
    ControlStrip (controls.py): Play, Step, Reset + seed, Speed, Device
    menus: File (ExportActions, exporting.py), Run, View (Presentation, presentation.py), Help
    Lessons (lessons.py) walks the lesson; LabRunner (runner.py) runs the lab in the background.

The session holds what is shown (explainer, options, seed, device, lesson step, view options);
widgets only show it, and every change goes through apply_options()."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QMainWindow, QMessageBox, QSplitter, QStackedWidget,
                               QVBoxLayout, QWidget)

from visualizer.core import registry
from visualizer.core.errors import ConfigError
from visualizer.core.session import ExplainerSession, split_by_role
from visualizer.ui import i18n
from visualizer.ui.animation import AnimationExport
from visualizer.ui.controls import ControlStrip, icon
from visualizer.ui.exporting import ExportActions
from visualizer.ui.fonts import SCRIPTS, missing_font_message
from visualizer.ui.i18n import tr
from visualizer.ui.keys_help import KeysHelp
from visualizer.ui.lessons import LessonActions, Lessons
from visualizer.ui.presentation import Presentation
from visualizer.core.registry import LabFactory
from visualizer.ui.runner import LOADING, RUNNING, LabRunner, RunnerBinding, warm_up
from visualizer.ui.sessions import SessionActions
from visualizer.ui.settings import Settings
from visualizer.ui.status import StatusLine
from visualizer.ui.theme import theme_named
from visualizer.ui.views.message import MessageView
from visualizer.ui.widgets.banner import ErrorBanner
from visualizer.ui.widgets.lesson_panel import LessonPanel
from visualizer.ui.widgets.navigator import Navigator
from visualizer.ui.widgets.options_panel import OptionsPanel
from visualizer.ui.widgets.loading import LoadingOverlay
from visualizer.ui.widgets.timeline import TimelineBar


class MainWindow(QMainWindow):
    first_painted = Signal(float)  # wall-clock time (time.time()) of the first paint

    def __init__(self, settings: Settings | None = None, explainer: str | None = None, *,
                 start_labs: bool = True, session_path: str | None = None):
        super().__init__()
        self.session_path = session_path           # a .vis file to open instead of the last explainer
        self.settings = settings or Settings()
        self.theme = theme_named(self.settings.theme)
        self.font_scale = self.settings.font_scale
        self.start_labs = start_labs
        self.session: ExplainerSession | None = None
        self.runner: LabRunner | None = None
        self._binding: RunnerBinding | None = None
        self._lab_info: dict | None = None         # what the current runner's lab announced
        self._preferred_speed: float | None = None
        self._drawing: tuple | None = None          # (runner, start) of the frame being painted
        self.view = None                            # a View (visualizer.ui.views.base)
        self.options_panel: OptionsPanel | None = None
        self.explainer = None
        self._painted = False
        self._available_devices: list[str] = []
        i18n.set_language(self.settings.language)
        self.setWindowIcon(icon("app"))
        self._build_ui()
        self._build_menus()
        self.lessons = Lessons(self)
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 860)
        self.presentation.apply_theme(self.theme.name, save=False)
        wanted = explainer or self.settings.explainer
        try:
            registry.get(wanted)
        except KeyError:
            wanted = registry.EXPLAINERS[0].id
        # paint first: the explainer (pyqtgraph, its view, then torch in the worker) opens right
        # after the window's first paint, behind a "Loading…" message
        self.initial_explainer = wanted
        self._set_view(MessageView(self.theme, self.font_scale, registry.get(wanted).title, "Loading…"))
        self.first_painted.connect(self._open_initial)
        self.retranslate()
        if self.settings.problem:
            self.show_error(f"{tr(self.settings.problem)} ({self.settings.path})")
        self.warn_if_no_font(i18n.language())

    # ---- construction --------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.nav = Navigator()
        self.nav.chosen.connect(self._navigator_changed)
        self.navigator = self.nav.list
        self.banner = ErrorBanner()
        self.stack = QStackedWidget()
        centre = QWidget()
        # [rail │ banner / view / timeline │ rail]: a folded side pane leaves a rail that opens it
        # (presentation.Panes puts the rails in)
        self.centre_row = QHBoxLayout(centre)
        self.centre_row.setContentsMargins(0, 0, 0, 0)
        self.centre_row.setSpacing(0)
        column = QWidget()
        self.centre_row.addWidget(column, 1)
        centre_layout = QVBoxLayout(column)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addWidget(self.banner)
        centre_layout.addWidget(self.stack, 1)
        self.loading = LoadingOverlay(self.stack)    # dims the figure while the lab builds
        self.timeline = TimelineBar()                # rewind a training run (widgets/timeline.py)
        self.timeline.rewind_requested.connect(self._rewind)
        self.timeline.undo_requested.connect(self._undo_branch)
        centre_layout.addWidget(self.timeline)

        self.lesson = LessonPanel()
        self.splitter = QSplitter(Qt.Horizontal)
        for i, (w, stretch) in enumerate(((self.nav, 0), (centre, 1), (self.lesson, 0))):
            self.splitter.addWidget(w)
            self.splitter.setStretchFactor(i, stretch)
        self.splitter.setSizes([250, 850, 330])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.lesson.setVisible(self.settings.lesson_visible)

        self.controls = ControlStrip(self)
        self.addToolBar(Qt.TopToolBarArea, self.controls)
        self.play_action, self.step_action, self.reset_action = self.controls.actions_run()
        self.status = StatusLine(self)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.exports = ExportActions(self)
        self.presentation = Presentation(self)
        self.file_menu = bar.addMenu("")
        self.sessions = SessionActions(self)         # File → Open / Save session (sessions.py)
        self.sessions.add_to(self.file_menu)
        for a in self.sessions.actions():
            self.addAction(a)
        self.file_menu.addSeparator()
        self.lesson_actions = LessonActions(self)   # File → Open lesson… (lessons.py)
        self.lesson_actions.add_to(self.file_menu)
        self.addAction(self.lesson_actions.open_action)
        self.file_menu.addSeparator()
        self.exports.add_to(self.file_menu)
        self.animation = AnimationExport(self)       # File → Export animation… (animation.py)
        self.animation.add_to(self.file_menu)
        self.addAction(self.animation.action)
        self.file_menu.addSeparator()
        self.quit_action = self.file_menu.addAction("")
        self.quit_action.setShortcut(QKeySequence.Quit)
        self.quit_action.triggered.connect(self.close)
        self.run_menu = bar.addMenu("")
        for action in self.controls.actions_run():
            self.run_menu.addAction(action)
        self.view_menu = bar.addMenu("")
        self.presentation.add_to(self.view_menu)
        self.help_menu = bar.addMenu("")
        self.keys_help = KeysHelp(self)             # F1: every key, collected from the actions
        self.keys_help.add_to(self.help_menu)
        self.addAction(self.keys_help.action)
        self.about_action = self.help_menu.addAction("")
        self.about_action.triggered.connect(self.about)
        # shortcuts work in fullscreen too, where the menu bar may be hidden
        e = self.exports
        for a in (self.presentation.window_actions() + self.controls.actions_run()
                  + (e.figure_action, e.data_action, e.copy_action)):
            self.addAction(a)

    # ---- explainers ----------------------------------------------------------------------------
    @Slot()
    def _open_initial(self) -> None:
        QTimer.singleShot(0, self._open_initial_now)

    def _open_initial_now(self) -> None:
        if self.start_labs:
            warm_up()  # the forkserver imports torch while the view is built
        if self.session_path and self.sessions.open_file(self.session_path):
            return
        if self.explainer is None:
            self.open_explainer(self.initial_explainer)
            self.retranslate()

    def open_explainer(self, explainer_id: str, saved: ExplainerSession | None = None,
                       state: dict | None = None) -> None:
        """Open an explainer in its lesson's first step, or as a saved session left it (`saved`,
        with the lab's `state` restored in its process; the lesson step is shown, not re-applied)."""
        explainer = registry.get(explainer_id)
        if saved is None and self.explainer is not None and explainer.id == self.explainer.id:
            return
        self._stop_runner()
        self.clear_error()
        self.explainer, self.session = explainer, None
        self.nav.select(explainer.id)
        self.settings.save(explainer=explainer.id)
        if self.view is not None:
            self.stack.removeWidget(self.view)
            self.view.deleteLater()
            self.view = None
        if self.options_panel is not None:
            self.options_panel.deleteLater()
            self.options_panel = None
        self.lessons.load()
        if not explainer.ready:
            self._set_view(MessageView(self.theme, self.font_scale, explainer.title,
                                       "Coming soon: this explainer is not built yet."))
            self._set_controls(state=None)
            return
        try:
            options = explainer.load_options()
            view_class = explainer.load_view()
        except Exception as exc:  # noqa: BLE001 - a broken explainer must not take the app down
            self._set_view(MessageView(self.theme, self.font_scale, explainer.title, ""))
            self.show_error(f"{tr('Opening the explainer failed')}: {type(exc).__name__}: {exc}")
            self._set_controls(state=None)
            return
        device = self.controls.device_box.currentData() or "cpu"
        if saved is not None:
            self.session = saved
            self.controls.seed_box.blockSignals(True)
            self.controls.seed_box.setValue(saved.seed)
            self.controls.seed_box.blockSignals(False)
            if self.lesson.lesson is not None:
                self.lesson.set_lesson(self.lesson.lesson, saved.lesson_step)
        else:
            self.session = ExplainerSession.open(explainer.id, seed=self.controls.seed_box.value(), device=device)
            self.lessons.apply_first_step(self.session)   # the explainer opens in its lesson's first step
        self.options_panel = OptionsPanel(options)
        self.options_panel.changed.connect(self._option_changed)
        self.nav.set_options_panel(self.options_panel)
        view = view_class(self.theme, self.font_scale)
        view.params_requested.connect(self.apply_options)
        self._set_view(view)
        self.options_panel.set_values(self.session.values())
        view.set_view_options(self.session.view)
        first = self.lessons.first_step() if saved is None else None
        if first is not None and first.view:
            view.apply_lesson_state(first.view)
        self._set_controls(state=LOADING)
        if self.start_labs:
            self._start_runner(state)

    def _set_view(self, view) -> None:
        self.view = view
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)

    def _start_runner(self, state: dict | None = None) -> None:
        s = self.session
        runner = LabRunner(LabFactory(self.explainer), device=s.device, seed=s.seed, options=dict(s.options),
                           name=self.explainer.id, restore=state)
        self._binding = RunnerBinding(self, runner)
        self.runner = runner
        self.speed_changed()
        runner.start()

    def _stop_runner(self, wait: bool = False) -> None:
        runner, self.runner = self.runner, None
        if runner is None:
            return
        runner.stop(timeout=1.0, wait=wait)  # the window goes on at once; the process ends ≤ 1 s
        self._lab_info = self._drawing = None  # they described the runner that is gone
        self.timeline.show_timeline({"steps": []})
        # signals already queued may still arrive: the binding ignores them, and it is deleted
        # only after them (deleteLater is processed after events posted before it)
        self._binding.runner = None
        self._binding.deleteLater()
        self._binding = None

    # ---- runner signals (through RunnerBinding) ------------------------------------------------------
    def _on_frame(self, runner, frame) -> None:
        if self.view is None:
            runner.frame_consumed()
            return
        start = time.perf_counter()
        try:
            self.view.show_frame(frame)
        except Exception as exc:  # noqa: BLE001 - a drawing bug is reported, the app keeps running
            self.show_error(f"{tr('Drawing failed')}: {type(exc).__name__}: {exc}")
        self.status.frames_drawn += 1
        # the paint itself happens when the event loop handles the posted updates; a zero timer
        # fires after them, so the cost handed to the runner includes painting
        self._drawing = (runner, start)
        QTimer.singleShot(0, self._frame_painted)

    @Slot()
    def _frame_painted(self) -> None:
        drawing, self._drawing = self._drawing, None
        if drawing is not None:
            runner, start = drawing
            runner.frame_consumed(time.perf_counter() - start)

    def _on_lab_ready(self, info: dict) -> None:
        self._lab_info = info
        self.status.device.setText(info["device"])
        speed = info.get("preferred_speed")
        if speed and speed != self._preferred_speed:
            self.controls.prefer_speed(speed)  # a lab that animates reads best at its own pace
        self._preferred_speed = speed
        if self.options_panel is not None and self.session is not None:
            # the lab's options as it resolved them; the view's are the view's
            lab_values, _ = split_by_role(self.session.options_set,
                                          {k: v for k, v in info["options"].items() if k in self.session.options_set})
            self.session.options.update(lab_values)
            self.options_panel.set_values(lab_values)
        if not self._available_devices and info.get("devices"):
            self._available_devices = list(info["devices"])  # found by the lab's process: CUDA lives there
            self.controls.set_devices(self._available_devices)
        self._set_controls(self.runner.state)

    def available_devices(self) -> list[str]:
        """The devices the lab's process found (just the CPU until a lab has started)."""
        return list(self._available_devices) or ["cpu"]

    # ---- controls ----------------------------------------------------------------------------------
    def _set_controls(self, state: str | None) -> None:
        runner, info = self.runner, self._lab_info
        continuous = bool(info and info.get("continuous")) and runner is not None
        self.controls.set_state(state, continuous, runner is not None)
        ready = runner is not None and state not in (LOADING, None)   # a lab is there to export or save
        for part in (self.exports, self.sessions, self.animation):
            part.set_enabled(ready)
        self.loading.set_loading(runner is not None and state == LOADING, self.theme.dark, self.font_scale)
        self.status.show_state(state)

    def toggle_play(self) -> None:
        if self.runner is not None:
            self.runner.pause() if self.runner.state == RUNNING else self.runner.play()

    @Slot(int)
    def _rewind(self, step: int) -> None:
        if self.runner is not None:
            self.runner.rewind(step)

    @Slot()
    def _undo_branch(self) -> None:
        if self.runner is not None:
            self.runner.undo_branch()

    def step_once(self) -> None:
        if self.runner is not None:
            self.runner.step_once()

    def reset(self) -> None:
        if self.runner is not None:
            self.clear_error()
            self.runner.reset(self.session.seed)

    @Slot(int)
    def set_seed(self, seed: int) -> None:
        if self.session is not None:
            self.session.seed = int(seed)

    @Slot()
    def speed_changed(self, _index: int = 0) -> None:
        if self.runner is not None:
            self.runner.set_speed(self.controls.speed())

    @Slot(int)
    def device_changed(self, index: int) -> None:
        device = self.controls.device_box.itemData(index)
        if self.session is not None and device:
            self.session.device = device
        if self.runner is not None and index >= 0:
            self.runner.set_device(device)

    @Slot(str, object)
    def _option_changed(self, name: str, value) -> None:
        self.apply_options({name: value})

    @Slot(dict)
    def apply_options(self, values: dict) -> None:
        """Validate option changes into the session, then route them: view options to the view,
        the rest to the lab; the options panel shows them."""
        if self.session is None:
            return
        try:
            to_lab, to_view = self.session.update(values)
        except ConfigError as exc:
            self.show_error(str(exc))
            return
        if to_view and self.view is not None:
            self.view.set_view_options(to_view)
        if to_lab and self.runner is not None:
            self.clear_error()
            self.runner.set_params(to_lab)
        if self.options_panel is not None:
            self.options_panel.set_values({**to_lab, **to_view})

    # ---- errors --------------------------------------------------------------------------------------
    @property
    def last_error(self) -> str:
        return self.banner.message

    def show_error(self, message: str) -> None:
        self.banner.show_message(message)
        self.statusBar().showMessage(message, 15000)

    def warn_if_no_font(self, language: str) -> None:
        """Say so when the language's script has no font; take the words back on leaving it."""
        message = missing_font_message(language)
        if message:
            self.show_error(message)
        elif self.banner.message in {missing_font_message(code) for code in SCRIPTS} - {None}:
            self.clear_error()

    def clear_error(self) -> None:
        self.banner.clear()

    # ---- text and style ------------------------------------------------------------------------------
    def restyle_chrome(self) -> None:
        """The window's own texts at the current font scale (the view restyles itself)."""
        self.nav.apply_font_scale(self.font_scale)
        self.lesson.apply_font_scale(self.font_scale)

    def retranslate(self) -> None:
        self.nav.retranslate()
        for menu, text in ((self.file_menu, "&File"), (self.run_menu, "&Run"), (self.view_menu, "&View"),
                           (self.help_menu, "&Help")):
            menu.setTitle(tr(text))
        self.quit_action.setText(tr("Quit"))
        self.about_action.setText(tr("About visualizer"))
        self.lesson_actions.retranslate()
        self.keys_help.retranslate()
        self.exports.retranslate()
        self.sessions.retranslate()
        self.animation.retranslate()
        self.presentation.retranslate()
        self.controls.retranslate()
        self.timeline.retranslate()
        if self.options_panel is not None:
            self.options_panel.retranslate()
        if self.view is not None:
            self.view.retranslate()
        self._set_controls(self.runner.state if self.runner else None)
        title = tr(self.explainer.title) if self.explainer else ""
        self.setWindowTitle(f"visualizer — {title}" if title else "visualizer")

    def about(self) -> None:
        from visualizer.ui.guard import log_path

        guard = getattr(self, "guard", None)
        log = guard.path if guard is not None else log_path()
        QMessageBox.about(self, tr("About visualizer"),
                          tr("visualizer runs real neural-network modules and shows what happens inside them.")
                          + "\n\n" + tr("Error log") + f": {log}")

    # ---- Qt events --------------------------------------------------------------------------------------
    @Slot(str)
    def _navigator_changed(self, explainer_id: str) -> None:
        self.open_explainer(explainer_id)
        self.retranslate()

    def paintEvent(self, event) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit(time.time())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        presentation = getattr(self, "presentation", None)
        if presentation is not None:
            presentation.panes.fit()   # fold or unfold the side panes for the figure's width

    def closeEvent(self, event) -> None:  # noqa: N802
        self.settings.save(geometry=self.saveGeometry())
        self._stop_runner(wait=True)
        self.lessons.close()
        super().closeEvent(event)


def open_session_file(path: str) -> int:
    """`visualizer open FILE.vis`: the app, opened on that session."""
    return run_app(session_path=path)


def run_app(explainer: str | None = None, session_path: str | None = None) -> int:
    import os

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("visualizer")
    app.setOrganizationName("visualizer")
    window = MainWindow(explainer=explainer, session_path=session_path)
    from visualizer.ui import guard

    guard.install(window)  # any exception escaping a slot, timer or thread: banner + log file
    if os.environ.get("VISUALIZER_EXIT_AFTER_FRAME"):
        # used by bench/startup.py --frame: report the first paint and the explainer's first frame
        window.first_painted.connect(lambda t: print(f"painted {t:.6f}", flush=True))
        poll = QTimer(window)

        def framed() -> None:
            if window.runner is not None and getattr(window.view, "frame", None) is not None:
                poll.stop()
                print(f"framed {time.time():.6f}", flush=True)
                QTimer.singleShot(0, window.close)

        poll.timeout.connect(framed)
        poll.start(5)
    elif os.environ.get("VISUALIZER_EXIT_AFTER_PAINT"):
        # used by bench/startup.py: report when the first paint happened, then quit
        window.first_painted.connect(lambda t: (print(f"painted {t:.6f}", flush=True),
                                                QTimer.singleShot(0, window.close)))
    window.show()
    return app.exec()
