"""Paint cost of every view: show_frame + the paint it causes, while a stream of frames arrives.

For every ready explainer (visualizer.core.registry.ready()) and every frame kind of its view
(its PAGES), a lab with that kind's options trains (or, for a static lab, is re-snapshotted)
and hands a stream of frames to a fresh view, 1280 × 720, offscreen Qt. The LSTM view is also
measured on each of its panels (the `page` view option), the GAN on its 2-D targets too.
Frames are made before the clock starts (the lab's cost is not the view's). Per frame:

  draw_ms    view.show_frame(frame)                       (Python: setData, texts, layout asks)
  paint_ms   the event loop run until idle: queued scene updates, layout, the paint itself
  frame_ms   draw + paint: what one frame costs the window's thread (target < 8 ms while training)
  frame_cpu_ms  the same as CPU time of the window's thread (less sensitive to a busy machine:
             on 2 shared cores, wall time includes waiting for a core)
  repaint_ms a forced full view.repaint() afterwards (the cost of an expose / resize / export)

Each is reported as median and p95 over the measured frames (after a few warm-up frames), with
the number of paint events seen per frame (0 would mean nothing was painted: a broken bench).

    python bench/paint.py [--frames N] [--warmup W] [--size 1280x720] [--only gan,lstm]
                          [--theme light|dark] [--scale 1.0] [--skip-pretrained]

Prints one JSON object: {"size", "frames", "views": [{explainer, kind, variant, ...}, ...]}.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VISUALIZER_SETTINGS", "/tmp/visualizer-bench.ini")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

# explainer -> frame kind -> (lab options, lab steps between two frames, view-option variants)
# Sizes are the options' defaults (what a person sees), only the kind is chosen.
LSTM_PANELS = ("cell", "heatmap", "trace", "finder", "train", "compare", "sample")
SETUPS = {
    "attention": {"mha": ({"model": "mha"}, 0, [{}]),
                  "pretrained": ({"model": "minilm"}, 0, [{}]),
                  "train": ({"model": "train"}, 2, [{}])},
    "positional": {"sinusoidal": ({"kind": "sinusoidal"}, 0, [{}]),
                   "learned": ({"kind": "learned"}, 0, [{}]),
                   "rope": ({"kind": "rope"}, 0, [{}]),
                   "alibi": ({"kind": "alibi"}, 0, [{}]),
                   "effect": ({"kind": "effect"}, 0, [{}])},
    "lstm": {"lstm": ({}, 2, [{"page": p} for p in LSTM_PANELS if p != "compare"]),
             "compare": ({"compare": True, "task": "adding"}, 1, [{"page": "compare"}, {"page": "cell"}])},
    "gan": {"gan2d": ({}, 5, [{}, {"show_manifold": True, "show_arrows": True}]),
            "digits": ({"distribution": "digits"}, 5, [{}])},
    "gnn": {"gnn": ({}, 2, [{}])},
}


def arg(name: str, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


def setup_for(explainer_id: str, kind: str):
    if kind in SETUPS.get(explainer_id, {}):
        return SETUPS[explainer_id][kind]
    # a kind this bench does not know yet: the contract test's (small) options
    from tests.ui.test_contract import CONTRACT_FRAMES

    options, steps = CONTRACT_FRAMES[explainer_id][kind]
    return options, 1 if steps else 0, [{}]


def make_frames(explainer, options: dict, steps_between: int, n: int) -> list:
    import torch

    torch.set_num_threads(1)
    lab = explainer.load_lab()(seed=0, **options)
    if hasattr(lab, "throttle"):
        lab.throttle = False          # fresh internals in every frame: the view's worst case
    frames = []
    for _ in range(n):
        if lab.continuous and steps_between:
            for _ in range(steps_between):
                lab.step()
        frames.append(lab.snapshot())
    return frames


class PaintCounter:
    def __init__(self):
        from PySide6.QtCore import QEvent, QObject

        class Filter(QObject):
            def eventFilter(inner, obj, event):  # noqa: N802, N805
                if event.type() == QEvent.Type.Paint:
                    self.count += 1
                return False

        self.count = 0
        self.filter = Filter()


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def measure(app, view_cls, frames: list, variant: dict, size, theme, scale: float, warmup: int) -> dict:
    counter = PaintCounter()
    app.installEventFilter(counter.filter)
    view = view_cls(theme, scale)
    view.resize(*size)
    view.show()
    if variant:
        view.set_view_options(variant)
    idle(app)
    draw, paint, total, repaint, paints, cpu = [], [], [], [], [], []
    try:
        for k, frame in enumerate(frames):
            counter.count = 0
            c0 = time.thread_time()
            t0 = time.perf_counter()
            view.show_frame(frame)
            t1 = time.perf_counter()
            idle(app)
            t2 = time.perf_counter()
            c2 = time.thread_time()
            n_paint = counter.count
            view.repaint()
            t3 = time.perf_counter()
            if k >= warmup:
                draw.append(1e3 * (t1 - t0))
                paint.append(1e3 * (t2 - t1))
                total.append(1e3 * (t2 - t0))
                cpu.append(1e3 * (c2 - c0))
                repaint.append(1e3 * (t3 - t2))
                paints.append(n_paint)
    finally:
        app.removeEventFilter(counter.filter)
        view.close()
        view.deleteLater()
        idle(app)
    return {
        "frames": len(total),
        "frame_ms": {"median": round(statistics.median(total), 2), "p95": round(pct(total, 95), 2)},
        "frame_cpu_ms": {"median": round(statistics.median(cpu), 2), "p95": round(pct(cpu, 95), 2)},
        "draw_ms": {"median": round(statistics.median(draw), 2), "p95": round(pct(draw, 95), 2)},
        "paint_ms": {"median": round(statistics.median(paint), 2), "p95": round(pct(paint, 95), 2)},
        "repaint_ms": {"median": round(statistics.median(repaint), 2), "p95": round(pct(repaint, 95), 2)},
        "paint_events_per_frame": round(float(np.mean(paints)), 1),
    }


def idle(app, rounds: int = 4) -> None:
    """Run the event loop until nothing is pending: queued scene updates post paint requests,
    layout requests post more; a few rounds catch the chain."""
    for _ in range(rounds):
        app.processEvents()


def text_edit_frames(explainer, n: int) -> list:
    """Frames as a text edit makes them (issue 10: the LSTM's text box): each a new 200-character
    text stepped through by a 2-layer × 128 character model (as bench/lstm.py's text_edit)."""
    import torch

    torch.set_num_threads(1)
    source = Path(__file__).read_text(encoding="utf-8")
    lab = explainer.load_lab()(seed=0, task="charlm", hidden=128, layers=2, text=source[:200])
    frames = []
    for k in range(n):
        start = (37 * k) % (len(source) - 200)
        lab.set_param("text", source[start:start + 200])
        frames.append(lab.snapshot())
    return frames


def text_edit_rows(app, explainer, n, warmup, size, theme, scale) -> list:
    frames = text_edit_frames(explainer, n + warmup)
    rows = []
    for page in ("cell", "heatmap", "trace", "finder"):
        variant = {"page": page, "t": 100}
        row = {"explainer": explainer.id, "kind": "lstm", "variant": variant, "stream": "text edits",
               "training": False}
        row.update(measure(app, explainer.load_view(), frames, variant, size, theme, scale, warmup))
        rows.append(row)
        print(f"{explainer.id:10s} text-edit   {json.dumps(variant):28s} {row['frame_ms']}", file=sys.stderr)
    return rows


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from visualizer.core import registry
    from visualizer.ui.theme import DARK, LIGHT

    app = QApplication.instance() or QApplication(["bench-paint"])
    n = arg("--frames", 30)
    warmup = arg("--warmup", 5)
    w, h = (int(v) for v in arg("--size", "1280x720").split("x"))
    theme = DARK if arg("--theme", "light") == "dark" else LIGHT
    scale = arg("--scale", 1.0)
    only = [s for s in arg("--only", "").split(",") if s]
    rows = []
    for explainer in registry.ready():
        if only and explainer.id not in only:
            continue
        view_cls = explainer.load_view()
        for kind in view_cls.PAGES:
            if kind == "pretrained" and "--skip-pretrained" in sys.argv:
                continue
            options, steps_between, variants = setup_for(explainer.id, kind)
            try:
                frames = make_frames(explainer, options, steps_between, n + warmup)
            except Exception as exc:  # noqa: BLE001 - a lab that cannot run here is reported, not fatal
                rows.append({"explainer": explainer.id, "kind": kind, "error": f"{type(exc).__name__}: {exc}"})
                continue
            for variant in variants:
                row = {"explainer": explainer.id, "kind": kind, "variant": variant,
                       "training": bool(steps_between)}
                try:
                    row.update(measure(app, view_cls, frames, variant, (w, h), theme, scale, warmup))
                except Exception as exc:  # noqa: BLE001
                    row["error"] = f"{type(exc).__name__}: {exc}"
                rows.append(row)
                print(f"{explainer.id:10s} {kind:11s} {json.dumps(variant):28s} "
                      f"{row.get('frame_ms', row.get('error'))}", file=sys.stderr)
    if not only or "lstm" in only:
        rows.extend(text_edit_rows(app, registry.get("lstm"), n, warmup, (w, h), theme, scale))
    print(json.dumps({"size": f"{w}x{h}", "theme": theme.name, "font_scale": scale, "frames": n,
                      "warmup": warmup, "target_frame_ms": 8.0, "views": rows}, indent=1))


if __name__ == "__main__":
    main()
