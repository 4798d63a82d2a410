"""The window's side panes — the explainers + options (Ctrl+B) and the lesson (Ctrl+L) — fold into
narrow rails when the figure would be left too little width, and open again when there is room.
Owned by Presentation (presentation.py), which routes the lesson action and the presentation
layout through it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSizePolicy, QToolButton

from visualizer.ui.i18n import tr

# The figure's width rule: an explainer's figure sets two or three plots side by side, each with
# its tick labels, axis titles and colour bar drawn at the font scale, so the width it needs grows
# with the text. Below READABLE_VIEW_WIDTH px × font scale (measured: the positional, ALiBi and
# attention pages keep their titles whole and their heatmaps more than slivers at this width)
# the side panes fold: the explainers + options first, then the lesson (what the lecturer reads
# from stays longest). 1280 px at font scale 1 keeps both panes; at 1.5 the options fold; at 2
# both do; 1920 px keeps both at font scale 2.
READABLE_VIEW_WIDTH = 560
PANE_WIDTHS = {"side": 250, "lesson": 330}   # a pane's width when it opens (until the person drags it)
PANES = ("side", "lesson")                   # the order they fold in
REFIT_MS = 30   # after a change of text size or language: the panes' nested layouts take a few passes


class Panes(QObject):
    """The side panes of the window's splitter: `side` (the explainer list and the options,
    window.nav) and `lesson` (window.lesson).

    A pane is shown, hidden by the person (its action unchecked: View → Show explainers and
    options / Show lesson, Ctrl+B / Ctrl+L), or folded by the window to give the figure room. A
    hidden or folded pane leaves a narrow rail at the view's edge that opens it again. The window
    folds and unfolds only the panes the person has not chosen for: a pane shown or hidden by hand
    stays so (the lesson's choice is saved in the settings). Folding only hides the widgets, so
    what the person typed or chose there stays (a field being edited commits when it loses focus).
    In the presentation layout (controls hidden) the side pane is hidden and the lesson is shown
    unless the person hid it, as before."""

    def __init__(self, window, lesson_action: QAction):
        super().__init__(window)
        self.window = w = window
        self.side_action = QAction("", w, checkable=True)
        self.side_action.setShortcut(QKeySequence("Ctrl+B"))
        self.side_action.setChecked(True)
        self.side_action.triggered.connect(lambda on: self.choose("side", on))
        self.actions = {"side": self.side_action, "lesson": lesson_action}
        self.widgets = {"side": w.nav, "lesson": w.lesson}
        # None: the window decides; True / False: the person showed / hid the pane
        self.chosen: dict = {"side": None, "lesson": None if w.settings.lesson_visible else False}
        self.widths = dict(PANE_WIDTHS)
        self.dragged: set[str] = set()   # the panes the person gave a width by dragging
        self.controls_shown = True
        self._before_hidden = True      # the side pane's state when the controls were hidden
        self.rails = {"side": self._rail(Qt.RightArrow, self.side_action),
                      "lesson": self._rail(Qt.LeftArrow, lesson_action)}
        w.centre_row.insertWidget(0, self.rails["side"])
        w.centre_row.addWidget(self.rails["lesson"])
        w.splitter.splitterMoved.connect(self._dragged)
        self._fitting = False
        # a pane's minimum width follows its fonts and texts, known only once its layout has run:
        # fit again whenever the splitter or a pane (hidden too) lays itself out again (coalesced)
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(REFIT_MS)
        self._refit.timeout.connect(self.fit)
        for watched in (w.splitter, w.nav, w.lesson):
            watched.installEventFilter(self)

    def refit_soon(self) -> None:
        """Fit once the panes' layouts have settled (a new font or language: new minimum widths)."""
        self._refit.start()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.LayoutRequest:
            self._refit.start()
        return False

    def _rail(self, arrow, action: QAction) -> QToolButton:
        rail = QToolButton()
        rail.setArrowType(arrow)
        rail.setAutoRaise(False)     # drawn as a button down the whole edge: easy to see and to hit
        rail.setFocusPolicy(Qt.NoFocus)
        rail.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Expanding)   # the whole edge is the button
        rail.clicked.connect(lambda _c=False, a=action: a.isChecked() or a.trigger())
        rail.hide()
        return rail

    def is_shown(self, key: str) -> bool:
        return not self.widgets[key].isHidden()

    def choose(self, key: str, shown: bool) -> None:
        """The person showed or hid a pane: from now on the window leaves it so."""
        self.chosen[key] = bool(shown)
        if key == "lesson":
            self.window.settings.save(lesson_visible=bool(shown))
        if key == "side" and shown and not self.controls_shown:
            self.window.presentation.show_controls(True)   # the options are controls: they come back together
            return
        self.fit()

    def set_controls_shown(self, shown: bool) -> None:
        """The presentation layout hides the side pane with the controls; when they come back the
        panes are first as they were (the window is often still being given its old size back),
        then fitted to the settled size."""
        if not shown:
            self._before_hidden = self.is_shown("side")
            self.controls_shown = False
            self.fit()
            return
        self.controls_shown = True
        side = self.chosen["side"] if self.chosen["side"] is not None else self._before_hidden
        self._show({"side": side, "lesson": self.is_shown("lesson")})
        self.refit_soon()

    def _width(self, key: str) -> int:
        width = max(self.widths[key], self.widgets[key].minimumSizeHint().width())
        if key == "side" and key not in self.dragged:   # every explainer's name whole, at any text size
            nav = self.window.nav
            margins = nav.layout().contentsMargins()
            width = max(width, nav.list.sizeHintForColumn(0) + 2 * (nav.list.frameWidth() + nav.list.spacing())
                        + margins.left() + margins.right())
        return width

    def _rail_width(self) -> int:
        return round(16 * self.window.font_scale)

    def view_width(self, shown: dict) -> int:
        """The view's width with these panes shown (the others leave a rail)."""
        s = self.window.splitter
        width = s.width()
        for key in PANES:
            width -= self._width(key) + s.handleWidth() if shown[key] else self._rail_width()
        return width

    def readable_width(self) -> int:
        return round(READABLE_VIEW_WIDTH * self.window.font_scale)

    @Slot()
    def fit(self) -> None:
        """Show, fold or unfold the panes for the window's width and font scale now."""
        if not self.window.isVisible():   # the first fit is at the window's first resize, when shown
            return
        if self._fitting:       # showing a pane can resize the window: fit again afterwards
            self._refit.start()
            return
        self._fitting = True
        try:
            shown = {key: self.chosen[key] is not False for key in PANES}
            if not self.controls_shown:
                shown["side"] = False
            else:
                need = self.readable_width()
                for key in PANES:
                    if self.chosen[key] is None and self.view_width(shown) < need:
                        shown[key] = False
            self._show(shown)
        finally:
            self._fitting = False

    def _show(self, shown: dict) -> None:
        w = self.window
        changed = False
        for key in PANES:
            widget = self.widgets[key]
            if widget.isHidden() == shown[key]:
                focus = w.focusWidget()
                widget.setVisible(shown[key])
                changed = True
                if not shown[key] and (focus is None or widget.isAncestorOf(focus)):
                    # Qt would pass the focus on to the next field (the seed box), where the
                    # lesson keys (Space, →) count as typing: the window takes it (a field being
                    # edited in the pane has committed its value on losing the focus)
                    w.setFocus(Qt.OtherFocusReason)
            self.actions[key].setChecked(shown[key])
            rail = self.rails[key]
            if rail.minimumWidth() != self._rail_width():
                rail.setFixedWidth(self._rail_width())
                rail.setIconSize(QSize(self._rail_width() - 4, self._rail_width() - 4))
            rail.setVisible(self.controls_shown and not shown[key])
        if changed:   # a pane that opens gets its width back; the view takes the rest
            s = w.splitter
            sizes = s.sizes()
            total = sum(sizes)
            left = self._width("side") if shown["side"] else 0
            right = self._width("lesson") if shown["lesson"] else 0
            s.setSizes([left, max(0, total - left - right), right])

    @Slot(int, int)
    def _dragged(self, _pos: int, _index: int) -> None:
        """The person dragged a splitter handle: the open panes keep these widths."""
        for key in PANES:
            if self.is_shown(key) and self.widgets[key].width() > 0:
                self.widths[key] = self.widgets[key].width()
                self.dragged.add(key)

    def retranslate(self) -> None:
        self.side_action.setText(tr("Show explainers and options"))
        for key, rail in self.rails.items():
            action = self.actions[key]
            keys = action.shortcut().toString(QKeySequence.NativeText)
            rail.setToolTip(f"{action.text()} ({keys})")
            rail.setAccessibleName(action.text())
