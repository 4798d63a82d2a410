"""LSTM explainer bench (lab side, no Qt): training speed with snapshots vs. a bare loop, and the
cost of a snapshot after a text edit.

Prints one JSON object:
  bare_steps_per_s    the same model (SeqModel + Adam + clip) trained in a plain loop, no lab
  lab_steps_per_s     LSTMLab.step() in a loop, with lab.snapshot() taken at most 30×/s
  ratio               lab / bare (target ≥ 0.9); snapshots_per_s; snapshot_fresh_ms (one fresh)
  text_edit_ms        set_param("text", 200 new characters) + snapshot() on 2 layers × 128
                      (charlm): median / max over 10 edits (target ≤ 100 ms, view drawing excluded)

    python bench/lstm.py [--seconds S] [--task adding|charlm|...] [--hidden H] [--layers L]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def arg(name: str, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


def bare(options: dict, seconds: float) -> float:
    import torch

    from visualizer.labs.lstm.lab import LSTMLab

    lab = LSTMLab(seed=0, **options)           # only for its task and model; trained here directly
    model, task, rng = lab.model, lab.task, lab.rng
    opt = torch.optim.Adam(model.parameters(), lr=options.get("lr", 1e-2))
    B = lab.options["batch"]

    def one():
        x, y = task.batch(B, rng)
        loss = task.loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(20):
        one()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        one()
        n += 1
    return n / (time.perf_counter() - start)


def with_snapshots(options: dict, seconds: float) -> dict:
    from visualizer.labs.lstm.lab import LSTMLab

    lab = LSTMLab(seed=0, **options)
    for _ in range(20):
        lab.step()
    t = time.perf_counter()
    lab.snapshot()
    fresh_ms = (time.perf_counter() - t) * 1000
    n, snaps, fresh = 0, 0, 0
    start = last = time.perf_counter()
    while time.perf_counter() - start < seconds:
        lab.step()
        n += 1
        now = time.perf_counter()
        if now - last >= 1 / 30:
            f = lab.snapshot()
            fresh += f.info["internals_step"] == f.step
            snaps += 1
            last = now
    elapsed = time.perf_counter() - start
    return {"steps_per_s": n / elapsed, "snapshots_per_s": round(snaps / elapsed, 1),
            "fresh_internals_per_s": round(fresh / elapsed, 1), "snapshot_fresh_ms": round(fresh_ms, 2)}


def text_edit(hidden: int, layers: int) -> dict:
    import random

    from visualizer.labs.lstm.lab import LSTMLab

    source = Path(__file__).read_text(encoding="utf-8")
    lab = LSTMLab(seed=0, task="charlm", hidden=hidden, layers=layers, text=source[:200])
    for _ in range(5):
        lab.step()
    lab.snapshot()
    times = []
    rnd = random.Random(0)
    for _ in range(10):
        start = rnd.randrange(0, len(source) - 200)
        t = time.perf_counter()
        lab.set_param("text", source[start:start + 200])
        lab.snapshot()
        times.append((time.perf_counter() - t) * 1000)
    return {"median": round(float(np.median(times)), 1), "max": round(float(np.max(times)), 1),
            "layers": layers, "hidden": hidden, "chars": 200}


def main() -> None:
    import torch

    torch.set_num_threads(1)
    seconds = arg("--seconds", 4.0)
    task = arg("--task", "adding")
    options = {"task": task, "hidden": arg("--hidden", 32), "layers": arg("--layers", 1), "batch": 64}
    if task == "adding":
        options["length"] = 30
    b = bare(options, seconds)
    a = with_snapshots(options, seconds)
    b2 = bare(options, seconds)
    bare_rate = (b + b2) / 2
    print(json.dumps({
        "bench": "lstm", "options": options, "cpus": os.cpu_count(), "torch_threads": 1,
        "bare_steps_per_s": [round(b, 1), round(b2, 1)],
        "lab_steps_per_s": round(a["steps_per_s"], 1),
        "ratio": round(a["steps_per_s"] / bare_rate, 3),
        "snapshots_per_s": a["snapshots_per_s"], "fresh_internals_per_s": a["fresh_internals_per_s"],
        "snapshot_fresh_ms": a["snapshot_fresh_ms"],
        "text_edit_ms": text_edit(128, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "targets": {"ratio": ">= 0.9", "text_edit_ms": "<= 100 (lab side only)"},
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
