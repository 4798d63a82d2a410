"""Command line: the GUI by default; `list`; `export` renders figures and data headless.

    visualizer                         start the app (last explainer, or attention)
    visualizer gui [EXPLAINER]         start the app on an explainer
    visualizer list                    the explainers and their options
    visualizer export EXPLAINER [--OPTION VALUE ...] --out PATH [--out PATH ...]

Exit status: 0 done; 2 bad input (the message names the option); 1 anything else.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from visualizer.core import registry
from visualizer.core.errors import ConfigError, ExportError, TrainingHalted
from visualizer.core.formats import ANIMATION_SUFFIXES, DATA_SUFFIXES, FIGURE_SUFFIXES
GENERIC = ("out", "seed", "steps", "device", "size", "scale", "theme", "font_scale", "frames", "fps")


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "gui"
    try:
        if command in ("-h", "--help", "help"):
            print(__doc__.strip())
            return 0
        if command == "list":
            return cmd_list()
        if command == "export":
            return cmd_export(argv[1:])
        if command == "gui":
            return cmd_gui(argv[1:])
        if command.startswith("-") or command in {e.id for e in registry.EXPLAINERS}:
            return cmd_gui(argv)
        raise UsageError(f"unknown command '{command}'; use gui, list or export (see visualizer --help)")
    except (UsageError, ConfigError, ExportError) as exc:
        print(f"visualizer: error: {exc}", file=sys.stderr)
        return 2
    except TrainingHalted as exc:
        print(f"visualizer: training halted: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def cmd_gui(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="visualizer gui")
    parser.add_argument("explainer", nargs="?", default=None)
    ns = parser.parse_args(args)
    if ns.explainer is not None:
        _explainer(ns.explainer)
    from visualizer.ui.app import run_app

    return run_app(ns.explainer)


def _explainer(name: str):
    try:
        return registry.get(name)
    except KeyError as exc:
        raise UsageError(str(exc).strip("'\"")) from None


def cmd_list() -> int:
    for explainer in registry.EXPLAINERS:
        status = "" if explainer.ready else "  (coming soon)"
        print(f"{explainer.id}{status}\n    {explainer.summary}")
        if explainer.ready:
            for option in explainer.load_options():
                print(f"    {option.describe()}")
        print()
    print("every export also takes: --out PATH (repeatable; .png .svg .pdf .npz .csv .json .gif .mp4), "
          "--seed N, --steps N, --device cpu|cuda|cuda:N|mps|auto, --size WxH, --scale 1-4, "
          "--theme light|dark, --font-scale X, --frames N (animation frames), --fps N")
    return 0


def parse_export_args(args: list[str]):
    """(explainer, generic settings, lab/view option values) from `export` arguments."""
    if not args or args[0].startswith("-"):
        raise UsageError("export needs an explainer first, e.g. visualizer export attention --out f.png")
    explainer = _explainer(args[0])
    if not explainer.ready:
        raise UsageError(f"the {explainer.id} explainer is not built yet (coming soon)")
    options = explainer.load_options()
    generic = {"out": [], "seed": 0, "steps": 0, "device": "cpu", "size": "1280x800", "scale": 2.0,
               "theme": "light", "font_scale": 1.0, "frames": 40, "fps": 10}
    values: dict = {}
    rest = args[1:]
    i = 0
    while i < len(rest):
        token = rest[i]
        if not token.startswith("--") or token == "--":
            raise UsageError(f"unexpected argument '{token}' (options look like --name value)")
        name, has_value, value = token[2:].partition("=")
        name = name.replace("-", "_")
        known_option = name in options
        is_flag = known_option and options[name].kind == "bool"
        if not has_value:
            nxt = rest[i + 1] if i + 1 < len(rest) else None
            if is_flag and (nxt is None or nxt.startswith("--")):
                value = "true"
            elif nxt is None:
                raise UsageError(f"--{name.replace('_', '-')} needs a value")
            else:
                value = nxt
                i += 1
        i += 1
        if name in GENERIC:
            if name == "out":
                generic["out"].append(value)
            else:
                generic[name] = value
        elif known_option:
            values[name] = options[name].coerce(value)
        else:
            known = " ".join(sorted([o.flag for o in options] + [f"--{g.replace('_', '-')}" for g in GENERIC]))
            raise UsageError(f"--{name.replace('_', '-')}: unknown option for {explainer.id} (known: {known})")
    generic = _check_generic(generic)
    options.validate(values)  # cross-option checks (dim divisible by heads...) before any work
    return explainer, generic, values


def _check_generic(g: dict) -> dict:
    def number(name, kind, lo, hi):
        try:
            v = kind(g[name])
        except (TypeError, ValueError):
            raise ConfigError(name, f"expected a number, got {g[name]!r}") from None
        if not lo <= v <= hi:
            raise ConfigError(name, f"must be between {lo} and {hi}, got {v}")
        return v

    if not g["out"]:
        raise ConfigError("out", "give at least one --out PATH (.png .svg .pdf .npz .csv .json .gif .mp4)")
    for out in g["out"]:
        suffix = Path(out).suffix.lower()
        if suffix not in FIGURE_SUFFIXES + DATA_SUFFIXES + ANIMATION_SUFFIXES:
            raise ConfigError("out", f"'{out}': unknown format '{suffix or '(none)'}'; use "
                                     f"{' '.join(FIGURE_SUFFIXES + DATA_SUFFIXES + ANIMATION_SUFFIXES)}")
    g["seed"] = number("seed", int, 0, 2**31 - 1)
    g["steps"] = number("steps", int, 0, 10_000_000)
    g["scale"] = number("scale", float, 1, 4)
    g["font_scale"] = number("font_scale", float, 0.5, 3)
    g["frames"] = number("frames", int, 2, 1000)
    g["fps"] = number("fps", float, 1, 60)
    if g["theme"] not in ("light", "dark"):
        raise ConfigError("theme", f"must be light or dark, got {g['theme']!r}")
    try:
        w, h = (int(v) for v in str(g["size"]).lower().split("x"))
        if not (200 <= w <= 8000 and 150 <= h <= 8000):
            raise ValueError
    except ValueError:
        raise ConfigError("size", f"expected WIDTHxHEIGHT between 200x150 and 8000x8000, got {g['size']!r}") from None
    g["size"] = (w, h)
    return g


def cmd_export(args: list[str]) -> int:
    explainer, g, values = parse_export_args(args)
    options = explainer.load_options()
    lab_values = {k: v for k, v in values.items() if options[k].role != "view"}
    view_values = {o.name: values.get(o.name, o.default) for o in options.by_role("view")}
    outs = [Path(o) for o in g["out"]]
    for out in outs:  # fail before any work if a target cannot be written
        folder = out.parent if str(out.parent) else Path(".")
        if not folder.is_dir():
            raise ExportError(f"--out {out}: the folder '{folder}' does not exist")
    lab = explainer.load_lab()(device=g["device"], seed=g["seed"], **lab_values)
    if g["steps"] and not lab.continuous:
        print(f"visualizer: note: {explainer.id} does not train in this mode; --steps ignored", file=sys.stderr)
    needs_view = any(o.suffix.lower() in FIGURE_SUFFIXES + ANIMATION_SUFFIXES for o in outs)
    view = _make_view(explainer, g, view_values) if needs_view else None
    animation_frames = []
    animations = [o for o in outs if o.suffix.lower() in ANIMATION_SUFFIXES]
    steps = g["steps"] if lab.continuous else 0
    if animations:
        marks = sorted({round(i * steps / (g["frames"] - 1)) for i in range(g["frames"])}) if steps else [0]
        done = 0
        for mark in marks:
            while done < mark:
                lab.step()
                done += 1
            animation_frames.append(_render_array(view, lab.snapshot(), g["scale"]))
    else:
        for _ in range(steps):
            lab.step()
    frame = lab.snapshot()
    if view is not None:
        _draw(view, frame)
    from visualizer.core.writers import write_data

    for out in outs:
        suffix = out.suffix.lower()
        if suffix in DATA_SUFFIXES:
            data = view.data_frame() if view is not None else frame
            write_data(data, out)
        elif suffix in FIGURE_SUFFIXES:
            from visualizer.ui.export import export_figure

            export_figure(view.figure_widget(), out, scale=g["scale"], title=f"visualizer — {explainer.title}")
        else:
            _write_animation(out, animation_frames, g["fps"])
        print(out)
    if view is not None:
        view.close()
        view.deleteLater()
    return 0


def _make_view(explainer, g: dict, view_values: dict):
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from visualizer.ui.theme import apply_to_app, theme_named
    from visualizer.ui.widgets.plots import font

    app = QApplication.instance() or QApplication(["visualizer"])
    theme = theme_named(g["theme"])
    apply_to_app(app, theme)
    app.setFont(font(g["font_scale"]))
    view = explainer.load_view()(theme, g["font_scale"])
    view.set_view_options(view_values)
    view.resize(*g["size"])
    view.show()  # offscreen: nothing appears, but layouts settle exactly as in the window
    app.processEvents()
    return view


def _draw(view, frame) -> None:
    from PySide6.QtWidgets import QApplication

    view.show_frame(frame)
    QApplication.processEvents()


def _render_array(view, frame, scale: float):
    import numpy as np
    from PySide6.QtGui import QImage

    from visualizer.ui.export import figure_image

    _draw(view, frame)
    image = figure_image(view.figure_widget(), min(scale, 2.0)).convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    array = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    return array[:, : w * 3].reshape(h, w, 3).copy()


def _write_animation(out: Path, frames: list, fps: float) -> None:
    import imageio.v3 as iio

    from visualizer.core.writers import atomic_write

    suffix = out.suffix.lower()
    if suffix == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise ExportError(f"--out {out}: MP4 needs imageio-ffmpeg (pip install imageio-ffmpeg); "
                              "GIF works without it") from None
        atomic_write(out, lambda tmp: iio.imwrite(tmp, frames, extension=".mp4", fps=fps))
    else:
        atomic_write(out, lambda tmp: iio.imwrite(tmp, frames, extension=".gif", duration=1000 / fps, loop=0))


if __name__ == "__main__":
    sys.exit(main())
