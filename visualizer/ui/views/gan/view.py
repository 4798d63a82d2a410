"""GANView: the data space (or the digits) on the left, the curves on the right.

    ┌───────────────────────────┬──────────────────────┐
    │ data space                │ losses  (D, G)       │
    │  D's surface, G's mesh,   ├──────────────────────┤
    │  real • generated •       │ mean D(real), D(fake)│
    │  arrows, modes            ├──────────────────────┤
    │                           │ mode coverage        │
    └───────────────────────────┴──────────────────────┘

Above the figure (the page's controls, not exported) a small bar lets the learner draw a
distribution of their own (the points go to the lab as params_change({"distribution": "custom",
"custom_points": ...})) or load a CSV file of points. Each item is created once; a frame only
updates them. Live option changes arrive in the frame as events (step, option, old, new) and are
drawn as dashed markers on every curve, in the current language. Frames are paced by the runner,
by what drawing them costs; the view draws every frame it is given.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer, Slot
from PySide6.QtWidgets import QFileDialog, QGraphicsItem, QLabel, QPushButton, QSizePolicy, QWidget

from visualizer.core.frame import Frame
from visualizer.labs.gan.config import OPTIONS
from visualizer.ui.i18n import tr
from visualizer.ui.views.base import PagedView
from visualizer.ui.views.gan import style
from visualizer.ui.views.gan.curves import CurvePlot, colored
from visualizer.ui.views.gan.space import DrawingViewBox, SpacePlot
from visualizer.ui.views.page import Page
from visualizer.ui.widgets.plots import font, nice_ceiling, set_title, thin_axes

LOSS_WORDS = {"non-saturating": "non-saturating", "minimax": "minimax", "least-squares": "least squares",
              "wgan-gp": "Wasserstein + GP"}
PHASE_WORDS = {"both": "both train", "d": "D only", "g": "G only"}
# how a live change reads on the curves: the option's short name, then old → new
EVENT_LABELS = {"lr_d": "lr D", "lr_g": "lr G", "k_d": "k D", "k_g": "k G", "optimizer": "optimizer",
                "loss": "loss", "gp_weight": "λ GP", "phase": "phase"}
OPTIMIZER_WORDS = {"adam": "Adam", "sgd": "SGD"}
MAX_DRAWN = 2000
SPACE_SHARE = 0.56   # the most of the figure's width the (square) data space may take


def event_text(name: str, old: str, new: str) -> str:
    """The marker of a live change, in the current language: "lr D 0.002 → 0.01", "phase: D only"."""
    if name == "phase":
        return f"{tr('phase')}: {tr(PHASE_WORDS.get(new, new))}"

    def word(value: str) -> str:
        if name in ("lr_d", "lr_g", "gp_weight"):
            return f"{float(value):g}"
        return tr(LOSS_WORDS.get(value, OPTIMIZER_WORDS.get(value, value)))

    return f"{tr(EVENT_LABELS.get(name, name))} {word(old)} → {word(new)}"


class OneLineLabel(QLabel):
    """A hint on one line, cut with "…" when the bar is narrow (the whole text in its tooltip):
    a wrapped hint would take rows from the figure at a large font scale."""

    def __init__(self):
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:  # noqa: N802 - a new font elides differently
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width()))
        if shown != super().text():
            super().setText(shown)


def _fmt_points(points: list[tuple[float, float]]) -> str:
    return ";".join(f"{x:.4g},{y:.4g}" for x, y in points)


def _check_drawable(frame: Frame) -> None:
    """ValueError, in words, for a frame whose plot range is not finite (points near ±1e308
    overflow it): the window's banner shows it, and the plot keeps the last good frame."""
    x0, x1, y0, y1 = (float(v) for v in frame.info.get("view_range", (0.0, 1.0, 0.0, 1.0)))
    with np.errstate(over="ignore", invalid="ignore"):
        ok = np.isfinite([x0, x1, y0, y1, x1 - x0, y1 - y0]).all()
    if frame.kind == "gan2d" and not ok:
        raise ValueError("the points lie too far out to plot (their range overflows): rescale the data "
                         "or press Reset; the plot keeps the last frame it could draw")


