"""F1 / Help → Keyboard shortcuts: every key of the window, in the current language.

The list is collected from the window itself each time it is shown — every QAction of its
menus and of the window (their shortcuts and texts, so it cannot drift from the real
bindings), the QShortcuts its views declare (their whatsThis says what they do), and the
lesson keys (visualizer.ui.lessons) — never typed out by hand."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QMenu, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from visualizer.ui.i18n import tr
from visualizer.ui.lessons import NEXT_KEYS, PREVIOUS_KEYS


def _keys_text(sequences) -> str:
    names = [s.toString(QKeySequence.NativeText) for s in sequences if not s.isEmpty()]
    return ", ".join(dict.fromkeys(names))   # Ctrl++ given twice (as text and as ZoomIn) is shown once


def _key_name(key) -> str:
    """A lesson key's name as the person reads it on the keyboard."""
    names = {Qt.Key_Space: tr("Space"), Qt.Key_Right: "→", Qt.Key_Left: "←"}
    return names.get(key) or QKeySequence(key).toString(QKeySequence.NativeText)


def _plain(text: str) -> str:
    """A menu text without its mnemonic '&' (a literal '&&' stays one '&') or its tab part."""
    return text.split("\t")[0].replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def collect_keys(window) -> list[tuple[str, str, str]]:
    """(section, keys, what they do) for every key binding of `window`, menus first."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def add_menu(menu: QMenu, section: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                add_menu(action.menu(), f"{section} › {_plain(action.menu().title())}")
            elif not action.isSeparator():
                add_action(action, section)

    def add_action(action: QAction, section: str) -> None:
        if id(action) in seen:
            return
        seen.add(id(action))
        keys = _keys_text(action.shortcuts())
        if keys:
            rows.append((section, keys, _plain(action.text()) or _plain(action.toolTip())))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            add_menu(top.menu(), _plain(top.menu().title()))
    for action in window.actions():
        add_action(action, tr("Window"))
    for child in window.findChildren(QAction):
        add_action(child, tr("Window"))
    for shortcut in window.findChildren(QShortcut):
        keys = _keys_text([shortcut.key()])
        if keys and shortcut.isEnabled():
            rows.append((tr("View"), keys, _plain(shortcut.whatsThis()) or keys))
    lesson = tr("Lesson")
    rows.append((lesson, ", ".join(_key_name(k) for k in NEXT_KEYS), tr("Next step")))
    rows.append((lesson, ", ".join(_key_name(k) for k in PREVIOUS_KEYS), tr("Previous step")))
    return rows


class KeysDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.rows: list[tuple[str, str, str]] = []
        layout = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(560, 620)

    def refresh(self) -> None:
        """Collect the keys now (in the current language) and show them."""
        self.rows = collect_keys(self.window)
        self.setWindowTitle(tr("Keyboard shortcuts"))
        self.note.setText(tr("The lesson keys do not turn the page while you type in a text field."))
        self.table.setHorizontalHeaderLabels([tr("Menu"), tr("Key"), tr("Action")])
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c == 1:
                    item.setTextAlignment(Qt.AlignLeft | Qt.AlignVCenter)
                self.table.setItem(r, c, item)
        self.buttons.button(QDialogButtonBox.Close).setText(tr("Close"))

    def texts(self) -> list[str]:
        """Every cell as shown, row by row ("section | keys | action")."""
        return [" | ".join(row) for row in self.rows]


class KeysHelp(QObject):
    """Help → Keyboard shortcuts (F1): the dialog, rebuilt from the window's bindings when shown."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.dialog: KeysDialog | None = None
        self.action = QAction("", window)
        self.action.setShortcut(QKeySequence(Qt.Key_F1))
        self.action.setShortcutContext(Qt.ApplicationShortcut)
        self.action.triggered.connect(self.show)

    @Slot()
    def show(self) -> KeysDialog:
        if self.dialog is None:
            self.dialog = KeysDialog(self.window)
        self.dialog.refresh()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def add_to(self, menu) -> None:
        menu.addAction(self.action)

    def retranslate(self) -> None:
        self.action.setText(tr("Keyboard shortcuts"))
        # after the whole window is retranslated (the other actions' texts are set after this)
        QTimer.singleShot(0, self._refresh_shown)

    @Slot()
    def _refresh_shown(self) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.refresh()
