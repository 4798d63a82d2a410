"""How far the GNN lab's build has got: facts, never words (the view writes them).

A big graph takes seconds to open (100 000 nodes, 500 000 edges: parsing, communities,
layout), and the lab is built in the runner's worker thread, before any Frame exists. So the
build reports here, and whoever waits (the view, a script) reads `PROGRESS.facts()` or listens:

    loading_active   bool   a build is under way
    loading_stage    str    "read" | "parse" | "communities" | "layout" | "model"
    loading_done     int    units done in this stage (lines, eigen-pairs tried, pivots, …)
    loading_total    int    units in this stage (0 when unknown)
    loading_step     int    this stage's place in the build (1-based), of loading_steps
    loading_steps    int
    loading_elapsed_s float seconds since the build began
    loading_source   str    the graph option being loaded ("karate", a file path, …)
    loading_nodes    int    nodes of the graph once known (0 before)

One record per process (the latest build wins); thread-safe; reporting costs a lock and a
dict update, so the stages report at most every few thousand units. A runner that builds the
lab in another process can forward `PROGRESS.frame()` (kind "gnn_loading"); the view draws it.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

STAGES = ("read", "parse", "communities", "layout", "model")
FRAME_KIND = "gnn_loading"   # a Frame of this kind carries the facts in its info, no arrays


class LoadProgress:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._facts: dict = {"loading_active": False}
        self._started = 0.0
        self._listeners: list[Callable[[dict], None]] = []

    def begin(self, source: str) -> None:
        with self._lock:
            self._started = time.perf_counter()
            self._facts = {"loading_active": True, "loading_stage": "read", "loading_done": 0,
                           "loading_total": 0, "loading_step": 1, "loading_steps": len(STAGES),
                           "loading_elapsed_s": 0.0, "loading_source": str(source), "loading_nodes": 0}
        self._tell()

    def report(self, stage: str, done: int = 0, total: int = 0, nodes: int | None = None) -> None:
        with self._lock:
            if not self._facts.get("loading_active"):
                return
            self._facts.update(loading_stage=stage, loading_done=int(done), loading_total=int(total),
                               loading_step=STAGES.index(stage) + 1 if stage in STAGES else 0,
                               loading_elapsed_s=round(time.perf_counter() - self._started, 2))
            if nodes is not None:
                self._facts["loading_nodes"] = int(nodes)
        self._tell()

    def end(self) -> None:
        with self._lock:
            self._facts = {**self._facts, "loading_active": False,
                           "loading_elapsed_s": round(time.perf_counter() - self._started, 2)}
        self._tell()

    def facts(self) -> dict:
        with self._lock:
            facts = dict(self._facts)
        if facts.get("loading_active"):
            facts["loading_elapsed_s"] = round(time.perf_counter() - self._started, 2)
        return facts

    def frame(self):
        """The facts as a Frame (kind FRAME_KIND), for a runner that forwards them to the view."""
        from visualizer.core.frame import Frame

        return Frame(FRAME_KIND, 0, {}, self.facts())

    def listen(self, fn: Callable[[dict], None]) -> Callable[[], None]:
        """Call fn(facts) on every report (in the building thread); returns a function that stops it."""
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def _tell(self) -> None:
        if self._listeners:
            facts = self.facts()
            for fn in list(self._listeners):
                fn(facts)


PROGRESS = LoadProgress()
