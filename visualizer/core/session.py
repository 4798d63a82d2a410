"""ExplainerSession: what the window shows, as plain data (Qt-free).

The window reads and writes one session; its widgets only show it (the seed box shows
`seed`, the options panel `options` and `view`, the lesson panel `lesson_step`). A session
file or a presenter view saves or follows this object, never the widgets.

    session = ExplainerSession.open("gan", seed=0)
    to_lab, to_view = session.update({"lr_d": 0.01, "show_arrows": False})   # ConfigError if bad
    session.to_dict()  ->  {"version": 1, "explainer": "gan", "options": {...}, "view": {...}, ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from visualizer.core.errors import ConfigError
from visualizer.core.options import OptionSet

VERSION = 1


def split_by_role(options: OptionSet, values: dict) -> tuple[dict, dict]:
    """(the lab's values, the view's values): the one place options are routed by role."""
    to_lab, to_view = {}, {}
    for name, value in values.items():
        (to_view if options[name].role == "view" else to_lab)[name] = value
    return to_lab, to_view


@dataclass
class ExplainerSession:
    explainer: str
    options: dict = field(default_factory=dict)   # the lab's options (build and live), validated
    view: dict = field(default_factory=dict)      # the view's options, validated
    seed: int = 0
    device: str = "cpu"
    lesson_step: int = 0

    @staticmethod
    def option_set(explainer: str) -> OptionSet:
        from visualizer.core import registry

        return registry.get(explainer).load_options()

    @classmethod
    def open(cls, explainer: str, *, seed: int = 0, device: str = "cpu") -> "ExplainerSession":
        """A session on the explainer's defaults."""
        session = cls(explainer, seed=int(seed), device=device)
        session.options, session.view = split_by_role(session.options_set, session.options_set.defaults())
        return session

    @property
    def options_set(self) -> OptionSet:
        return self.option_set(self.explainer)

    def values(self) -> dict:
        """Every option's value, lab and view together."""
        return {**self.options, **self.view}

    def update(self, values: dict) -> tuple[dict, dict]:
        """Coerce and cross-check `values`, keep them, and return them split by role
        (to_lab, to_view). Nothing is kept if any value is bad (ConfigError)."""
        options = self.options_set
        coerced = {name: options[name].coerce(value) for name, value in values.items()}
        merged = options.validate({**self.values(), **coerced})
        self.options, self.view = split_by_role(options, merged)
        return split_by_role(options, coerced)

    # ---- as data ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "explainer": self.explainer, "options": dict(self.options),
                "view": dict(self.view), "seed": self.seed, "device": self.device,
                "lesson_step": self.lesson_step}

    @classmethod
    def from_dict(cls, data: dict) -> "ExplainerSession":
        """The session `data` describes, validated; ConfigError says what is wrong."""
        from visualizer.core import registry

        if not isinstance(data, dict):
            raise ConfigError("session", "is not a JSON object")
        version = data.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ConfigError("session", f"has version {version!r}; this app reads sessions up to version {VERSION}")
        explainer = data.get("explainer")
        try:
            registry.get(str(explainer))
        except KeyError as exc:
            raise ConfigError("session", str(exc).strip("'\"")) from None
        seed, step = data.get("seed", 0), data.get("lesson_step", 0)
        if not isinstance(seed, int) or not isinstance(step, int) or seed < 0 or step < 0:
            raise ConfigError("session", "seed and lesson_step must be whole numbers ≥ 0")
        session = cls.open(str(explainer), seed=seed, device=str(data.get("device", "cpu")))
        session.lesson_step = step
        session.update({**(data.get("options") or {}), **(data.get("view") or {})})
        return session
