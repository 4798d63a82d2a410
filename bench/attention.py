"""Benchmark: edit the text -> all 72 MiniLM heads repainted, against the bare model forward.

    python bench/attention.py [--repeats 15] [--threads 1]

Prints one JSON object. For 20 and 128 tokens it times, per edit:
  lab      AttentionLab.set_params({"text": ...}): tokenize + forward with attentions + q/k hooks
  snapshot lab.snapshot(): the Frame of numpy copies
  draw     AttentionView.show_frame(frame) on the model view (72 thumbnails + zoomed head)
  paint    processEvents() + repaint(): Qt actually paints the widget (offscreen platform)
  total    the sum: what a person waits for after typing
beside `bare_forward` (the same text through model(**inputs), eager, no hooks, no attentions)
and `bertviz` (the Python side of bertviz.head_view(attention, tokens, html_action="return")
on the same attentions; null when bertviz is not installed). Medians in milliseconds.
torch uses --threads threads, as the app's worker does (1 by default).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

PASSAGE = ("The cat sat on the mat because it was tired after chasing the small grey mouse around the old "
           "farmhouse kitchen all afternoon while the farmer slept in his chair by the warm stove and the rain "
           "kept falling on the roof so nobody noticed when the mouse finally escaped through a crack under "
           "the back door into the wet garden where the vegetables grew in long neat rows beside the fence "
           "that the farmer had painted white last summer with help from his two patient grandchildren who "
           "came every August to swim in the river pick blackberries and listen to stories about the war "
           "and the years before electricity reached the valley when evenings were long and quiet and dark")


def text_with_tokens(tokenizer, n: int, shift: int = 0) -> str:
    """A text of exactly (or just over) n tokens, [CLS] and [SEP] included; `shift` varies it."""
    words = PASSAGE.split()
    words = words[shift % 7:] + words[: shift % 7]
    text = ""
    for w in words * 4:
        candidate = (text + " " + w).strip()
        if len(tokenizer(candidate)["input_ids"]) > n:
            break
        text = candidate
    return text


def median_ms(samples) -> float:
    return round(1000 * statistics.median(samples), 2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sizes", default="20,128")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from visualizer.labs.attention.lab import AttentionLab
    from visualizer.labs.pretrained import load_pretrained
    from visualizer.ui.theme import LIGHT
    from visualizer.ui.views.attention import AttentionView

    t0 = time.perf_counter()
    model, tokenizer = load_pretrained("minilm")
    load_s = time.perf_counter() - t0

    try:
        from importlib.metadata import PackageNotFoundError, version

        from bertviz import head_view as bertviz_head_view

        try:
            bertviz_version = version("bertviz")
        except PackageNotFoundError:
            bertviz_version = "installed"
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        bertviz_head_view, bertviz_version = None, None

    view = AttentionView(LIGHT, 1.0)
    view.set_view_options({"panel": "model", "layer": 1, "head": 1})
    view.resize(1280, 720)
    view.show()
    lab = AttentionLab(model="minilm", text="warm up")
    view.show_frame(lab.snapshot())
    app.processEvents()

    results = {}
    for n in (int(s) for s in args.sizes.split(",")):
        texts = [text_with_tokens(tokenizer, n, shift) for shift in range(4)]
        tokens_n = len(tokenizer(texts[0])["input_ids"])
        timings = {k: [] for k in ("lab", "snapshot", "draw", "paint", "total", "bare_forward", "bertviz")}
        for r in range(args.repeats + 3):
            text = texts[r % len(texts)]
            t = time.perf_counter()
            lab.set_params({"text": text})
            t_lab = time.perf_counter()
            frame = lab.snapshot()
            t_snap = time.perf_counter()
            view.show_frame(frame)
            t_draw = time.perf_counter()
            app.processEvents()
            view.repaint()
            t_paint = time.perf_counter()

            enc = tokenizer(text, return_tensors="pt")
            with torch.no_grad():
                tb = time.perf_counter()
                model(**enc)
                t_bare = time.perf_counter() - tb
                att_out = model(**enc, output_attentions=True).attentions
            t_bv = None
            if bertviz_head_view is not None:
                toks = tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist())
                tv = time.perf_counter()
                bertviz_head_view(att_out, toks, html_action="return")
                t_bv = time.perf_counter() - tv
            if r < 3:
                continue  # warm-up
            timings["lab"].append(t_lab - t)
            timings["snapshot"].append(t_snap - t_lab)
            timings["draw"].append(t_draw - t_snap)
            timings["paint"].append(t_paint - t_draw)
            timings["total"].append(t_paint - t)
            timings["bare_forward"].append(t_bare)
            if t_bv is not None:
                timings["bertviz"].append(t_bv)
        row = {k: (median_ms(v) if v else None) for k, v in timings.items()}
        row["tokens"] = tokens_n
        row["heads_repainted"] = int(frame["attentions"].shape[0] * frame["attentions"].shape[1])
        row["ratio_total_to_bare_forward"] = round(row["total"] / row["bare_forward"], 2)
        row["ratio_view_to_bare_forward"] = round((row["draw"] + row["paint"]) / row["bare_forward"], 2)
        row["ratio_total_to_bertviz"] = round(row["total"] / row["bertviz"], 2) if row["bertviz"] else None
        row["meets_100ms_target"] = row["total"] <= 100.0
        results[str(n)] = row

    view.close()
    report = {
        "benchmark": "attention: edit text -> 72 MiniLM heads repainted (model view)",
        "unit": "ms (median)",
        "repeats": args.repeats,
        "torch_threads": args.threads,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "qt_platform": os.environ.get("QT_QPA_PLATFORM"),
        "model_load_s": round(load_s, 2),
        "bertviz": bertviz_version,
        "sizes": results,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
