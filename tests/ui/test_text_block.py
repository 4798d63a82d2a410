"""A page's title rows (TextBlock) repaint a new text without re-laying out the figure, grow and
shrink when the text or the width needs another line, and draw in their style sheet's colour."""

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QImage

from visualizer.ui.theme import LIGHT
from visualizer.ui.views.page import Page


class LayoutRequests(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def shown_page(qtbot, scale: float, width: int, height: int) -> Page:
    page = Page(LIGHT, scale)
    qtbot.addWidget(page)
    page.resize(width, height)
    page.show()
    return page


def settle(qapp):
    for _ in range(4):
        qapp.processEvents()


def test_numbers_that_change_every_frame_do_not_re_lay_out_the_figure(qtbot, qapp):
    page = shown_page(qtbot, 1.0, 900, 400)          # the canvas takes the room the texts leave
    page.set_texts("Title", "step 1", "loss <b>0.693</b>")
    settle(qapp)
    facts = page.facts
    h = facts.height()
    assert h == facts.heightForWidth(facts.width()) > 0
    requests = LayoutRequests()
    page.figure.installEventFilter(requests)
    for step in range(2, 12):
        page.set_texts("Title", f"step {step}", f"loss <b>{0.693 - 0.01 * step:.3f}</b>")
        settle(qapp)
    assert requests.count == 0 and facts.height() == h
    assert facts.text() == "loss <b>0.583</b>" and page.subtitle.text() == "step 11"

    long = " · ".join(["test accuracy 97.1 % on 32 other nodes"] * 6)    # needs more lines
    page.set_texts("Title", "step 12", long)
    settle(qapp)
    assert requests.count > 0 and facts.height() == facts.heightForWidth(facts.width()) > h
    grown = facts.height()
    page.resize(450, 400)                                               # narrower: wraps more
    settle(qapp)
    assert facts.height() == facts.heightForWidth(facts.width()) > grown
    page.set_texts("Title", "step 13", "loss 0.5")
    settle(qapp)
    assert facts.height() == facts.heightForWidth(facts.width()) < grown


def test_a_text_block_draws_in_its_style_sheet_colour(qtbot, qapp):
    page = shown_page(qtbot, 2.0, 600, 300)
    page.set_texts("████", "", "")
    page.title.setStyleSheet("color: #ff0000;")
    settle(qapp)
    image = page.title.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    red = (pixels[..., 2] > 200) & (pixels[..., 1] < 60) & (pixels[..., 0] < 60)
    assert red.sum() > 100
    assert page.title.wordWrap() and page.title.textFormat() != Qt.TextFormat.RichText


def test_a_larger_font_takes_more_height(qtbot, qapp):
    page = shown_page(qtbot, 1.0, 700, 400)
    page.set_texts("Title", "", "loss 0.693 · train accuracy 50 % · test accuracy 47 % on 32 other nodes")
    settle(qapp)
    small = page.facts.height()
    page.restyle(LIGHT, 2.0)
    settle(qapp)
    assert page.facts.height() == page.facts.heightForWidth(page.facts.width()) > 1.5 * small


def test_a_short_figure_writes_its_subtitle_on_one_line_whole_in_the_tooltip(qtbot, qapp):
    page = Page(LIGHT, 1.0)
    qtbot.addWidget(page)
    long = " · ".join(["64 positions × 128 dimensions, base 10000"] * 5)
    page.set_texts("Title", long, "facts")
    page.resize(700, 900)                  # tall: the subtitle wraps
    page.show()
    settle(qapp)
    line = page.subtitle.fontMetrics().height()
    assert page.subtitle.height() > 1.5 * line
    page.resize(700, 400)                  # short (presentation zoom in a small window): one line
    settle(qapp)
    page.subtitle.grab()
    assert page.subtitle.height() <= line + 1 and page.subtitle.toolTip() == long
    page.resize(700, 900)
    settle(qapp)
    assert page.subtitle.height() > 1.5 * line
