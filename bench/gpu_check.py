"""GPU check (run on a machine with CUDA): device selection, and the same numbers on GPU as on CPU.

For each ready explainer with its default options (and the given extra cases), build the lab
on cpu and on cuda with one seed, take the same steps, and compare every float array of the
snapshot. Also drives the real runner onto the GPU. Prints one JSON object."""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from visualizer.core import registry  # noqa: E402
from visualizer.core.device import available_devices, device_label, resolve_device  # noqa: E402

CASES = [
    ("attention", {"model": "mha"}, 0),
    ("attention", {"model": "minilm"}, 0),
    ("attention", {"model": "train"}, 50),
    ("positional", {"kind": "sinusoidal"}, 0),
    ("positional", {"kind": "rope"}, 5),
    ("positional", {"kind": "alibi"}, 0),
    ("gan", {}, 50),
]


def compare(explainer_id, options, steps, device):
    explainer = registry.get(explainer_id)
    if not explainer.ready:
        return {"skipped": "not ready"}
    try:
        lab_class = explainer.load_lab()
        lab_class(device="cpu", seed=0, **options)
    except Exception as exc:  # noqa: BLE001 - e.g. transformers or the MiniLM wheel not installed there
        return {"skipped": f"{type(exc).__name__}: {exc}"[:200]}
    frames = []
    timings = {}
    for dev in ("cpu", device):
        t0 = time.perf_counter()
        lab = lab_class(device=dev, seed=0, **options)
        for _ in range(steps):
            lab.step()
        frame = lab.snapshot()
        if dev != "cpu":
            torch.cuda.synchronize()
        timings[dev] = round(time.perf_counter() - t0, 3)
        frames.append(frame)
        assert all(isinstance(a, np.ndarray) for a in frame.arrays.values()), "frames must be numpy"
    worst = {}
    for name, a in frames[0].arrays.items():
        b = frames[1].arrays.get(name)
        if b is None or a.dtype.kind not in "fc" or a.shape != b.shape:
            continue
        scale = max(1.0, float(np.nanmax(np.abs(a))) if a.size else 1.0)
        worst[name] = float(np.nanmax(np.abs(a - b)) / scale) if a.size else 0.0
    top = max(worst.items(), key=lambda kv: kv[1]) if worst else ("", 0.0)
    return {"steps": steps, "arrays_compared": len(worst), "max_rel_diff": top[1], "worst_array": top[0],
            "seconds": timings}


def runner_on_gpu(device):
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError:
        return {"skipped": "PySide6 is not installed on this machine"}

    from tests.support_labs import RegressionLab
    from visualizer.ui.runner import LabRunner

    app = QApplication.instance() or QApplication([])
    runner = LabRunner(RegressionLab, device=device, name="regression")
    labels = []
    runner.lab_ready.connect(lambda info: labels.append(info["device"]))
    runner.start()
    end = time.time() + 60
    while not labels and time.time() < end:
        app.processEvents()
    runner.play()
    while runner.steps_done < 200 and time.time() < end:
        app.processEvents()
    ok = runner.ask("get", "device").startswith("cuda")   # the lab's own device, from its process
    runner.set_device("cpu")
    runner.stop(2.0)
    return {"label": labels[0] if labels else None, "steps": runner.steps_done, "model_on_cuda": ok}


def main():
    devices = available_devices()
    out = {"torch": torch.__version__, "devices": devices}
    if len(devices) < 2:
        out["error"] = "no CUDA device here"
        print(json.dumps(out))
        return
    device = devices[1]
    out["label"] = device_label(resolve_device(device))
    out["cases"] = {f"{e}:{json.dumps(o)}": compare(e, o, s, device) for e, o, s in CASES}
    out["runner"] = runner_on_gpu(device)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
