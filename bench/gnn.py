"""GNN explainer bench (no Qt): opening cost, training speed with snapshots, and a 100k graph.

Prints one JSON object:
  import_torch_geometric_s   `import torch_geometric` in a fresh process that has imported torch
  first_open_s               fresh process: import torch_geometric + the lab + GNNLab build on karate
                             + the first snapshot (what opening the explainer costs, before painting)
  karate                     GNNLab.step() in a plain loop (bare) vs step() with snapshot() taken at
                             most 30 times a second (as the runner does), 1 torch thread; ratio =
                             with snapshots / bare (target ≥ 0.9); snapshot_ms after a fresh step
  karate_accuracy            test accuracy after 200 steps, GCN, PyG's four communities, one
                             labelled node per community, seeds 0–9 (and PyG's own choice 0,4,8,24)
  big                        a labelled stochastic block model, 100 000 nodes, ~500 000 edges (5 blocks,
                             average degree 10, mixing 0.1): generation, PivotMDS layout (50 pivots),
                             lab build, a training step, a snapshot (one eval forward with capture);
                             and the same edges written to an edge list: parse time, PivotMDS time
  big_file                   that edge list opened as the user's file, no classes (so communities are
                             found: spectral clustering), as the window opens it: GNNLab build (parse,
                             communities, PivotMDS layout, model) with the seconds at which each loading
                             stage began (visualizer.labs.gnn.progress), then one training step
  paint                      the GNN view at 1280 × 720 (offscreen), median per frame while training:
                             draw_ms (show_frame: Python, setData...) and paint_ms (the repaint that follows),
                             karate after 150 steps, and the 100k block model

    python bench/gnn.py [--seconds S] [--model gcn|gat|sage|gin] [--no-big] [--no-paint]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _app import bare_steps_per_second

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def arg(name: str, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


def fresh(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def opening() -> dict:
    imp = [fresh("import time, torch; t = time.perf_counter(); import torch_geometric; "
                 "print(time.perf_counter() - t)") for _ in range(2)]
    first = [fresh("import time, torch; t = time.perf_counter(); "
                   "from visualizer.labs.gnn.lab import GNNLab; lab = GNNLab(seed=0); lab.snapshot(); "
                   "print(time.perf_counter() - t)") for _ in range(2)]
    return {"import_torch_geometric_s": [round(x, 2) for x in imp],
            "first_open_s": [round(x, 2) for x in first]}


def karate(model: str, seconds: float) -> dict:
    from visualizer.labs.gnn.lab import GNNLab

    out = {}
    for repeat in range(2):
        bare = bare_steps_per_second("gnn", {"model": model}, seconds)
        lab = GNNLab(seed=0, model=model)
        n, snaps, last, start = 0, 0, 0.0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            lab.step()
            n += 1
            now = time.perf_counter()
            if now - last >= 1 / 30:
                lab.snapshot()
                snaps += 1
                last = now
        app = n / (time.perf_counter() - start)
        t = time.perf_counter()
        for _ in range(30):
            lab.step()
            lab.snapshot()
        both = (time.perf_counter() - t) / 30
        t = time.perf_counter()
        for _ in range(30):
            lab.step()
        snap_ms = (both - (time.perf_counter() - t) / 30) * 1000
        out.setdefault("bare_steps_per_s", []).append(round(bare, 1))
        out.setdefault("with_snapshots_steps_per_s", []).append(round(app, 1))
        out.setdefault("ratio", []).append(round(app / bare, 3))
        out.setdefault("snapshots_per_s", []).append(round(snaps / seconds, 1))
        out.setdefault("snapshot_ms", []).append(round(snap_ms, 2))
    return out


def karate_accuracy() -> dict:
    from visualizer.labs.gnn.lab import GNNLab

    accs = []
    for seed in range(10):
        lab = GNNLab(seed=seed, class_attr="community", labelled=1, model="gcn")
        for _ in range(200):
            lab.step()
        accs.append(round(lab.accuracy()["test"], 3))
    lab = GNNLab(seed=0, class_attr="community", labelled_nodes="0,4,8,24", model="gcn")
    for _ in range(200):
        lab.step()
    return {"seeds_0_9": accs, "median": float(np.median(accs)), "min": min(accs), "max": max(accs),
            "pyg_train_nodes_0_4_8_24_seed0": round(lab.accuracy()["test"], 3)}


def big(model: str) -> dict:
    from visualizer.labs.gnn.config import OPTIONS
    from visualizer.labs.gnn.graphs import load_graph, parse_edge_list
    from visualizer.labs.gnn.lab import GNNLab
    from visualizer.labs.gnn.layout import pivot_mds

    options = dict(graph="sbm", nodes=100_000, blocks=5, degree=10.0, mixing=0.1, model=model)
    t = time.perf_counter()
    g = load_graph(OPTIONS.validate(options), 0)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    pivot_mds(g.edge_index, g.num_nodes, 50, 0)
    layout_s = time.perf_counter() - t
    t = time.perf_counter()
    lab = GNNLab(seed=0, **options)
    build_s = time.perf_counter() - t
    steps = []
    for _ in range(3):
        t = time.perf_counter()
        lab.step()
        steps.append(time.perf_counter() - t)
    snaps = []
    for _ in range(2):
        lab.step()
        t = time.perf_counter()
        frame = lab.snapshot()
        snaps.append(time.perf_counter() - t)
    ei = g.edge_index
    keep = ei[0] < ei[1]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sbm100k.txt"
        path.write_text("".join(f"{u} {v}\n" for u, v in zip(ei[0, keep].tolist(), ei[1, keep].tolist())))
        t = time.perf_counter()
        names, src, dst = parse_edge_list(path.read_text(), path.name)
        parse_s = time.perf_counter() - t
    return {"nodes": g.num_nodes, "edges": g.num_edges // 2, "features": lab.feature_mode,
            "generate_s": round(load_s, 2), "pivotmds_layout_s": round(layout_s, 2),
            "load_plus_layout_s": round(load_s + layout_s, 2), "lab_build_s": round(build_s, 2),
            "train_step_s": [round(s, 3) for s in steps], "snapshot_s": [round(s, 3) for s in snaps],
            "frame_arrays": len(frame.arrays), "edge_list_parse_s": round(parse_s, 2),
            "edge_list_parsed_edges": int(len(src))}


def big_file(model: str) -> dict:
    from visualizer.labs.gnn.graphs import sbm_edges
    from visualizer.labs.gnn.lab import GNNLab
    from visualizer.labs.gnn.progress import PROGRESS

    src, dst, _ = sbm_edges(100_000, 5, 10.0, 0.1, 0)
    stages: dict = {}
    stop = PROGRESS.listen(lambda f: stages.setdefault(f.get("loading_stage"), f.get("loading_elapsed_s")))
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "sbm100k_unlabelled.txt"
            path.write_text("".join(f"{u} {v}\n" for u, v in zip(src.tolist(), dst.tolist())))
            t = time.perf_counter()
            lab = GNNLab(seed=0, graph=str(path), model=model)
            build_s = time.perf_counter() - t
    finally:
        stop()
    t = time.perf_counter()
    lab.step()
    step_s = time.perf_counter() - t
    g = lab.graph
    return {"nodes": g.num_nodes, "edges": g.num_edges // 2, "classes_from": g.classes_from,
            "communities_method": g.facts.get("communities_method"), "communities": len(g.class_names),
            "community_sizes": np.bincount(g.labels[g.labels >= 0]).tolist(),
            "open_s": round(build_s, 2), "stage_started_at_s": stages, "train_step_s": round(step_s, 3),
            "target_open_s": "<= 30"}


def paint() -> dict:
    import torch
    from PySide6.QtWidgets import QApplication

    from visualizer.labs.gnn.lab import GNNLab
    from visualizer.ui.theme import LIGHT
    from visualizer.ui.views.gnn import GNNView

    app = QApplication.instance() or QApplication(["bench"])
    torch.set_num_threads(1)
    out = {}
    cases = {"karate": (dict(graph="karate"), 150, 20),
             "sbm_100k": (dict(graph="sbm", nodes=100_000, blocks=5, degree=10.0, mixing=0.1), 2, 4)}
    for name, (options, warm, frames) in cases.items():
        lab = GNNLab(seed=0, **options)
        view = GNNView(LIGHT, 1.0)
        view.resize(1280, 720)
        view.show()
        app.processEvents()
        for _ in range(warm):
            lab.step()
        t = time.perf_counter()
        view.show_frame(lab.snapshot())
        app.processEvents()
        first = time.perf_counter() - t
        draws, paints = [], []
        for _ in range(frames):
            lab.step()
            frame = lab.snapshot()
            t = time.perf_counter()
            view.show_frame(frame)
            t1 = time.perf_counter()
            app.processEvents()
            draws.append(t1 - t)
            paints.append(time.perf_counter() - t1)
        view.close()
        out[name] = {"first_frame_ms": round(1000 * first, 1), "draw_ms": round(1000 * float(np.median(draws)), 1),
                     "paint_ms": round(1000 * float(np.median(paints)), 1),
                     "frame_ms": round(1000 * float(np.median(np.add(draws, paints))), 1)}
    out["targets"] = {"karate_paint_ms": "< 8", "sbm_100k_paint_ms": "< 30"}
    return out


def main() -> None:
    import torch

    torch.set_num_threads(1)
    seconds = arg("--seconds", 3.0)
    model = arg("--model", "gcn")
    result = {"bench": "gnn", "cpus": os.cpu_count(), "model": model, "torch_threads": 1}
    result.update(opening())
    result["karate"] = karate(model, seconds)
    result["karate_accuracy"] = karate_accuracy()
    if "--no-big" not in sys.argv:
        result["big"] = big(model)
        result["big_file"] = big_file(model)
    if "--no-paint" not in sys.argv:
        result["paint"] = paint()
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["targets"] = {"ratio": ">= 0.9", "big_load_plus_layout_s": "<= 30"}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