class GANPage(Page):
    """Both GAN pictures (2-D data space, digits) on one page: they share the curves."""

    def __init__(self, theme, font_scale: float = 1.0, parent=None):
        super().__init__(theme, font_scale, parent)
        self.font_scale = font_scale
        self.options: dict = {o.name: o.default for o in OPTIONS.by_role("view")}
        self.frame: Frame | None = None
        self._sketch: list[tuple[float, float]] = []    # points drawn with the mouse
        self._layout_key = None
        self._x_max = 0.0
        self._space_title_key = None

        self.draw_button = QPushButton()
        self.draw_button.setCheckable(True)
        self.draw_button.toggled.connect(self._toggle_drawing)
        self.train_button = QPushButton()
        self.train_button.clicked.connect(self._train_on_drawing)
        self.clear_button = QPushButton()
        self.clear_button.clicked.connect(self._clear_drawing)
        self.csv_button = QPushButton()
        self.csv_button.clicked.connect(self._choose_csv)
        self.hint_label = OneLineLabel()
        for w in (self.draw_button, self.train_button, self.clear_button, self.csv_button):
            self.add_control(w)
        self.add_control(self.hint_label, 1)
        self.toolbar = self.controls

        self.figure.box.setContentsMargins(0, 0, 0, 0)   # the plots only: no title row
        self.canvas.ci.setContentsMargins(6, 6, 6, 6)
        self.canvas.ci.setSpacing(8)
        # ThinAxis: tick labels thin out instead of overprinting when a plot is small
        self.space_item = pg.PlotItem(viewBox=DrawingViewBox(), axisItems=thin_axes())
        self.space = SpacePlot(self.space_item, theme, font_scale)
        self.space.point_drawn.connect(self._point_drawn)
        self.loss_plot = CurvePlot(pg.PlotItem(axisItems=thin_axes()), theme, font_scale)
        self.d_plot = CurvePlot(pg.PlotItem(axisItems=thin_axes()), theme, font_scale)
        self.mode_plot = CurvePlot(pg.PlotItem(axisItems=thin_axes()), theme, font_scale)
        self.loss_plot.add("d_loss", style.d_loss_color)
        self.loss_plot.add("g_loss", style.g_loss_color)
        self.loss_plot.label_events = True          # event texts on the top plot only
        self.d_plot.add("d_real", style.real_color)
        self.d_plot.add("d_fake", style.fake_color)
        self.mode_plot.add("modes_covered", style.coverage_color)
        self.mode_plot.add("high_quality", style.d_loss_color)
        self.mode_plot.fit_y((0.0, 1.05))
        self._fit_key = None
        self._fit_timer = QTimer(self)          # the page's own: it dies with the page
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit_space)
        self.canvas.installEventFilter(self)
        self.space.vb.sigResized.connect(self._schedule_fit)
        self._relayout(modal=True)
        self._set_drawing_ui(False)
        self.restyle(theme, font_scale)
        self._cache_static_items()

    def _cache_static_items(self, on: bool = True) -> None:
        """Axes, legends, titles and the (fixed) real samples rarely change: Qt keeps each as a
        pixmap and repaints it by a copy, instead of re-running its paint code every frame.
        Off while a figure is exported, so SVG and PDF get vectors and text, not pixmaps."""
        mode = QGraphicsItem.CacheMode.DeviceCoordinateCache if on else QGraphicsItem.CacheMode.NoCache
        static = (pg.AxisItem, pg.LegendItem, pg.LabelItem)
        try:  # a zero timer may fire after the page was deleted (an export's teardown): nothing to do
            scene = self.canvas.scene()
        except RuntimeError:
            return
        for item in scene.items():
            if isinstance(item, static):
                item.setCacheMode(mode)
        for item in (self.space.real, self.space.modes):
            item.setCacheMode(mode)

    # ---- layout ----------------------------------------------------------------------------------
    def _relayout(self, modal: bool) -> None:
        if self._layout_key == modal:
            return
        self._layout_key = modal
        ci = self.canvas.ci
        footer = (self.space.legend_row, self.space.readout)
        for item in (self.space_item, self.loss_plot.plot, self.d_plot.plot, self.mode_plot.plot) + footer:
            if item in ci.items:
                ci.removeItem(item)
        rows = 3 if modal else 2
        ci.addItem(self.space_item, row=0, col=0, rowspan=rows)
        ci.addItem(self.loss_plot.plot, row=0, col=1)
        ci.addItem(self.d_plot.plot, row=1, col=1)
        if modal:
            ci.addItem(self.mode_plot.plot, row=2, col=1)
        # the data space's legend and read-out: a row under the whole figure, so their wrapping
        # never depends on (and never squeezes) the square data space
        ci.addItem(self.space.legend_row, row=3, col=0, colspan=2)
        ci.addItem(self.space.readout, row=4, col=0, colspan=2)
        self.mode_plot.plot.setVisible(modal)
        grid = ci.layout
        grid.setColumnStretchFactor(0, 11)
        grid.setColumnStretchFactor(1, 9)
        for r in range(5):
            grid.setRowStretchFactor(r, 1 if r < rows else 0)
        bottom = self.mode_plot if modal else self.d_plot
        for plot in (self.loss_plot, self.d_plot, self.mode_plot):
            plot.plot.setLabel("bottom", tr("training step") if plot is bottom else "")
            plot.plot.showAxis("bottom", True)
            # the curves share their x axis: only the lowest plot numbers it
            plot.plot.getAxis("bottom").setStyle(showValues=plot is bottom)
        self._style_axes()

    # ---- a square data space -----------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.canvas and event.type() == QEvent.Type.Resize:
            self._schedule_fit()
        return False

    def _schedule_fit(self, *args) -> None:
        if not self._fit_timer.isActive():
            self._fit_timer.start()

    def fit_space(self) -> None:
        """Give the data space a square plot area (its axes are aspect-locked to the data, so any
        other shape would only add empty margins): as tall as the figure allows, at most
        SPACE_SHARE of its width; the curves take the rest."""
        item, vb = self.space_item, self.space.vb
        outer, inner = item.geometry(), vb.geometry()
        rect = self.canvas.ci.rect()
        if outer.width() <= 0 or inner.width() <= 0 or rect.width() <= 0:
            return
        extra_w, extra_h = outer.width() - inner.width(), outer.height() - inner.height()
        footer = sum(row.geometry().height() + 8 for row in (self.space.legend_row, self.space.readout))
        width, height = rect.width() - 12, rect.height() - 12 - footer     # margins, spacing
        side = max(80.0, min(height - extra_h, SPACE_SHARE * (width - 8) - extra_w))
        key = (round(side + extra_w), round(side + extra_h))
        if key == self._fit_key:
            return
        self._fit_key = key
        grid = self.canvas.ci.layout
        grid.setColumnFixedWidth(0, key[0])
        item.setMaximumHeight(key[1])
        grid.setAlignment(item, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)

    # ---- drawing a frame ---------------------------------------------------------------------------
    def draw(self, frame: Frame, options: dict) -> None:
        _check_drawable(frame)   # before any item changes: a refused frame leaves the plot as it was
        self.frame, self.options = frame, dict(options)
        info = frame.info
        modal = "modes_covered" in frame.arrays
        self._relayout(modal)
        self.toolbar.setVisible(frame.kind == "gan2d")
        prob = bool(info.get("d_is_probability", True))
        loss_name = tr(LOSS_WORDS.get(info.get("loss"), str(info.get("loss", ""))))
        readout = tr("step {step}").format(step=f"{frame.step:,}")
        readout += " · " + loss_name + " · " + OPTIMIZER_WORDS.get(info.get("optimizer", ""), "")
        readout += " · " + tr(PHASE_WORDS.get(info.get("phase", "both"), "both train"))
        if info.get("d_warmup"):
            readout += " · " + tr("D trained alone for {n} updates first").format(n=int(info["d_warmup"]))
        if frame.kind == "gan2d" and self.options.get("show_surface", True):
            readout += " · " + tr("colour: {what}").format(what=tr("D(x)") if prob else tr("critic"))
        self._draw_space(frame, prob, readout)
        self._draw_curves(frame, prob, loss_name, modal)

    def redraw(self) -> None:
        if self.frame is not None:
            self.draw(self.frame, self.options)

    def _draw_space(self, frame: Frame, prob: bool, readout: str) -> None:
        if frame.kind == "gan2d":
            self._space_title(tr("Data space: real vs generated"))
            self.space.set_colorbar_label(tr("D(x)") if prob else tr("critic"))
            self.space.draw_2d(frame, self.options, {
                "readout": readout, "outside": tr("{n} generated points outside the view, drawn on its edge"),
                "no_push": tr("no arrows: G's loss has no gradient left (D rates its points as surely real)")})
        else:
            self._space_title(tr("Generated digits"))
            self.space.draw_digits(frame, {"generated": tr("generated (fixed latent vectors)"),
                                           "real": tr("real samples"), "readout": readout})
            self.space.set_readout(readout)

    def _draw_curves(self, frame: Frame, prob: bool, loss_name: str, modal: bool) -> None:
        info = frame.info
        step = frame["step"]
        lp, dp, mp = self.loss_plot, self.d_plot, self.mode_plot
        lp.set_title(tr("{d} and {g}").format(
            d=colored(tr("D loss"), lp.color_of("d_loss")), g=colored(tr("G loss"), lp.color_of("g_loss"))))
        lp.set("d_loss", step, frame["d_loss"])
        lp.set("g_loss", step, frame["g_loss"])
        lp.fit_y()
        lp.set_readout(tr("D {d:.3f}   G {g:.3f}").format(d=frame["d_loss"][-1], g=frame["g_loss"][-1])
                       if len(step) else "")

        real_name, fake_name = (tr("D(real)"), tr("D(fake)")) if prob else (tr("critic(real)"), tr("critic(fake)"))
        names = {"real": colored(real_name, dp.color_of("d_real")), "fake": colored(fake_name, dp.color_of("d_fake"))}
        if prob:
            dp.set_title(tr("Mean {real} and {fake}").format(**names))
            dp.reference(0.5, tr("½: equilibrium"))
        else:
            dp.set_title(tr("Mean {real} and {fake}").format(**names))
            dp.reference(None)
        dp.set("d_real", step, frame["d_real"])
        dp.set("d_fake", step, frame["d_fake"])
        dp.fit_y((-0.03, 1.03) if info.get("loss") in ("minimax", "non-saturating") else None)
        dp.set_readout(tr("real {r:.3f}   fake {f:.3f}").format(r=frame["d_real"][-1], f=frame["d_fake"][-1])
                       if len(step) else "")

        if modal:
            k = int(info.get("n_modes", len(frame["modes"])))
            ms = frame["metric_step"]
            covered = frame["modes_covered"]
            mp.set_title(tr("{covered} and {quality}").format(
                covered=colored(tr("modes covered ÷ {k}").format(k=k), mp.color_of("modes_covered")),
                quality=colored(tr("high quality"), mp.color_of("high_quality"))))
            mp.set("modes_covered", ms, covered / max(k, 1))
            mp.set("high_quality", ms, frame["high_quality"])
            mp.set_readout(tr("{c} of {k} modes · {q:.0%} high quality").format(
                c=int(covered[-1]), k=k, q=float(frame["high_quality"][-1])) if len(ms) else "")
        # x range: the whole run (at least a few steps, so a fresh run is not a dot)
        # the x range grows in steps of ~25 %, so the axes are not re-laid out on every frame
        last = float(step[-1]) if len(step) else 0.0
        if last > self._x_max or self._x_max > 4 * max(last, 100.0):
            self._x_max = nice_ceiling(max(last * 1.25, 100.0))
            for plot in (self.loss_plot, self.d_plot, self.mode_plot):
                plot.plot.setXRange(0, self._x_max, padding=0.01)
        texts = [event_text(*e) for e in zip(frame["event_name"], frame["event_old"], frame["event_new"])]
        for plot in (self.loss_plot, self.d_plot, self.mode_plot):
            plot.set_events(frame["event_step"], texts)

    def _space_title(self, text: str) -> None:
        key = (text, self.theme.name, self.font_scale)
        if key != self._space_title_key:      # a title change re-lays out the plot: only on change
            self._space_title_key = key
            set_title(self.space_item, text, self.theme, self.font_scale)

    def figure_widget(self) -> QWidget:
        """The plots; item caches are off until the event loop runs again (the export that asked
        for the widget paints it before that), so SVG and PDF get vectors."""
        self._cache_static_items(False)
        QTimer.singleShot(0, self._cache_static_items)
        return self.figure

    # ---- drawing your own distribution ------------------------------------------------------------
    @Slot(bool)
    def _toggle_drawing(self, on: bool) -> None:
        if on:
            self._sketch = []
            self.space.show_drawn(np.zeros((0, 2)))
        self._set_drawing_ui(on)

    def _set_drawing_ui(self, on: bool) -> None:
        self.space.set_drawing(on)
        self.train_button.setVisible(on)
        self.clear_button.setVisible(on)
        self.train_button.setEnabled(len(self._sketch) >= 2)
        self._update_hint()

    def _update_hint(self) -> None:
        if self.draw_button.isChecked():
            self.hint_label.setText(tr("Drag on the data space to draw points ({n} so far), then press Train on drawing.")
                              .format(n=len(self._sketch)))
        else:
            self.hint_label.setText(tr("Draw a distribution of your own for the generator to learn."))

    @Slot(float, float, bool)
    def _point_drawn(self, x: float, y: float, start: bool) -> None:
        if len(self._sketch) >= MAX_DRAWN:
            return
        spacing = 0.012 * self.space.view_span()
        if not start and self._sketch:
            px, py = self._sketch[-1]
            if (x - px) ** 2 + (y - py) ** 2 < spacing ** 2:
                return
        self._sketch.append((x, y))
        self.space.show_drawn(np.asarray(self._sketch))
        self.train_button.setEnabled(len(self._sketch) >= 2)
        self._update_hint()

    @Slot()
    def _clear_drawing(self) -> None:
        self._sketch = []
        self.space.show_drawn(np.zeros((0, 2)))
        self.train_button.setEnabled(False)
        self._update_hint()

    @Slot()
    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Load points from a CSV file"), "",
                                              tr("CSV files (*.csv)"))
        if path:
            self.load_csv(path)

    def load_csv(self, path: str) -> None:
        """Train on the points of a CSV file (x, y per row); the lab checks the file and says
        what is wrong with it, if anything."""
        self.draw_button.setChecked(False)
        self.params_change.emit({"distribution": path})

    @Slot()
    def _train_on_drawing(self) -> None:
        if len(self._sketch) < 2:
            return
        points = _fmt_points(self._sketch)
        self.draw_button.setChecked(False)
        self.params_change.emit({"distribution": "custom", "custom_points": points})

    # ---- style --------------------------------------------------------------------------------------
    def _style_axes(self) -> None:
        for plot in (self.loss_plot, self.d_plot, self.mode_plot):
            plot.restyle(self.theme, self.font_scale)

    def restyle(self, theme, scale: float) -> None:
        super().restyle(theme, scale)
        self.font_scale = scale
        self.space.restyle(theme, scale)
        self._style_axes()
        self.toolbar.setStyleSheet(f"background: {theme.panel};")
        for w in (self.draw_button, self.train_button, self.clear_button, self.csv_button):
            w.setFont(font(scale, delta=-0.5))
        self.hint_label.setFont(font(scale, delta=-0.5))
        self.hint_label.setStyleSheet(f"color: {theme.muted};")
        self._space_title_key = None
        self._fit_key = None
        self._schedule_fit()
        self.retranslate()

    def retranslate(self) -> None:
        self.draw_button.setText(tr("✎ Draw your own"))
        self.train_button.setText(tr("Train on drawing"))
        self.clear_button.setText(tr("Clear"))
        self.csv_button.setText(tr("Load CSV…"))
        self.csv_button.setToolTip(tr("Train on the points of a CSV file: two columns x, y, one point per row"))
        self._update_hint()
        self.space.set_legend({"real": tr("real"), "fake": tr("generated"), "manifold": tr("G's manifold"),
                               "arrows": tr("G's push (−∇ loss)")})
        bottom = self.mode_plot if self._layout_key else self.d_plot
        for plot in (self.loss_plot, self.d_plot, self.mode_plot):
            plot.plot.setLabel("bottom", tr("training step") if plot is bottom else "")
        self._style_axes()
        self.space.set_readout("")


class GANView(PagedView):
    OPTIONS = OPTIONS
    PAGES = {"gan2d": GANPage, "digits": GANPage}
