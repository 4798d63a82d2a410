"""The Lab protocol: a Qt-free object that owns real torch modules and exposes them as Frames.

A lab is driven by one thread at a time (the runner's worker, a CLI export, or a test):

    lab = SomeLab(device="cpu", seed=0, **options)   # validated; ConfigError on bad values
    lab.step()                                       # one unit of real work
    frame = lab.snapshot()                           # numpy copies for the view
    lab.set_param("lr", 0.01)                        # between steps

Subclasses set OPTIONS and implement build(), and usually advance() and snapshot().
"""

from __future__ import annotations

from typing import Any, ClassVar

from visualizer.core.frame import Frame
from visualizer.core.options import OptionSet


class Lab:
    OPTIONS: ClassVar[OptionSet] = OptionSet([])

    def __init__(self, device: str = "cpu", seed: int = 0, **options: Any):
        from visualizer.core.device import resolve_device

        self.options = self.OPTIONS.validate(options)
        self.device = resolve_device(device)
        self.seed = int(seed)
        self.steps = 0
        self.reset(self.seed)

    # ---- what subclasses provide -------------------------------------------------------
    def build(self) -> None:
        """Create modules and data from self.options; called by reset() after seeding."""
        raise NotImplementedError

    def advance(self) -> None:
        """One unit of work (a training step...). Static labs need not override it."""

    @property
    def continuous(self) -> bool:
        """True if repeated steps do real work (training): the UI's Play is enabled only then."""
        return False

    @property
    def preferred_speed(self) -> float | None:
        """Steps per second this lab reads best at when played (an animation), or None for
        as fast as possible (training). The window preselects it; the user may change it."""
        return None

    def snapshot(self) -> Frame:
        raise NotImplementedError

    def apply_live(self, name: str, value: Any) -> None:
        """Apply a "live" option to the running modules (e.g. set the optimizer's lr)."""

    # ---- the protocol ------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        import random

        import numpy as np
        import torch

        if seed is not None:
            self.seed = int(seed)
        random.seed(self.seed)
        np.random.seed(self.seed % 2**32)
        torch.manual_seed(self.seed)
        self.steps = 0
        self.build()

    def step(self) -> None:
        self.advance()
        self.steps += 1

    def set_param(self, name: str, value: Any) -> None:
        """Change one option. Build options rebuild and reset (same seed); view options are ignored."""
        option = self.OPTIONS[name]
        value = option.coerce(value)
        self.options = self.OPTIONS.validate({**self.options, name: value})
        if option.role == "live":
            self.apply_live(name, value)
        elif option.role == "build":
            self.reset(self.seed)

    def set_params(self, values: dict) -> None:
        """Change several options at once, rebuilding at most once."""
        if not values:
            return
        options = [self.OPTIONS[n] for n in values]
        self.options = self.OPTIONS.validate({**self.options, **values})
        if any(o.role == "build" for o in options):
            self.reset(self.seed)
        else:
            for o in options:
                if o.role == "live":
                    self.apply_live(o.name, self.options[o.name])

    # ---- state: what a session file keeps (visualizer/core/state.py, core/session_file.py) ----
    STATE_VERSION: ClassVar[int] = 1

    def state_parts(self) -> dict:
        """The lab's stateful objects by name: nn.Modules, optimizers, torch.Generators it owns,
        and objects with state_dict / check_state / load_state_dict (curve histories). Static
        labs (everything follows from the options and the seed) keep the default: none."""
        return {}

    def extra_state(self) -> dict:
        """Other values needed to continue (counters, events, positions): tensors, arrays or JSON."""
        return {}

    def check_extra_state(self, extra: dict) -> None:
        """Raise core.state.StateError if `extra` does not fit this lab; change nothing."""

    def load_extra_state(self, extra: dict) -> None:
        """Apply what check_extra_state accepted."""

    def user_files(self) -> dict[str, str]:
        """{option: path} of the user's own files this lab was built from (a corpus, a graph
        file, a CSV of points): a session file keeps copies of them."""
        return {}

    def state_dict(self) -> dict:
        """Everything needed to show the same frame and continue the same run bit for bit: the
        step counter, the seed and the options it was built from, the process-wide random
        generators (torch CPU and the lab's CUDA device, numpy's global, Python's `random`),
        state_parts() and extra_state(). Leaves are tensors, numpy arrays or JSON values
        (core.state.flatten splits them for safetensors + JSON)."""
        from visualizer.core import state as st

        return {"lab": type(self).__name__, "version": self.STATE_VERSION, "steps": int(self.steps),
                "seed": int(self.seed), "options": self._shaping_options(self.options),
                "rng": st.global_rng_state(self.device), "parts": st.capture_parts(self.state_parts()),
                "extra": self.extra_state()}

    def check_state(self, state: dict) -> None:
        """StateError (one line) unless `state` fits this lab: the same lab class, built from the
        same seed and options (build and live; view options are not the lab's), weights and
        optimizer states of the same shapes. Nothing is changed."""
        from visualizer.core import state as st

        if not isinstance(state, dict):
            raise st.StateError("the lab state is not a mapping")
        if state.get("lab") != type(self).__name__:
            raise st.StateError(f"the state is of a {state.get('lab')!r}, not of a {type(self).__name__}")
        version = state.get("version")
        if not isinstance(version, int) or version > self.STATE_VERSION:
            raise st.StateError(f"the {type(self).__name__} state has version {version!r}; this app reads up to "
                                f"{self.STATE_VERSION}")
        steps = state.get("steps")
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
            raise st.StateError("the state's step counter is not a whole number ≥ 0")
        if state.get("seed") != self.seed:
            raise st.StateError(f"the state was saved with seed {state.get('seed')!r}, the lab was built with {self.seed}")
        saved = st.get(state, "options")
        own = self._shaping_options(self.options)
        name = st.differing_option(saved, own, sorted(set(saved) | set(own)))
        if name is not None:
            raise st.StateError(f"the state was saved with {name} = {saved.get(name)!r}, the lab was built with "
                                f"{own.get(name)!r}")
        st.check_global_rng_state(st.get(state, "rng"))
        st.check_parts(self.state_parts(), state.get("parts"))
        self.check_extra_state(st.get(state, "extra"))

    def load_state_dict(self, state: dict) -> None:
        """Restore a state_dict() into this lab, built from the same options and seed (see
        check_state): everything is checked first, so a StateError leaves the lab as it was.
        This also sets the process-wide random generators to the saved ones."""
        from visualizer.core import state as st

        self.check_state(state)
        st.load_parts(self.state_parts(), state["parts"])
        self.load_extra_state(state["extra"])
        self.steps = int(state["steps"])
        st.set_global_rng_state(state["rng"], self.device)

    def session_state(self) -> dict:
        """This lab's state as plain data for a session file, without torch types:
        {"arrays": {name: np.ndarray}, "meta": JSON-able dict, "files": {option: path}}.
        What a lab in a child process sends to the window (core.session_file.write_session)."""
        from visualizer.core.session_file import capture

        return capture(self)

    def load_session_state(self, state: dict) -> None:
        """The inverse of session_state(), in place (all or nothing, see load_state_dict)."""
        from visualizer.core.session_file import restore_into

        restore_into(self, state)

    def _shaping_options(self, values: dict) -> dict:
        return {k: v for k, v in values.items() if k in self.OPTIONS and self.OPTIONS[k].role != "view"}

    def device_label(self) -> str:
        from visualizer.core.device import device_label

        return device_label(self.device)
