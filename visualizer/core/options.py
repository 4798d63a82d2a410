"""Options: one declaration per lab that the CLI, the control panel and validation all read.

An option's `role` says what changing it costs:
  "build"  the lab is rebuilt (new modules, new data) and reset with the same seed;
  "live"   applied between two steps while the lab keeps running (learning rate, ...);
  "view"   only changes what the view draws (which layer, which head); the lab never sees it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from visualizer.core.errors import ConfigError

KINDS = ("int", "float", "bool", "str", "choice")
ROLES = ("build", "live", "view")


@dataclass(frozen=True)
class Option:
    name: str
    kind: str
    default: Any
    help: str
    role: str = "build"
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None  # for "str"
    allow_empty: bool = True  # for "str"
    panel: bool = True  # False: set by the view or a lesson (a clicked mask...), not a panel widget
    step: float | None = None  # spin-box increment in the options panel
    scale: str = "linear"  # "log": the panel's arrows multiply or divide by 2 (rates; see is_rate)
    # shown in the panel only while another option has one of some values, e.g.
    # when=("model", ("train",)): a training option matters only in training mode
    when: tuple | None = None
    # a "choice" option may also accept a value outside `choices` when this returns True
    # (e.g. a model folder path beside the built-in model names)
    accept_other: Callable[[str], bool] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"option {self.name}: unknown kind {self.kind!r}")
        if self.role not in ROLES:
            raise ValueError(f"option {self.name}: unknown role {self.role!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"option {self.name}: a choice needs choices")

    @property
    def is_rate(self) -> bool:
        """A rate (learning rate...): its panel field steps ×2 / ÷2 instead of by a fixed amount."""
        if self.kind != "float":
            return False
        name = self.name
        return (self.scale == "log" or name == "lr" or name.startswith("lr_") or name.endswith("_lr")
                or "learning rate" in self.help.lower())

    def relevant(self, values: dict) -> bool:
        """Whether this option matters given the other options' values (see `when`)."""
        if self.when is None:
            return True
        name, allowed = self.when
        return values.get(name) in allowed

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def coerce(self, value: Any) -> Any:
        """Turn a CLI string or a widget value into the option's type, or raise ConfigError."""
        try:
            if self.kind == "int":
                if isinstance(value, bool):
                    raise ValueError
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError
                value = int(value) if not isinstance(value, str) else int(value.strip())
            elif self.kind == "float":
                value = float(value)
                if not math.isfinite(value):
                    raise ConfigError(self.name, f"must be a finite number, got {value}")
            elif self.kind == "bool":
                if isinstance(value, str):
                    low = value.strip().lower()
                    if low in ("1", "true", "yes", "on"):
                        value = True
                    elif low in ("0", "false", "no", "off"):
                        value = False
                    else:
                        raise ValueError
                else:
                    value = bool(value)
            elif self.kind in ("str", "choice"):
                if not isinstance(value, str):
                    raise ValueError
        except ConfigError:
            raise
        except (TypeError, ValueError):
            expected = {"int": "a whole number", "float": "a number", "bool": "true or false",
                        "str": "text", "choice": "one of " + ", ".join(map(str, self.choices))}[self.kind]
            raise ConfigError(self.name, f"expected {expected}, got {value!r}") from None
        self._check_range(value)
        return value

    def _check_range(self, value: Any) -> None:
        if self.kind in ("int", "float"):
            if self.minimum is not None and value < self.minimum:
                raise ConfigError(self.name, f"must be at least {self.minimum}, got {value}")
            if self.maximum is not None and value > self.maximum:
                raise ConfigError(self.name, f"must be at most {self.maximum}, got {value}")
        elif self.kind == "str":
            if not self.allow_empty and not value.strip():
                raise ConfigError(self.name, "must not be empty")
            if self.max_length is not None and len(value) > self.max_length:
                raise ConfigError(self.name, f"is {len(value)} characters long; at most {self.max_length} are allowed")
        elif self.kind == "choice":
            if value not in self.choices and not (self.accept_other and self.accept_other(value)):
                raise ConfigError(self.name, f"must be one of {', '.join(map(str, self.choices))}; got {value!r}")

    def describe(self) -> str:
        if self.kind == "choice":
            kind = "|".join(map(str, self.choices)) + ("|PATH" if self.accept_other else "")
        elif self.kind == "bool":
            kind = "(flag)"
        else:
            kind = self.kind.upper()
            if self.minimum is not None or self.maximum is not None:
                lo = "" if self.minimum is None else f"{self.minimum:g}"
                hi = "" if self.maximum is None else f"{self.maximum:g}"
                kind += f" [{lo}..{hi}]"
        only = f" [with --{self.when[0].replace('_', '-')} {'|'.join(self.when[1])}]" if self.when else ""
        return f"{self.flag} {kind}  {self.help} (default: {self.default!r}){only}"


class OptionSet:
    """An ordered set of options, with cross-option checks done by `check` (raises ConfigError)."""

    def __init__(self, options: Iterable[Option], check: Callable[[dict], None] | None = None):
        self._options = {o.name: o for o in options}
        self._check = check

    def __iter__(self) -> Iterator[Option]:
        return iter(self._options.values())

    def __contains__(self, name: str) -> bool:
        return name in self._options

    def __getitem__(self, name: str) -> Option:
        try:
            return self._options[name]
        except KeyError:
            raise ConfigError(name, f"unknown option; known: {', '.join(o.flag for o in self)}") from None

    def defaults(self) -> dict:
        return {o.name: o.default for o in self}

    def by_role(self, role: str) -> list[Option]:
        return [o for o in self if o.role == role]

    def validate(self, values: dict | None = None) -> dict:
        """Defaults overlaid with `values`, each coerced and range-checked, then cross-checked."""
        merged = self.defaults()
        for name, value in (values or {}).items():
            merged[name] = self[name].coerce(value)
        if self._check is not None:
            self._check(merged)
        return merged
