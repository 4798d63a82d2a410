"""A form built from a lab's OptionSet: the same declaration the CLI reads."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLayout, QLineEdit,
                               QSpinBox, QWidget)

from visualizer.core.options import Option, OptionSet
from visualizer.ui.i18n import tr

TEXT_DEBOUNCE_MS = 150  # typing recomputes once the typist pauses this long
COMBO_MIN_CHARS = 6     # a combo box may shrink to this many characters (then its text is elided)
NUMBER_MIN_DIGITS = 6   # a number field may shrink to this many digits (its largest value may be 10)


def option_label(option: Option) -> str:
    return option.name.replace("_", " ").capitalize()


def choice_label(option: Option, value: Any) -> str:
    """What a choice shows: the translation of "name=value" (a label for that option's value),
    else of the bare value, else the value itself (the CLI's word, kept as the item's data)."""
    key = f"{option.name}={value}"
    text = tr(key)
    return text if text != key else tr(str(value))


def number_text(value: float) -> str:
    """Significant digits, no padding: 0.0002, 0.003, 2.5, 10000, 1e-07."""
    if value == 0:
        return "0"
    text = f"{value:.6g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


class NarrowSpinMixin:
    """A spin box whose minimum width is NUMBER_MIN_DIGITS digits, not its widest value's text
    (an option without a maximum is bounded at 10⁹: ten digits, too wide for the side pane); the
    field still grows to the pane's width."""

    def minimumSizeHint(self):  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        fm = self.fontMetrics()
        texts = [self.prefix() + self.textFromValue(v) + self.suffix() for v in (self.minimum(), self.maximum())]
        widest = max(fm.horizontalAdvance(t) for t in texts)
        spare = widest - fm.horizontalAdvance("0" * NUMBER_MIN_DIGITS)
        if spare > 0:
            hint.setWidth(hint.width() - spare)
        return hint


class IntBox(NarrowSpinMixin, QSpinBox):
    pass


class NumberBox(NarrowSpinMixin, QDoubleSpinBox):
    """A float field that shows the number's significant digits (0.0002, not 0.000) and, for a
    rate, steps by ×2 / ÷2 (0.002 → 0.004 → 0.008; one click never takes 0.002 to 0.102)."""

    def __init__(self, option: Option, parent: QWidget | None = None):
        super().__init__(parent)
        self.option = option
        self.log_steps = option.is_rate
        self.setDecimals(12)   # what is kept; what is shown is textFromValue's
        lo = option.minimum if option.minimum is not None else -1e9
        hi = option.maximum if option.maximum is not None else 1e9
        self.setRange(lo, hi)
        if option.step:
            self.setSingleStep(option.step)
        else:
            self.setSingleStep(0.01 if hi <= 1 else 0.1)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return number_text(value)

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's name
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        from PySide6.QtGui import QValidator

        t = text.strip().replace(",", ".")
        if t in ("", "-", "+", ".", "-.", "+.") or t.lower().endswith(("e", "e-", "e+")):
            return QValidator.State.Intermediate, text, pos
        try:
            v = float(t)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= v <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def fixup(self, text: str) -> str:
        return number_text(self.value())

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        if not self.log_steps:
            return super().stepBy(steps)
        v = self.value()
        if v <= 0:   # ×2 from zero goes nowhere: the first step up is a small rate
            if steps > 0:
                self.setValue(min(self.maximum(), max(self.minimum(), 1e-4)))
            return
        self.setValue(min(self.maximum(), max(self.minimum(), v * 2.0 ** steps)))


class OptionsPanel(QWidget):
    changed = Signal(str, object)  # option name, new value (already coerced)

    def __init__(self, options: OptionSet, values: dict | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.options = options
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self._text_timers: dict[str, QTimer] = {}
        self.values: dict = options.defaults()
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        # the pane is narrow (a side column, at presentation zoom, in Chinese too) and must never
        # scroll sideways: a row too wide for it puts its field under the label, a label wraps, and
        # a combo box's minimum is a few characters (its text is elided; its list shows it whole)
        self.form.setRowWrapPolicy(QFormLayout.WrapLongRows)
        # QFormLayout's own minimum counts a row's label and field side by side even where it would
        # wrap them: the panel says its true minimum (minimumSizeHint) and the layout does not
        # impose its own; the height follows the width (heightForWidth), so the pane scrolls down
        self.form.setSizeConstraint(QLayout.SetNoConstraint)
        for option in options:
            if not option.panel:
                continue
            widget = self._make_widget(option)
            label = QLabel()
            label.setWordWrap(True)
            self.widgets[option.name] = widget
            self.labels[option.name] = label
            self.form.addRow(label, widget)
        self.set_values(values or options.defaults())
        self.retranslate()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        m = self.form.contentsMargins()
        widest = max((max(self.labels[name].minimumSizeHint().width(), w.minimumSizeHint().width())
                      for name, w in self.widgets.items() if self.form.isRowVisible(w)), default=0)
        hint.setWidth(min(hint.width(), widest + m.left() + m.right()))
        return hint

    def _make_widget(self, option: Option) -> QWidget:
        name = option.name
        if option.kind == "bool":
            w = QCheckBox()
            w.toggled.connect(lambda v, n=name: self._emit(n, v))
        elif option.kind == "int":
            w = IntBox()
            w.setRange(int(option.minimum if option.minimum is not None else -10**9),
                       int(option.maximum if option.maximum is not None else 10**9))
            w.setSingleStep(int(option.step or 1))
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda v, n=name: self._emit(n, v))
        elif option.kind == "float":
            w = NumberBox(option)
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda v, n=name: self._emit(n, v))
        elif option.kind == "choice":
            w = QComboBox()
            w.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(COMBO_MIN_CHARS)
            for choice in option.choices:
                w.addItem(choice_label(option, choice), choice)
            w.currentIndexChanged.connect(lambda _i, n=name, box=w: self._emit(n, box.currentData()))
        else:
            w = QLineEdit()
            if option.max_length:
                w.setMaxLength(option.max_length)
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.setInterval(TEXT_DEBOUNCE_MS)
            timer.timeout.connect(lambda n=name, edit=w: self._emit(n, edit.text()))
            self._text_timers[name] = timer
            w.textEdited.connect(timer.start)
            w.editingFinished.connect(lambda n=name, edit=w, t=timer: (t.stop(), self._emit(n, edit.text())))
        return w

    def _emit(self, name: str, value: Any) -> None:
        self.values[name] = value
        self._update_visibility()
        self.changed.emit(name, value)

    def _update_visibility(self) -> None:
        """Hide the options that do not matter now (a training option outside training...)."""
        for name, widget in self.widgets.items():
            self.form.setRowVisible(widget, self.options[name].relevant(self.values))

    def set_values(self, values: dict) -> None:
        """Show these values without emitting `changed` (the lab or a lesson set them)."""
        self.values.update({k: v for k, v in values.items() if k in self.options})
        self._update_visibility()
        for name, value in values.items():
            w = self.widgets.get(name)
            if w is None:
                continue
            with QSignalBlocker(w):
                if isinstance(w, QCheckBox):
                    w.setChecked(bool(value))
                elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                    w.setValue(value)
                elif isinstance(w, QComboBox):
                    index = w.findData(value)
                    if index < 0:  # a value outside the choices (a model folder): show it
                        w.addItem(str(value), value)
                        index = w.count() - 1
                    w.setCurrentIndex(index)
                elif isinstance(w, QLineEdit) and w.text() != value:
                    w.setText(str(value))

    @Slot()
    def retranslate(self) -> None:
        for name, label in self.labels.items():
            option = self.options[name]
            label.setText(tr(option_label(option)))
            self.widgets[name].setToolTip(tr(option.help))
            label.setToolTip(tr(option.help))
            box = self.widgets[name]
            if isinstance(box, QComboBox):     # the items' words follow the language, their values stay
                for i in range(box.count()):
                    value = box.itemData(i)
                    text = choice_label(option, value) if value in option.choices else str(value)
                    if box.itemText(i) != text:
                        box.setItemText(i, text)
