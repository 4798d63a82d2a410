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
    kinds = {"mode": QComboBox, "n": QSpinBox, "lr": QDoubleSpinBox, "on": QCheckBox, "text": QLineEdit}
    assert set(panel.widgets) == set(kinds)
    assert all(isinstance(panel.widgets[n], kind) for n, kind in kinds.items())
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


def test_number_fields_show_significant_digits_and_rates_step_by_two(qtbot):
    options = OptionSet([
        Option("lr_d", "float", 2e-4, "discriminator learning rate", minimum=0.0, maximum=10.0),
        Option("base", "float", 10000.0, "frequency base", minimum=2.0, maximum=1e6),
        Option("lr", "float", 3e-3, "learning rate", minimum=1e-5, maximum=1.0),
    ])
    panel = OptionsPanel(options)
    qtbot.addWidget(panel)
    lr_d, base, lr = (panel.widgets[n] for n in ("lr_d", "base", "lr"))
    assert lr_d.text() == "0.0002" and lr.text() == "0.003" and base.text() == "10000"
    panel.set_values({"lr_d": 0.002})
    assert lr_d.text() == "0.002"
    with qtbot.waitSignal(panel.changed) as sig:
        lr_d.stepBy(1)
    assert sig.args == ["lr_d", 0.004] and lr_d.text() == "0.004"
    lr_d.stepBy(-2)
    assert abs(lr_d.value() - 0.001) < 1e-12 and lr_d.text() == "0.001"
    base.stepBy(1)                                   # not a rate: a fixed step
    assert base.value() == 10000.1
    lr.lineEdit().setText("2.5e-4")
    lr.interpretText()
    assert abs(lr.value() - 2.5e-4) < 1e-15 and lr.text() == "0.00025"


def test_choices_show_translated_words_and_keep_their_values(qtbot):
    from visualizer.ui import i18n

    options = OptionSet([Option("kind", "choice", "rope", "scheme", choices=("sinusoidal", "rope"))])
    i18n.set_language("zh_CN")
    try:
        panel = OptionsPanel(options)
        qtbot.addWidget(panel)
        box = panel.widgets["kind"]
        assert [box.itemData(i) for i in range(box.count())] == ["sinusoidal", "rope"]
        assert box.itemText(0) == i18n.tr("kind=sinusoidal") != "kind=sinusoidal"
        assert "RoPE" in box.itemText(1) and box.itemText(1) != "rope"
        with qtbot.waitSignal(panel.changed) as sig:
            box.setCurrentIndex(0)
        assert sig.args == ["kind", "sinusoidal"]
        i18n.set_language("en")
        panel.retranslate()
        assert box.itemText(0) == "sinusoidal"
    finally:
        i18n.set_language("en")
