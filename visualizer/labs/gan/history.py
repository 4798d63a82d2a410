"""Bounded curves: every step is kept until `capacity` points, then the history is decimated.

When the buffer is full, every second entry is dropped and from then on only every
`stride`-th step is recorded (stride doubles at each decimation). So a curve always holds at
most `capacity` points spread evenly over the whole run, each one a true value at its step
(no averaging), and memory stays constant however long training goes on.
"""

from __future__ import annotations

import numpy as np


class History:
    def __init__(self, names: tuple[str, ...], capacity: int = 20_000):
        if capacity < 2 or capacity % 2:
            raise ValueError("capacity must be an even number ≥ 2")
        self.names = tuple(names)
        self.capacity = capacity
        self.step = np.zeros(capacity, dtype=np.int64)
        self.values = np.zeros((len(self.names), capacity), dtype=np.float64)
        self.size = 0
        self.stride = 1

    def __len__(self) -> int:
        return self.size

    def offer(self, step: int, values) -> bool:
        """Record `values` (one per name) for `step` if the stride says so; True if recorded."""
        if self.size and (step - int(self.step[self.size - 1])) < self.stride:
            return False
        if self.size == self.capacity:
            self._decimate()
            if (step - int(self.step[self.size - 1])) < self.stride:
                return False
        self.step[self.size] = step
        self.values[:, self.size] = values
        self.size += 1
        return True

    def _decimate(self) -> None:
        keep = self.size // 2
        self.step[:keep] = self.step[0:self.size:2]
        self.values[:, :keep] = self.values[:, 0:self.size:2]
        self.size = keep
        self.stride *= 2

    def last(self, name: str) -> float:
        return float(self.values[self.names.index(name), self.size - 1]) if self.size else float("nan")

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Copies: {prefix+"step": (n,), prefix+name: (n,) ...}."""
        out = {prefix + "step": self.step[:self.size].copy()}
        for i, name in enumerate(self.names):
            out[prefix + name] = self.values[i, :self.size].copy()
        return out

    # ---- state (a session file keeps the kept points, not the empty tail) -------------------
    def state_dict(self) -> dict:
        return {"names": list(self.names), "capacity": self.capacity, "stride": self.stride,
                "step": self.step[:self.size].copy(), "values": self.values[:, :self.size].copy()}

    def check_state(self, state, where: str = "history") -> None:
        from visualizer.core.state import StateError

        if not isinstance(state, dict) or not isinstance(state.get("step"), np.ndarray) \
                or not isinstance(state.get("values"), np.ndarray):
            raise StateError(f"{where} is not a curve history")
        if list(state.get("names", ())) != list(self.names):
            raise StateError(f"{where} holds the curves {state.get('names')}, the lab draws {list(self.names)}")
        if state.get("capacity") != self.capacity:
            raise StateError(f"{where} holds up to {state.get('capacity')} points, the lab {self.capacity}")
        n = state["step"].shape[0] if state["step"].ndim == 1 else -1
        stride = state.get("stride")
        if n < 0 or n > self.capacity or state["values"].shape != (len(self.names), n) \
                or not isinstance(stride, int) or stride < 1:
            raise StateError(f"{where} has a malformed shape or stride")

    def load_state_dict(self, state: dict) -> None:
        n = state["step"].shape[0]
        self.step[:] = 0
        self.values[:] = 0.0
        self.step[:n] = state["step"]
        self.values[:, :n] = state["values"]
        self.size = n
        self.stride = int(state["stride"])

    def clear(self) -> None:
        self.size = 0
        self.stride = 1
