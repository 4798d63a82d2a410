"""Rewind: a bounded ring of checkpoints of a training lab, kept in the lab's process.

    timeline = Timeline(budget_bytes=200 << 20)
    if timeline.due(lab.steps): timeline.add(lab.steps, lab.session_state())
    lab.load_session_state(timeline.at(120))          # back to step 120
    timeline.branch(120)                              # playing on from there drops the old future…
    timeline.undo_branch()                            # …which can be taken back; its last state

Checkpoints are the labs' own session states (core/session_file.py), so a rewound lab is the
same, bit for bit, as it was at that step. The ring stays within its memory budget by
thinning: when full, every other checkpoint is dropped (the first and the newest stay) and the
spacing doubles, so it always spans the whole run. Keeping one (capturing and counting it) costs
at most `overhead` of the training time: the next is due only after cost / overhead seconds, and
not within `min_interval` of the last. Rewinding needs a point every few tenths of a second, not
after every step: 2 % and 0.1 s by default, which the training's throughput pays
(bench/throughput.py; py-spy on the karate GCN's lab process: checkpoints 2.6 % of its time
before the 0.1 s, 1.8 % after).
"""

from __future__ import annotations

import json
import time

DEFAULT_BUDGET = 200 << 20   # bytes


def state_bytes(state: dict) -> int:
    arrays = state.get("arrays", {})
    size = sum(getattr(a, "nbytes", 0) for a in arrays.values())
    try:
        size += len(json.dumps(state.get("meta", {}), default=str))
    except (TypeError, ValueError):
        pass
    return size


class Timeline:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET, every: int = 1, overhead: float = 0.02,
                 min_interval: float = 0.1):
        self.budget = int(budget_bytes)
        self.every = max(1, int(every))   # steps between checkpoints; doubles when thinned
        self.overhead = overhead          # 0: no pause at all (a checkpoint after every step)
        self.min_interval = min_interval
        self.points: dict[int, dict] = {}  # step -> state
        self.sizes: dict[int, int] = {}
        self._last: int | None = None      # the newest kept step (due() is asked after every step)
        self._next_time = 0.0
        self._future: dict[int, dict] | None = None   # what the last branch dropped (for undo)
        self._future_sizes: dict[int, int] = {}
        self._branch_point: int | None = None

    # ---- keeping -----------------------------------------------------------------------------------
    @property
    def bytes(self) -> int:
        return sum(self.sizes.values())

    def steps(self) -> list[int]:
        return sorted(self.points)

    def due(self, step: int, now: bool = False) -> bool:
        """Whether `step` should be kept: spaced by `every`, and (unless `now`: a step the person
        took by hand) not before the capture-cost pause has passed."""
        if step in self.points:
            return False
        if self._last is None:
            return True
        return step >= self._last + self.every and (now or time.perf_counter() >= self._next_time)

    def add(self, step: int, state: dict, cost: float = 0.0) -> None:
        """Keep `state` as the checkpoint of `step` (it took `cost` seconds to capture)."""
        began = time.perf_counter()
        size = state_bytes(state)
        if size > self.budget:
            return   # one state larger than the whole budget: keep none rather than break it
        self.points[step] = state
        self.sizes[step] = size
        while self.bytes > self.budget and len(self.points) > 2:
            self._thin()
        self._kept()
        now = time.perf_counter()
        if self.overhead:
            self._next_time = now + max(self.min_interval, (cost + now - began) / self.overhead)
        else:
            self._next_time = 0.0

    def _kept(self) -> None:
        self._last = max(self.points) if self.points else None

    def _thin(self) -> None:
        steps = self.steps()
        keep = set(steps[::2]) | {steps[0], steps[-1]}
        for step in steps:
            if step not in keep:
                del self.points[step], self.sizes[step]
        self.every *= 2
        self._kept()

    def clear(self) -> None:
        self.points.clear()
        self.sizes.clear()
        self._future, self._future_sizes, self._branch_point = None, {}, None
        self.every = 1
        self._next_time = 0.0
        self._kept()

    # ---- going back ----------------------------------------------------------------------------------
    def at(self, step: int) -> dict:
        """The state kept for `step` (KeyError naming the kept steps if there is none)."""
        if step not in self.points:
            raise KeyError(f"no checkpoint at step {step}; kept: {self.steps()[:3]}…{self.steps()[-3:]}")
        return self.points[step]

    def nearest(self, step: int) -> int:
        """The kept step closest to `step`, at or before it where possible."""
        steps = self.steps()
        before = [s for s in steps if s <= step]
        return before[-1] if before else steps[0]

    def branch(self, step: int) -> bool:
        """The run goes on from `step`: drop the checkpoints after it, kept for undo_branch()."""
        later = [s for s in self.points if s > step]
        if not later:
            return False
        self._future = {s: self.points.pop(s) for s in later}
        self._future_sizes = {s: self.sizes.pop(s) for s in later}
        self._branch_point = step
        self._next_time = 0.0
        self._kept()
        return True

    @property
    def can_undo(self) -> bool:
        return self._future is not None

    def undo_branch(self) -> tuple[int, dict]:
        """Put back the future the last branch dropped (dropping the new one); its last step and
        state, to load."""
        if self._future is None:
            raise KeyError("there is no branch to undo")
        for s in [s for s in self.points if s > self._branch_point]:
            del self.points[s], self.sizes[s]
        self.points.update(self._future)
        self.sizes.update(self._future_sizes)
        self._future, self._future_sizes, self._branch_point = None, {}, None
        self._kept()
        last = self._last
        return last, self.points[last]
