"""The main window: navigator, view, lesson, controls, status bar, menus, export, presentation."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QFileDialog, QFrame, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QMainWindow, QMessageBox,
                               QPlainTextEdit, QScrollArea, QSpinBox, QSplitter, QStackedWidget, QTextEdit,
                               QToolBar, QToolButton, QVBoxLayout, QWidget)

from visualizer.core import registry
from visualizer.core.errors import ConfigError, ExportError
from visualizer.core.resources import LANGUAGES, LessonError, load_lesson, resources_dir
from visualizer.ui import i18n
from visualizer.ui.i18n import tr
from visualizer.ui.runner import ERROR, LOADING, PAUSED, READY, RUNNING, STOPPED, LabRunner
from visualizer.ui.settings import FONT_SCALES, Settings
from visualizer.ui.theme import apply_to_app, theme_named
from visualizer.ui.fonts import font
from visualizer.ui.views.message import MessageView
from visualizer.ui.widgets.lesson_panel import LessonPanel
from visualizer.ui.widgets.options_panel import OptionsPanel

SPEEDS = (("Max", None), ("100 steps/s", 100), ("30 steps/s", 30), ("10 steps/s", 10),
          ("2 steps/s (slow motion)", 2))
STATE_TEXT = {LOADING: "Loading…", READY: "Ready", RUNNING: "Running", PAUSED: "Paused", ERROR: "Error",
              STOPPED: "Stopped"}
TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)
NEXT_KEYS = (Qt.Key_Space, Qt.Key_Right, Qt.Key_PageDown)
PREVIOUS_KEYS = (Qt.Key_Left, Qt.Key_PageUp)


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


class LessonKeys(QObject):
    """Space, →, PageDown: next lesson step; ←, PageUp: previous — unless the user is typing."""

    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.KeyPress or event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            return False
        key = event.key()
        if key not in NEXT_KEYS and key not in PREVIOUS_KEYS:
            return False
        focus = QApplication.focusWidget()
        if isinstance(focus, TEXT_INPUTS) or (isinstance(focus, QComboBox) and focus.isEditable()):
            return False
        if not self.window.isActiveWindow() and QApplication.activeWindow() is not None:
            return False
        if key in NEXT_KEYS:
            self.window.lesson.next()
        else:
            self.window.lesson.previous()
        return True


class MainWindow(QMainWindow):
    first_painted = Signal(float)  # wall-clock time (time.time()) of the first paint

    def __init__(self, settings: Settings | None = None, explainer: str | None = None, *,
                 start_labs: bool = True):
        super().__init__()
        self.settings = settings or Settings()
        self.theme = theme_named(self.settings.theme)
        self.font_scale = self.settings.font_scale
        self.png_scale = self.settings.png_scale
        self.start_labs = start_labs
        self.runner: LabRunner | None = None
        self._binding: RunnerBinding | None = None
        self._lab_info: dict | None = None         # what the current runner's lab announced
        self._preferred_speed: float | None = None
        self._drawing: tuple | None = None          # (runner, start) of the frame being painted
        self.view = None  # a View (visualizer.ui.views.base), or a MessageView
        self.options_panel: OptionsPanel | None = None
        self.explainer = None
        self.last_error = ""
        self._frames_drawn = 0
        self._fps_mark = (time.perf_counter(), 0)
        self._fps = 0.0
        self._painted = False
        self._available_devices: list[str] = []
        i18n.set_language(self.settings.language)
        self.setWindowIcon(icon("app"))
        self._build_ui()
        self._build_menus()
        self._lesson_keys = LessonKeys(self)
        QApplication.instance().installEventFilter(self._lesson_keys)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(500)
        self._status_timer.timeout.connect(self._update_status)
        self._status_timer.start()
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 860)
        self.apply_theme(self.theme.name, save=False)
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

    # ---- construction --------------------------------------------------------------------------
    def _build_ui(self) -> None:
        # left: explainers and their options
        self.navigator = QListWidget()
        self.navigator.setFocusPolicy(Qt.NoFocus)
        for explainer in registry.EXPLAINERS:
            item = QListWidgetItem()
            item.setData(Qt.UserRole, explainer.id)
            self.navigator.addItem(item)
        self.navigator.currentItemChanged.connect(self._navigator_changed)
        self.navigator.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.navigator.setSpacing(3)  # (a style sheet here would stop the list following the theme palette)
        self.options_title = QLabel()
        self.options_host = QScrollArea()
        self.options_host.setWidgetResizable(True)
        self.options_host.setFrameShape(QFrame.NoFrame)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        self.nav_title = QLabel()
        left_layout.addWidget(self.nav_title)
        left_layout.addWidget(self.navigator, 0)
        left_layout.addWidget(self.options_title)
        left_layout.addWidget(self.options_host, 1)

        # centre: an error banner over the explainer's view
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.banner.hide()
        self.banner_close = QToolButton()
        self.banner_close.setText("✕")
        self.banner_close.clicked.connect(self.clear_error)
        self.banner_close.hide()
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.banner_close, 0, Qt.AlignTop)
        self.stack = QStackedWidget()
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addLayout(banner_row)
        centre_layout.addWidget(self.stack, 1)

        self.lesson = LessonPanel()
        self.lesson.step_changed.connect(self._lesson_step_changed)

        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.lesson)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([250, 850, 330])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.lesson.setVisible(self.settings.lesson_visible)

        # the control strip
        self.toolbar = QToolBar()
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.addToolBar(Qt.TopToolBarArea, self.toolbar)
        self.play_action = QAction(icon("play"), "", self)
        self.play_action.setShortcut(QKeySequence("Ctrl+P"))
        self.play_action.triggered.connect(self.toggle_play)
        self.step_action = QAction(icon("step"), "", self)
        self.step_action.setShortcut(QKeySequence("Ctrl+Right"))
        self.step_action.triggered.connect(self.step_once)
        self.reset_action = QAction(icon("reset"), "", self)
        self.reset_action.setShortcut(QKeySequence("Ctrl+R"))
        self.reset_action.triggered.connect(self.reset)
        for action in (self.play_action, self.step_action, self.reset_action):
            self.toolbar.addAction(action)
        self.seed_label = QLabel()
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 2**31 - 1)
        self.speed_label = QLabel()
        self.speed_box = QComboBox()
        self.speed_box.currentIndexChanged.connect(self._speed_changed)
        self.device_label = QLabel()
        self.device_box = QComboBox()
        self.device_box.addItem("CPU", "cpu")
        self.device_box.currentIndexChanged.connect(self._device_changed)
        for w in (self.seed_label, self.seed_box, self.speed_label, self.speed_box, self.device_label,
                  self.device_box):
            if isinstance(w, QLabel):
                w.setContentsMargins(12, 0, 4, 0)
            self.toolbar.addWidget(w)

        # the status bar
        self.status_device = QLabel()
        self.status_state = QLabel()
        self.status_rate = QLabel()
        for w in (self.status_state, self.status_rate, self.status_device):
            self.statusBar().addPermanentWidget(w)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.export_figure_action = QAction(icon("export"), "", self)
        self.export_figure_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_figure_action.triggered.connect(self.export_figure_dialog)
        self.export_data_action = QAction("", self)
        self.export_data_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_data_action.triggered.connect(self.export_data_dialog)
        self.copy_action = QAction("", self)
        self.copy_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_action.triggered.connect(self.copy_figure)
        self.png_scale_menu = self.file_menu.addMenu("")
        self.png_scale_group = QActionGroup(self)
        self.png_scale_actions = []
        for scale in (1, 2, 3, 4):
            a = QAction(f"{scale}×", self, checkable=True)
            a.setChecked(scale == self.png_scale)
            a.triggered.connect(lambda _c=False, s=scale: self.set_png_scale(s))
            self.png_scale_group.addAction(a)
            self.png_scale_menu.addAction(a)
            self.png_scale_actions.append(a)
        self.quit_action = QAction("", self)
        self.quit_action.setShortcut(QKeySequence.Quit)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.insertAction(self.png_scale_menu.menuAction(), self.export_figure_action)
        self.file_menu.insertAction(self.png_scale_menu.menuAction(), self.export_data_action)
        self.file_menu.insertAction(self.png_scale_menu.menuAction(), self.copy_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        self.run_menu = bar.addMenu("")
        for action in (self.play_action, self.step_action, self.reset_action):
            self.run_menu.addAction(action)

        self.view_menu = bar.addMenu("")
        self.fullscreen_action = QAction("", self, checkable=True)
        self.fullscreen_action.setShortcut(QKeySequence(Qt.Key_F11))
        self.fullscreen_action.triggered.connect(self.toggle_fullscreen)
        self.zoom_in_action = QAction("", self)
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++"), QKeySequence.ZoomIn])
        self.zoom_in_action.triggered.connect(lambda: self.zoom(+1))
        self.zoom_out_action = QAction("", self)
        self.zoom_out_action.setShortcuts([QKeySequence("Ctrl+-"), QKeySequence.ZoomOut])
        self.zoom_out_action.triggered.connect(lambda: self.zoom(-1))
        self.zoom_reset_action = QAction("", self)
        self.zoom_reset_action.setShortcut(QKeySequence("Ctrl+0"))
        self.zoom_reset_action.triggered.connect(lambda: self.set_font_scale(1.0))
        self.lesson_action = QAction("", self, checkable=True)
        self.lesson_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lesson_action.setChecked(self.settings.lesson_visible)
        self.lesson_action.triggered.connect(self.set_lesson_visible)
        self.theme_menu = self.view_menu.addMenu("")
        self.theme_group = QActionGroup(self)
        self.theme_actions = {}
        for name in ("light", "dark"):
            a = QAction("", self, checkable=True)
            a.triggered.connect(lambda _c=False, n=name: self.apply_theme(n))
            self.theme_group.addAction(a)
            self.theme_menu.addAction(a)
            self.theme_actions[name] = a
        self.language_menu = self.view_menu.addMenu("")
        self.language_group = QActionGroup(self)
        self.language_actions = {}
        for code, label in LANGUAGES.items():
            a = QAction(label, self, checkable=True)
            a.setChecked(code == i18n.language())
            a.triggered.connect(lambda _c=False, c=code: self.set_language(c))
            self.language_group.addAction(a)
            self.language_menu.addAction(a)
            self.language_actions[code] = a
        self.view_menu.addSeparator()
        for a in (self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action, self.lesson_action,
                  self.fullscreen_action):
            self.view_menu.addAction(a)
        self.help_menu = bar.addMenu("")
        self.about_action = QAction("", self)
        self.about_action.triggered.connect(self.about)
        self.help_menu.addAction(self.about_action)
        # shortcuts work in fullscreen too, where the menu bar may be hidden
        for a in (self.fullscreen_action, self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action,
                  self.export_figure_action, self.export_data_action, self.copy_action, self.lesson_action):
            self.addAction(a)

    # ---- explainers ----------------------------------------------------------------------------
    @Slot()
    def _open_initial(self) -> None:
        QTimer.singleShot(0, self._open_initial_now)

    def _open_initial_now(self) -> None:
        if self.explainer is None:
            self.open_explainer(self.initial_explainer)
            self.retranslate()

    def open_explainer(self, explainer_id: str) -> None:
        explainer = registry.get(explainer_id)
        if self.explainer is not None and explainer.id == self.explainer.id:
            return
        self._stop_runner()
        self.clear_error()
        self.explainer = explainer
        for i in range(self.navigator.count()):
            item = self.navigator.item(i)
            if item.data(Qt.UserRole) == explainer.id and self.navigator.currentRow() != i:
                self.navigator.blockSignals(True)
                self.navigator.setCurrentRow(i)
                self.navigator.blockSignals(False)
        self.settings.save(explainer=explainer.id)
        if self.view is not None:
            self.stack.removeWidget(self.view)
            self.view.deleteLater()
            self.view = None
        if self.options_panel is not None:
            self.options_panel.deleteLater()
            self.options_panel = None
        self._load_lesson()
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
        self.options_panel = OptionsPanel(options)
        self.options_panel.changed.connect(self._option_changed)
        self.options_host.setWidget(self.options_panel)
        view = view_class(self.theme, self.font_scale)
        view.params_requested.connect(self._view_requests_params)
        self._set_view(view)
        # the lesson opens on its first step, so the explainer starts in that step's state
        first = self.lesson.lesson.steps[0] if self.lesson.lesson else None
        values = options.defaults()
        try:
            values = options.validate({**(first.options if first else {}), **(first.view if first else {})})
        except ConfigError as exc:
            self.show_error(f"{tr('The lesson asks for an invalid option')}: {exc}")
        self.options_panel.set_values(values)
        view.set_view_options({o.name: values[o.name] for o in options.by_role("view")})
        if first is not None and first.view:
            view.apply_lesson_state(first.view)
        self._set_controls(state=LOADING)
        if self.start_labs:
            self._start_runner(values)

    def _set_view(self, view) -> None:
        self.view = view
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)

    def _load_lesson(self) -> None:
        try:
            lesson = load_lesson(self.explainer.id, i18n.language())
        except LessonError as exc:
            lesson = None
            self.show_error(str(exc))
        self.lesson.set_lesson(lesson, 0)

    def _start_runner(self, options: dict) -> None:
        explainer = self.explainer
        lab_options = {k: v for k, v in options.items() if explainer.load_options()[k].role != "view"}
        runner = LabRunner(_LabFactory(explainer), device=self.device_box.currentData() or "cpu",
                           seed=self.seed_box.value(), options=lab_options, name=explainer.id)
        self._binding = RunnerBinding(self, runner)
        self.runner = runner
        self._speed_changed(self.speed_box.currentIndex())
        runner.start()

    def _stop_runner(self) -> None:
        runner, self.runner = self.runner, None
        if runner is None:
            return
        runner.stop(timeout=1.0)
        self._lab_info = self._drawing = None  # they described the runner that is gone
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
        self._frames_drawn += 1
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

    def _on_state(self, state: str) -> None:
        self._set_controls(state)

    def _on_failed(self, message: str) -> None:
        self.show_error(message)

    def _on_lab_ready(self, info: dict) -> None:
        self._lab_info = info
        self.status_device.setText(info["device"])
        speed = info.get("preferred_speed")
        if speed and speed != self._preferred_speed:
            # a lab that animates (RoPE's rotation...) reads best at its own pace; the user may change it
            index = min(range(1, len(SPEEDS)), key=lambda i: abs(SPEEDS[i][1] - speed))
            self.speed_box.setCurrentIndex(index)
        self._preferred_speed = speed
        if self.options_panel is not None and self.explainer is not None:
            # the lab's options; view options are the view's (the lab only holds their defaults)
            options = self.explainer.load_options()
            self.options_panel.set_values({k: v for k, v in info["options"].items()
                                           if k in options and options[k].role != "view"})
        if not self._available_devices:
            from visualizer.core.device import available_devices  # torch is imported by now

            self._available_devices = available_devices()
            self.device_box.blockSignals(True)
            self.device_box.clear()
            for name in self._available_devices:
                self.device_box.addItem("CPU" if name == "cpu" else name.upper(), name)
            self.device_box.blockSignals(False)
        self._set_controls(self.runner.state)

    # ---- controls ----------------------------------------------------------------------------------
    def _set_controls(self, state: str | None) -> None:
        runner = self.runner
        info = self._lab_info
        continuous = bool(info and info.get("continuous")) and runner is not None
        running = state == RUNNING
        self.play_action.setEnabled(continuous and state in (RUNNING, PAUSED))
        self.play_action.setIcon(icon("pause" if running else "play"))
        self.play_action.setText(tr("Pause") if running else tr("Play"))
        self.step_action.setEnabled(continuous and state in (RUNNING, PAUSED))
        self.reset_action.setEnabled(runner is not None and state not in (LOADING, None))
        has_view = runner is not None and state not in (LOADING, None)
        for a in (self.export_figure_action, self.export_data_action, self.copy_action):
            a.setEnabled(has_view)
        self.status_state.setText(tr(STATE_TEXT.get(state, "")) if state else tr("Coming soon"))
        if state is None:
            self.status_device.setText("")
            self.status_rate.setText("")

    def toggle_play(self) -> None:
        if self.runner is None:
            return
        if self.runner.state == RUNNING:
            self.runner.pause()
        else:
            self.runner.play()

    def step_once(self) -> None:
        if self.runner is not None:
            self.runner.step_once()

    def reset(self) -> None:
        if self.runner is not None:
            self.clear_error()
            self.runner.reset(self.seed_box.value())

    @Slot(int)
    def _speed_changed(self, index: int) -> None:
        if self.runner is not None and index >= 0:
            self.runner.set_speed(SPEEDS[index][1])

    @Slot(int)
    def _device_changed(self, index: int) -> None:
        if self.runner is not None and index >= 0:
            self.runner.set_device(self.device_box.itemData(index))

    @Slot(str, object)
    def _option_changed(self, name: str, value) -> None:
        self.apply_options({name: value})

    @Slot(dict)
    def _view_requests_params(self, values: dict) -> None:
        self.apply_options(values)

    def apply_options(self, values: dict) -> None:
        """Validate and route option changes: view options to the view, the rest to the lab."""
        if self.explainer is None or not self.explainer.ready:
            return
        options = self.explainer.load_options()
        to_lab, to_view = {}, {}
        try:
            for name, value in values.items():
                option = options[name]
                (to_view if option.role == "view" else to_lab)[name] = option.coerce(value)
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

    # ---- lesson --------------------------------------------------------------------------------------
    @Slot(int)
    def _lesson_step_changed(self, index: int) -> None:
        lesson = self.lesson.lesson
        if lesson is None:
            return
        step = lesson.steps[index]
        if step.options:
            self.apply_options(step.options)
        if step.view and self.view is not None:
            self.view.apply_lesson_state(step.view)
            if self.options_panel is not None:
                self.options_panel.set_values(step.view)

    def set_lesson_visible(self, visible: bool) -> None:
        self.lesson.setVisible(visible)
        self.lesson_action.setChecked(visible)
        self.settings.save(lesson_visible=visible)

    # ---- errors --------------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        self.last_error = message
        self.banner.setText("⚠  " + message)
        self.banner.show()
        self.banner_close.show()
        self.statusBar().showMessage(message, 15000)

    def clear_error(self) -> None:
        self.last_error = ""
        self.banner.hide()
        self.banner_close.hide()

    # ---- export --------------------------------------------------------------------------------------
    def _ask_path(self, title: str, filters: str, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filters)
        return path

    def _suggested_name(self, suffix: str) -> str:
        base = self.explainer.id if self.explainer else "figure"
        return str(Path.home() / f"{base}{suffix}")

    def export_figure_dialog(self) -> None:
        filters = "PNG image (*.png);;SVG vector (*.svg);;PDF vector (*.pdf)"
        path = self._ask_path(tr("Export figure"), filters, self._suggested_name(".png"))
        if path:
            self.export_figure_to(path)

    def export_data_dialog(self) -> None:
        filters = "NumPy arrays (*.npz);;CSV table (*.csv);;JSON (*.json)"
        path = self._ask_path(tr("Export data"), filters, self._suggested_name(".npz"))
        if path:
            self.export_data_to(path)

    def export_figure_to(self, path: str) -> bool:
        if self.view is None:
            return False
        from visualizer.ui.export import export_figure

        try:
            written = export_figure(self.view.figure_widget(), path, scale=self.png_scale,
                                    title=f"visualizer — {self.explainer.title}")
        except ExportError as exc:
            self.show_error(f"{tr('Export figure failed')}: {exc}")
            return False
        self.statusBar().showMessage(tr("Figure written to {path}").format(path=written), 8000)
        return True

    def export_data_to(self, path: str) -> bool:
        if self.view is None:
            return False
        from visualizer.ui.export import export_data

        try:
            written = export_data(self.view.data_frame(), path)
        except ExportError as exc:
            self.show_error(f"{tr('Export data failed')}: {exc}")
            return False
        self.statusBar().showMessage(tr("Data written to {path}").format(path=written), 8000)
        return True

    def copy_figure(self) -> None:
        if self.view is not None:
            from visualizer.ui.export import copy_figure

            copy_figure(self.view.figure_widget(), self.png_scale)
            self.statusBar().showMessage(tr("Figure copied to the clipboard"), 5000)

    def set_png_scale(self, scale: int) -> None:
        self.png_scale = scale
        self.png_scale_actions[scale - 1].setChecked(True)
        self.settings.save(png_scale=scale)

    # ---- presentation ----------------------------------------------------------------------------------
    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    def zoom(self, direction: int) -> None:
        index = min(range(len(FONT_SCALES)), key=lambda i: abs(FONT_SCALES[i] - self.font_scale))
        index = max(0, min(len(FONT_SCALES) - 1, index + direction))
        self.set_font_scale(FONT_SCALES[index])

    def set_font_scale(self, scale: float) -> None:
        self.font_scale = scale
        QApplication.instance().setFont(font(scale))
        self.navigator.setFont(font(scale, delta=1))
        self.navigator.setFixedHeight(sum(self.navigator.sizeHintForRow(i) for i in range(self.navigator.count()))
                                      + 2 * self.navigator.frameWidth() + 4)
        for w in (self.nav_title, self.options_title):
            w.setFont(font(scale, bold=True))
        self.lesson.apply_font_scale(scale)
        if self.view is not None:
            self.view.apply_font_scale(scale)
        self.settings.save(font_scale=scale)

    def apply_theme(self, name: str, save: bool = True) -> None:
        self.theme = theme_named(name)
        apply_to_app(QApplication.instance(), self.theme)
        self.theme_actions[self.theme.name].setChecked(True)
        self.banner.setStyleSheet("QLabel { background: %s; color: %s; padding: 8px; border-radius: 4px; }"
                                  % (("#7f1d1d", "#fee2e2") if self.theme.dark else ("#fee2e2", "#7f1d1d")))
        self.set_font_scale(self.font_scale)
        if self.view is not None:
            self.view.apply_theme(self.theme)
        if save:
            self.settings.save(theme=self.theme.name)

    def set_language(self, code: str) -> None:
        code = i18n.set_language(code)
        self.language_actions[code].setChecked(True)
        self.settings.save(language=code)
        self.retranslate()
        self._load_lesson()

    def retranslate(self) -> None:
        self.nav_title.setText(tr("Explainers"))
        self.options_title.setText(tr("Options"))
        for i in range(self.navigator.count()):
            item = self.navigator.item(i)
            explainer = registry.get(item.data(Qt.UserRole))
            text = tr(explainer.title) + ("" if explainer.ready else "  · " + tr("coming soon"))
            item.setText(text)
            item.setToolTip(tr(explainer.summary))
            if not explainer.ready:
                item.setForeground(self.palette().color(self.palette().ColorGroup.Disabled,
                                                        self.palette().ColorRole.Text))
        self.file_menu.setTitle(tr("&File"))
        self.run_menu.setTitle(tr("&Run"))
        self.view_menu.setTitle(tr("&View"))
        self.help_menu.setTitle(tr("&Help"))
        self.export_figure_action.setText(tr("Export figure…"))
        self.export_data_action.setText(tr("Export data…"))
        self.copy_action.setText(tr("Copy figure to clipboard"))
        self.png_scale_menu.setTitle(tr("PNG scale"))
        self.quit_action.setText(tr("Quit"))
        self.step_action.setText(tr("Step"))
        self.reset_action.setText(tr("Reset"))
        self.fullscreen_action.setText(tr("Fullscreen"))
        self.zoom_in_action.setText(tr("Larger text"))
        self.zoom_out_action.setText(tr("Smaller text"))
        self.zoom_reset_action.setText(tr("Normal text size"))
        self.lesson_action.setText(tr("Show lesson"))
        self.theme_menu.setTitle(tr("Theme"))
        self.theme_actions["light"].setText(tr("Light"))
        self.theme_actions["dark"].setText(tr("Dark"))
        self.language_menu.setTitle(tr("Language"))
        self.about_action.setText(tr("About visualizer"))
        self.seed_label.setText(tr("Seed"))
        self.speed_label.setText(tr("Speed"))
        self.device_label.setText(tr("Device"))
        self.speed_box.blockSignals(True)
        current = max(0, self.speed_box.currentIndex())
        self.speed_box.clear()
        for label, _value in SPEEDS:
            self.speed_box.addItem(tr(label))
        self.speed_box.setCurrentIndex(current)
        self.speed_box.blockSignals(False)
        if self.options_panel is not None:
            self.options_panel.retranslate()
        if self.view is not None:
            self.view.retranslate()
        self._set_controls(self.runner.state if self.runner else None)
        title = tr(self.explainer.title) if self.explainer else ""
        self.setWindowTitle(f"visualizer — {title}" if title else "visualizer")

    def about(self) -> None:
        QMessageBox.about(self, tr("About visualizer"),
                          tr("visualizer runs real neural-network modules and shows what happens inside them."))

    # ---- status ----------------------------------------------------------------------------------------
    def _update_status(self) -> None:
        now = time.perf_counter()
        t0, n0 = self._fps_mark
        if now - t0 >= 1.0:
            self._fps = (self._frames_drawn - n0) / (now - t0)
            self._fps_mark = (now, self._frames_drawn)
        if self.runner is None:
            return
        rate = self.runner.steps_per_second()
        if self.runner.state == RUNNING:
            self.status_rate.setText(tr("{rate:.0f} steps/s · {fps:.0f} fps").format(rate=rate, fps=self._fps))
        elif self.runner.lab is None or not self.runner.lab.continuous:
            self.status_rate.setText("")
        else:
            self.status_rate.setText(tr("step {n}").format(n=getattr(self.runner.lab, "steps", 0)))

    # ---- Qt events --------------------------------------------------------------------------------------
    @Slot()
    def _navigator_changed(self, current, _previous=None) -> None:
        if current is not None:
            self.open_explainer(current.data(Qt.UserRole))
            self.retranslate()

    def paintEvent(self, event) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit(time.time())

    def closeEvent(self, event) -> None:  # noqa: N802
        self.settings.save(geometry=self.saveGeometry())
        self._stop_runner()
        QApplication.instance().removeEventFilter(self._lesson_keys)
        super().closeEvent(event)


class RunnerBinding(QObject):
    """Receives one runner's signals in the GUI thread and forwards them to the window while that
    runner is current. Signals still queued from a runner that was replaced are dropped here;
    QObject.sender() is not used, since the sender may already be gone when they arrive."""

    def __init__(self, window: MainWindow, runner: LabRunner):
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
            self.window._on_state(state)

    @Slot(str)
    def failed(self, message: str) -> None:
        if self._current():
            self.window._on_failed(message)

    @Slot(object)
    def lab_ready(self, info: dict) -> None:
        if self._current():
            self.window._on_lab_ready(info)


class _LabFactory:
    """Builds the lab in the worker thread: importing torch never blocks the window."""

    def __init__(self, explainer):
        self.explainer = explainer

    def __call__(self, **kwargs):
        return self.explainer.load_lab()(**kwargs)


def run_app(explainer: str | None = None) -> int:
    import os

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("visualizer")
    app.setOrganizationName("visualizer")
    window = MainWindow(explainer=explainer)
    if os.environ.get("VISUALIZER_EXIT_AFTER_PAINT"):
        # used by bench/startup.py: report when the first paint happened, then quit
        window.first_painted.connect(lambda t: (print(f"painted {t:.6f}", flush=True),
                                                QTimer.singleShot(0, window.close)))
    window.show()
    return app.exec()
