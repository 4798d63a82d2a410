"""SteadyLabel: a counter's new text repaints the label without laying the window out again."""

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QWidget

from visualizer.ui.widgets.steady_label import SteadyLabel


class LayoutRequests(QObject):
    def __init__(self, watched):
        super().__init__()
        self.count = 0
        watched.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def window_with(qtbot, label):
    window = QWidget()
    qtbot.addWidget(window)
    row = QHBoxLayout(window)
    row.addWidget(QLabel("Rewind"))
    row.addWidget(label)
    window.show()
    qtbot.waitExposed(window)
    return window


def settle(qtbot, window):
    QApplication.processEvents()   # posted layout requests are handled


def test_a_new_text_no_wider_than_before_does_not_lay_the_window_out(qtbot):
    label = SteadyLabel()
    window = window_with(qtbot, label)
    label.setText("step 1200 of 3400")
    settle(qtbot, window)
    requests = LayoutRequests(window)
    width = label.width()
    for text in ("step 1300 of 3400", "step 14 of 3400", "step 1500 of 3500"):
        label.setText(text)
        settle(qtbot, window)
    assert requests.count == 0 and label.width() == width
    plain = QLabel()                         # what a QLabel does: every new text lays the window out
    window.layout().addWidget(plain)
    settle(qtbot, window)
    requests.count = 0
    plain.setText("step 1300 of 3400")
    settle(qtbot, window)
    assert requests.count >= 1


def test_a_wider_text_or_a_new_font_fits_the_label_again(qtbot):
    label = SteadyLabel()
    window = window_with(qtbot, label)
    label.setText("step 9 of 99")
    settle(qtbot, window)
    label.setText("step 120000 of 340000")
    settle(qtbot, window)
    assert label.width() >= label.sizeHint().width() and label.width() == label.geometry().width()
    wide = label.width()
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 2)  # presentation zoom
    label.setFont(font)
    settle(qtbot, window)
    assert label.width() == label.sizeHint().width() > wide
    font.setPointSizeF(font.pointSizeF() / 4)  # and back below: it shrinks to its text
    label.setFont(font)
    settle(qtbot, window)
    assert label.width() == label.sizeHint().width() < wide
