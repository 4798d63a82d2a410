"""PositionalView: one page per frame kind (sinusoidal, learned, rope, alibi, effect).

The page of the current kind is the exported figure; view options (pair, shift, dimensions shown,
training length, similarity measure, head) only change what is drawn from the same frame."""

from __future__ import annotations

from visualizer.core.frame import Frame
from visualizer.labs.positional.config import OPTIONS
from visualizer.ui.views.base import PagedView
from visualizer.ui.views.positional.alibi import AlibiPage
from visualizer.ui.views.positional.effect import EffectPage
from visualizer.ui.views.positional.rope import RopePage
from visualizer.ui.views.positional.tables import LearnedPage, SinusoidalPage


class PositionalView(PagedView):
    OPTIONS = OPTIONS
    PAGES = {"sinusoidal": SinusoidalPage, "learned": LearnedPage, "rope": RopePage,
             "alibi": AlibiPage, "effect": EffectPage}
    WAITING = "Computing the encodings…"

    def draw(self, frame: Frame) -> None:
        super().draw(frame)
        self.page(frame.kind).loosen()
