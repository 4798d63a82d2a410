"""LSTMPage: the one page of the LSTM view (frame kinds "lstm" and "compare").

    ┌ controls (not exported): page tabs · ◀ [scrubber] ▶ t = 5 / 64 ‘c’ · ☐ animate ┐
    ├ figure: title · subtitle · note · the panel the `page` option picks · facts      ┤

Two clocks, never mixed: the window's Play/Step trains the model; the time step t shown here
is a view option, moved by ◀ ▶, the scrubber, the keys [ and ] (see LSTMView) and the animate
toggle (a timer in the page that steps t through the sequence, wrapping around). Each of them
asks for the change by view_change({"t": ...}); the view applies it and redraws."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QSlider, QStackedWidget,
                               QTabBar, QToolButton, QWidget)

from visualizer.core.frame import Frame
from visualizer.labs.lstm.config import PAGES
from visualizer.ui.i18n import tr
from visualizer.ui.views.lstm.common import CELL_NAMES, PAGE_TITLES, TASK_WORDS, selection, shown_token
from visualizer.ui.views.lstm.panels import PANELS
from visualizer.ui.views.page import Page
from visualizer.ui.widgets.plots import fmt, font

ANIMATE_STEPS_PER_S = 6
STEPPED = ("cell", "heatmap", "trace")   # panels that show the time step t


class LSTMPage(Page):
    def __init__(self, theme, scale: float, parent=None):
        super().__init__(theme, scale, parent, canvas=False)
        self.frame: Frame | None = None
        self.options: dict = {}
        self.tabs = QTabBar()
        for name in PAGES:
            self.tabs.addTab(PAGE_TITLES[name])
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.back = QToolButton()
        self.back.setText("◀")
        self.back.setAutoRepeat(True)
        self.back.clicked.connect(lambda: self.step_t(-1))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimum(1)
        self.slider.setMinimumWidth(120)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.valueChanged.connect(self._scrubbed)
        self.forward = QToolButton()
        self.forward.setText("▶")
        self.forward.setAutoRepeat(True)
        self.forward.clicked.connect(lambda: self.step_t(1))
        self.t_label = QLabel()
        self.t_label.setMinimumWidth(90)
        self.animate = QCheckBox()
        self.animate.toggled.connect(self._animate_toggled)
        # the tabs, then the time-step controls: on one row when they fit, else on two (a large
        # font scale or a narrow window), so no tab scrolls away and no label is cut
        self.stepper = QWidget()
        row = QHBoxLayout(self.stepper)
        row.setContentsMargins(0, 0, 0, 0)
        for w, stretch in ((self.back, 0), (self.slider, 1), (self.forward, 0), (self.t_label, 0), (self.animate, 0)):
            row.addWidget(w, stretch)
        self.bar = QWidget()
        self.bar_grid = QGridLayout(self.bar)
        self.bar_grid.setContentsMargins(0, 0, 0, 0)
        self.bar_grid.addWidget(self.tabs, 0, 0)
        self.bar_grid.addWidget(self.stepper, 0, 1)
        self.two_rows = False
        self.add_control(self.bar, 1)
        self.stepped_controls = (self.back, self.slider, self.forward, self.t_label, self.animate)

        self.panels = {name: cls(self) for name, cls in PANELS.items()}
        self.stack = QStackedWidget()
        for panel in self.panels.values():
            self.stack.addWidget(panel.widget)
        self.set_content(self.stack)
        self.timer = QTimer(self)
        self.timer.setInterval(round(1000 / ANIMATE_STEPS_PER_S))
        self.timer.timeout.connect(self._tick)
        self.retranslate()
        self.restyle(theme, scale)

    # ---- the control bar ---------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._arrange_bar()

    def _arrange_bar(self) -> None:
        stepper = self.stepper.sizeHint().width() if self.stepper.isVisibleTo(self) else 0
        need = self.tabs.sizeHint().width() + stepper + 24
        two = need > self.controls.width() - 20
        if two != self.two_rows:
            self.two_rows = two
            self.bar_grid.removeWidget(self.stepper)
            self.bar_grid.addWidget(self.stepper, 1 if two else 0, 0 if two else 1)

    # ---- the time step ---------------------------------------------------------------------------
    def length(self) -> int:
        return len(self.frame["tokens"]) if self.frame is not None else 0

    def current_t(self) -> int:
        """The shown t, 1-based, clamped to the sequence."""
        T = self.length()
        return min(max(int(self.options.get("t", 1)), 1), max(T, 1))

    def step_t(self, delta: int, wrap: bool = False) -> None:
        T = self.length()
        if T == 0:
            return
        t = self.current_t() + delta
        t = ((t - 1) % T) + 1 if wrap else min(max(t, 1), T)
        if t != int(self.options.get("t", 1)):
            self.options = {**self.options, "t": t}
            self.view_change.emit({"t": t})

    def _scrubbed(self, value: int) -> None:
        if self.frame is not None and value != self.current_t():
            self.options = {**self.options, "t": value}
            self.view_change.emit({"t": value})

    def _tick(self) -> None:
        if self.length() > 1 and self.isVisible():
            self.step_t(1, wrap=True)

    def _animate_toggled(self, on: bool) -> None:
        if bool(self.options.get("animate", False)) != on:
            self.options = {**self.options, "animate": on}
            self.view_change.emit({"animate": on})
        self._run_timer()

    def _run_timer(self) -> None:
        on = bool(self.options.get("animate", False)) and self.length() > 1 \
            and self.options.get("page", "cell") in STEPPED
        if on and not self.timer.isActive():
            self.timer.start()
        elif not on and self.timer.isActive():
            self.timer.stop()

    def _tab_changed(self, index: int) -> None:
        name = PAGES[index]
        if self.options.get("page") != name:
            self.options = {**self.options, "page": name}
            self.view_change.emit({"page": name})

    # ---- drawing ------------------------------------------------------------------------------------
    def draw(self, frame: Frame, options: dict) -> None:
        self.frame, self.options = frame, dict(options)
        name = options.get("page", "cell")
        T = self.length()
        self._sync_controls(name, T)
        panel = self.panels[name]
        if self.stack.currentWidget() is not panel.widget:
            self.stack.setCurrentWidget(panel.widget)
        title = f"{CELL_NAMES.get(frame.info.get('cell'), '')} — {tr(PAGE_TITLES[name])}"
        subtitle = self._subtitle(frame)
        if T == 0 and name in STEPPED:
            self.set_texts(title, subtitle, note=tr("There is no text to step through: type some text."))
            return
        facts, note = panel.draw(frame, self.options)
        self.set_texts(title, subtitle, facts, note)
        self._run_timer()

    def _subtitle(self, frame: Frame) -> str:
        info = frame.info
        task = tr(TASK_WORDS.get(info.get("task"), info.get("task", "")))
        parts = [task]
        if info.get("task") == "charlm" and info.get("corpus"):
            corpus = str(info["corpus"])
            parts.append(tr("trained on the Python standard library's source") if corpus.startswith("stdlib")
                         else tr("trained on {name}").format(name=corpus))
        parts.append(tr("{layers} × {hidden} units").format(layers=info.get("layers", 1), hidden=info.get("hidden", 0)))
        parts.append(tr("training step {step}").format(step=f"{frame.step:,}"))
        if info.get("loss_last") is not None and math.isfinite(float(info["loss_last"])):  # none before training
            parts.append(tr("loss {loss}").format(loss=fmt(float(info["loss_last"]))))
        if int(info.get("internals_step", frame.step)) != frame.step:
            parts.append(tr("internals from step {step}").format(step=f"{int(info['internals_step']):,}"))
        if info.get("unknown_chars"):
            parts.append(tr("{n} characters the model never saw shown as {unk}").format(
                n=info["unknown_chars"], unk=info.get("unknown_symbol", "?")))
        return " · ".join(parts)

    def _sync_controls(self, name: str, T: int) -> None:
        index = PAGES.index(name)
        if self.tabs.currentIndex() != index:
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(index)
            self.tabs.blockSignals(False)
        stepped = name in STEPPED
        if self.stepper.isVisibleTo(self) != stepped:
            self.stepper.setVisible(stepped)
            self._arrange_bar()
        t = self.current_t()
        self.slider.blockSignals(True)
        self.slider.setMaximum(max(T, 1))
        self.slider.setValue(t)
        self.slider.blockSignals(False)
        self.back.setEnabled(T > 0 and t > 1)
        self.forward.setEnabled(T > 0 and t < T)
        token = shown_token(self.frame, t - 1) if T else ""
        self.t_label.setText(tr("t = {t} / {T}  ‘{token}’").format(t=t, T=T, token=token))
        animate = bool(self.options.get("animate", False))
        if self.animate.isChecked() != animate:
            self.animate.blockSignals(True)
            self.animate.setChecked(animate)
            self.animate.blockSignals(False)

    def redraw(self) -> None:
        if self.frame is not None:
            self.draw(self.frame, self.options)

    def selection(self) -> tuple[int, int, int]:
        return selection(self.frame, self.options)

    # ---- style and words -----------------------------------------------------------------------------
    def restyle(self, theme, scale: float) -> None:
        super().restyle(theme, scale)
        for panel in getattr(self, "panels", {}).values():
            panel.restyle()
        self.controls.setStyleSheet(f"background: {theme.panel};")
        for w in (self.tabs, self.back, self.forward, self.t_label, self.animate):
            w.setFont(font(scale, delta=-0.5))
        # wide enough for the longest "t = 500 / 500  ‘W’" (else the checkbox beside it covers it)
        self.t_label.setMinimumWidth(self.t_label.fontMetrics().horizontalAdvance("t = 8888 / 8888  ‘W’") + 4)
        self._arrange_bar()
        sample = self.panels["sample"].widget
        sample.setStyleSheet(f"color: {theme.foreground};")

    def retranslate(self) -> None:
        for i, name in enumerate(PAGES):
            self.tabs.setTabText(i, tr(PAGE_TITLES[name]))
        self.animate.setText(tr("animate"))
        self.animate.setToolTip(tr("Step the time step through the sequence by itself ({n} steps a second)")
                                .format(n=ANIMATE_STEPS_PER_S))
        self.back.setToolTip(tr("Previous time step ([)"))
        self.forward.setToolTip(tr("Next time step (])"))
        self.slider.setToolTip(tr("Scrub through the time steps of the sequence"))
