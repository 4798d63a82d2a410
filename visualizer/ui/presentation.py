"""View menu: presentation (fullscreen with only the figure and the lesson), text size (every
text, axes and tick labels scale), theme, language and the lesson pane: what a lecturer changes
in front of a room. In presentation the menus, the control strip, the explainer list and the
options are hidden; Ctrl+K brings the controls back for a moment's use, F11 or Esc leaves.

It also owns the lecture tools of that menu: the presenter view (presenter.py, Ctrl+Shift+P) and
drawing on the view (widgets/ink.py, D and H). Esc first clears a drawing (or puts the pen
down), then leaves the presenter view, then the presentation.

Its Panes (panes.py) fold the side panes (explainers + options, Ctrl+B; the lesson, Ctrl+L) into
narrow rails when the figure would be left too little width, and open them again when there is room."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QTextEdit

from visualizer.core.resources import LANGUAGES
from visualizer.ui import i18n
from visualizer.ui.fonts import font
from visualizer.ui.i18n import tr
from visualizer.ui.presenter import PresenterMode
from visualizer.ui.settings import FONT_SCALES
from visualizer.ui.theme import THEME_NAMES, apply_to_app, theme_named
from visualizer.ui.panes import Panes
from visualizer.ui.widgets.ink import Ink


class Presentation(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        w = window
        self.fullscreen_action = QAction("", w, checkable=True)
        self.fullscreen_action.setShortcut(QKeySequence(Qt.Key_F11))
        self.fullscreen_action.triggered.connect(self.toggle_fullscreen)
        self.leave_action = QAction("", w)
        self.leave_action.setShortcut(QKeySequence(Qt.Key_Escape))
        self.leave_action.triggered.connect(self.leave)
        self.controls_action = QAction("", w, checkable=True)
        self.controls_action.setShortcut(QKeySequence("Ctrl+K"))
        self.controls_action.triggered.connect(self.show_controls)
        self.zoom_in_action = QAction("", w)
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++"), QKeySequence.ZoomIn])
        self.zoom_in_action.triggered.connect(lambda: self.zoom(+1))
        self.zoom_out_action = QAction("", w)
        self.zoom_out_action.setShortcuts([QKeySequence("Ctrl+-"), QKeySequence.ZoomOut])
        self.zoom_out_action.triggered.connect(lambda: self.zoom(-1))
        self.zoom_reset_action = QAction("", w)
        self.zoom_reset_action.setShortcut(QKeySequence("Ctrl+0"))
        self.zoom_reset_action.triggered.connect(lambda: self.set_font_scale(1.0))
        self.lesson_action = QAction("", w, checkable=True)
        self.lesson_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lesson_action.setChecked(w.settings.lesson_visible)
        self.lesson_action.triggered.connect(self.set_lesson_visible)
        self.panes = Panes(w, self.lesson_action)   # folds the side panes when the figure needs the room
        self.theme_group, self.language_group = QActionGroup(self), QActionGroup(self)
        self.theme_actions, self.language_actions = {}, {}
        for name in THEME_NAMES:
            a = QAction("", w, checkable=True)
            a.triggered.connect(lambda _c=False, n=name: self.apply_theme(n))
            self.theme_group.addAction(a)
            self.theme_actions[name] = a
        for code, label in LANGUAGES.items():
            a = QAction(label, w, checkable=True)
            a.setChecked(code == i18n.language())
            a.triggered.connect(lambda _c=False, c=code: self.set_language(c))
            self.language_group.addAction(a)
            self.language_actions[code] = a
        self.presenter = PresenterMode(w)   # View → Presenter view
        self.ink = Ink(w)                   # View → Draw on the view

    def add_to(self, menu) -> None:
        self.theme_menu = menu.addMenu("")
        for a in self.theme_actions.values():
            self.theme_menu.addAction(a)
        self.language_menu = menu.addMenu("")
        for a in self.language_actions.values():
            self.language_menu.addAction(a)
        menu.addSeparator()
        for a in self.shortcut_actions():
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.presenter.action)
        self.ink.add_to(menu)

    def shortcut_actions(self) -> tuple:
        return (self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action, self.lesson_action,
                self.panes.side_action, self.fullscreen_action, self.controls_action)

    def window_actions(self) -> tuple:
        """Actions whose keys must work while the menus are hidden."""
        return (self.shortcut_actions() + (self.leave_action, self.presenter.action)
                + self.ink.shortcut_actions())

    # ---- what they do -----------------------------------------------------------------------------
    def toggle_fullscreen(self) -> None:
        self.present(not self.window.isFullScreen())

    def present(self, on: bool) -> None:
        """Presentation: fullscreen, and the figure (with the lesson, if shown) gets the screen."""
        w = self.window
        w.showFullScreen() if on else w.showNormal()
        self.fullscreen_action.setChecked(on)
        self.show_controls(not on)

    def show_controls(self, visible: bool) -> None:
        """The menus, the control strip, the explainer list and the options."""
        w = self.window
        for widget in (w.menuBar(), w.controls):
            widget.setVisible(visible)
        self.panes.set_controls_shown(visible)   # the explainers and options go with the controls
        self.controls_action.setChecked(visible)
        if not visible:
            self.keys_to_lesson()

    def keys_to_lesson(self) -> None:
        """Hiding the controls moves the focus on, often into the lesson's text, where the
        lesson keys count as typing: give it to the window, so a clicker turns the page."""
        w = self.window
        focus = QApplication.focusWidget()
        if focus is None or not w.isAncestorOf(focus):
            return
        if not focus.isVisible() or (isinstance(focus, QTextEdit) and focus.isReadOnly()):
            w.setFocus(Qt.OtherFocusReason)

    def leave(self) -> None:
        """Esc: a drawing is cleared first (the presentation stays), then the presenter view is
        left, then the presentation."""
        if self.ink.escape():
            return
        if self.presenter.active:
            self.presenter.set_active(False)
        elif self.window.isFullScreen():
            self.present(False)

    def zoom(self, direction: int) -> None:
        scale = self.window.font_scale
        index = min(range(len(FONT_SCALES)), key=lambda i: abs(FONT_SCALES[i] - scale))
        self.set_font_scale(FONT_SCALES[max(0, min(len(FONT_SCALES) - 1, index + direction))])

    def set_font_scale(self, scale: float) -> None:
        w = self.window
        w.font_scale = scale
        QApplication.instance().setFont(font(scale))
        w.restyle_chrome()
        if w.view is not None:
            w.view.apply_font_scale(scale)
        self.presenter.apply_font_scale(scale)
        w.settings.save(font_scale=scale)
        self.panes.refit_soon()             # the figure needs more width at a larger text size

    def apply_theme(self, name: str, save: bool = True) -> None:
        w = self.window
        w.theme = theme_named(name)
        apply_to_app(QApplication.instance(), w.theme)
        self.theme_actions[w.theme.name].setChecked(True)
        w.banner.apply_theme(w.theme.dark)
        self.set_font_scale(w.font_scale)
        if w.view is not None:
            w.view.apply_theme(w.theme)
        if save:
            w.settings.save(theme=w.theme.name)

    def set_language(self, code: str) -> None:
        code = i18n.set_language(code)
        self.language_actions[code].setChecked(True)
        self.window.settings.save(language=code)
        self.window.retranslate()
        self.window.lessons.load()
        self.window.warn_if_no_font(code)

    def set_lesson_visible(self, visible: bool) -> None:
        """The person showed or hid the lesson (Ctrl+L, opening a lesson file): it stays so."""
        self.panes.choose("lesson", visible)

    def retranslate(self) -> None:
        self.fullscreen_action.setText(tr("Presentation (fullscreen)"))
        self.controls_action.setText(tr("Show controls"))
        self.leave_action.setText(tr("Leave presentation"))
        self.zoom_in_action.setText(tr("Larger text"))
        self.zoom_out_action.setText(tr("Smaller text"))
        self.zoom_reset_action.setText(tr("Normal text size"))
        self.lesson_action.setText(tr("Show lesson"))
        self.panes.retranslate()
        self.panes.refit_soon()             # another language, other widths
        self.theme_menu.setTitle(tr("Theme"))
        self.theme_actions["light"].setText(tr("Light"))
        self.theme_actions["dark"].setText(tr("Dark"))
        self.theme_actions["high-contrast"].setText(tr("High contrast"))
        self.presenter.retranslate()
        self.ink.retranslate()
        self.language_menu.setTitle(tr("Language"))
