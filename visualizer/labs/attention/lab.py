"""AttentionLab: one lab, three ways to look at attention, picked by the `model` option."""

from __future__ import annotations

from typing import Any

from visualizer.core.frame import Frame
from visualizer.core.lab import Lab
from visualizer.labs.attention.config import MHA, OPTIONS, TRAIN, mode_of


class AttentionLab(Lab):
    OPTIONS = OPTIONS

    def build(self) -> None:
        self.engine = None  # drop the previous mode's modules before building the next
        mode = mode_of(self.options["model"])
        if mode == MHA:
            from visualizer.labs.attention.mha import StepThrough

            self.engine = StepThrough(self.options, self.seed, self.device)
        elif mode == TRAIN:
            from visualizer.labs.attention.tiny import Trainer

            self.engine = Trainer(self.options, self.seed, self.device)
        else:
            from visualizer.labs.attention.hf import PretrainedAttention

            self.engine = PretrainedAttention(self.options["model"], self.options["text"], self.device)
        self.mode = mode

    @property
    def continuous(self) -> bool:
        return self.mode == TRAIN

    def advance(self) -> None:
        if self.mode == TRAIN:
            self.engine.step()

    def apply_live(self, name: str, value: Any) -> None:
        if name == "lr" and self.mode == TRAIN:
            self.engine.set_lr(value)

    # ---- state (a session file): the step-through and the pretrained models follow from the
    # options and the seed; the tiny transformer keeps its weights, optimizer, data stream, curves
    def state_parts(self) -> dict:
        return self.engine.state_parts() if self.mode == TRAIN else {}

    def extra_state(self) -> dict:
        return self.engine.extra_state() if self.mode == TRAIN else {}

    def check_extra_state(self, extra: dict) -> None:
        if self.mode == TRAIN:
            self.engine.check_extra_state(extra)

    def load_extra_state(self, extra: dict) -> None:
        if self.mode == TRAIN:
            self.engine.load_extra_state(extra)

    def snapshot(self) -> Frame:
        frame = self.engine.snapshot(self.steps)
        frame.info["device"] = self.device_label()
        return frame
