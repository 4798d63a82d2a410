"""The options panel is built from the same OptionSet the CLI reads."""

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from visualizer.core.options import Option, OptionSet
from visualizer.ui.widgets.options_panel import OptionsPanel

OPTIONS = OptionSet([
    Option("mode", "choice", "a", "mode", choices=("a", "b")),
    Option("n", "int", 3, "count", minimum=1, maximum=9),
    Option("lr", "float", 0.01, "rate", minimum=0.0, maximum=1.0, when=("mode", ("b",))),
    Option("on", "bool", False, "flag"),
    Option("text", "str", "hi", "text"),
    Option("hidden", "str", "", "set by the view", panel=False),
])


def test_widgets_match_option_kinds_and_emit_changes(qtbot):
    panel = OptionsPanel(OPTIONS)
    qtbot.addWidget(panel)
    kinds = {n: type(w) for n, w in panel.widgets.items()}
    assert kinds == {"mode": QComboBox, "n": QSpinBox, "lr": QDoubleSpinBox, "on": QCheckBox, "text": QLineEdit}
    with qtbot.waitSignal(panel.changed) as sig:
        panel.widgets["n"].setValue(5)
    assert sig.args == ["n", 5]
    with qtbot.waitSignal(panel.changed, timeout=2000) as sig:  # typing is debounced, then sent
        qtbot.keyClicks(panel.widgets["text"], "!")
    assert sig.args == ["text", "hi!"]


def test_irrelevant_options_are_hidden_and_set_values_is_silent(qtbot):
    panel = OptionsPanel(OPTIONS)
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.widgets["lr"].isVisible()
    with qtbot.assertNotEmitted(panel.changed):
        panel.set_values({"mode": "b", "n": 7})
    assert panel.widgets["lr"].isVisible() and panel.widgets["n"].value() == 7
