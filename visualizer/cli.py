"""Command line: the GUI by default; `list`; `export` renders figures and data headless.

    visualizer                         start the app (last explainer, or attention)
    visualizer gui [EXPLAINER]         start the app on an explainer
    visualizer list                    the explainers and their options
    visualizer export EXPLAINER [--OPTION VALUE ...] --out PATH [--out PATH ...]
    visualizer export --session FILE.vis [--steps N] --out PATH ...   go on from a saved session
    visualizer open FILE.vis           open a saved session (.vis) in the window

Exit status: 0 done; 2 bad input (the message names the option); 1 anything else. Every
error is one line on stderr, never a traceback; every --out is checked before any work, and the
outputs are written all or none.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from visualizer.core import registry
from visualizer.core.errors import ConfigError, ExportError, TrainingHalted, WriteError

GENERIC = ("out", "seed", "steps", "device", "size", "scale", "theme", "font_scale", "frames", "fps")


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    """The CLI. Whatever goes wrong ends as one line on stderr and an exit status: 2 for bad input
    (the message names the option or file), 1 for anything else; never a Python traceback."""
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
        if command == "open":
            from visualizer.session_cli import cmd_open

            return cmd_open(argv[1:])
        if command.startswith("-") or command in {e.id for e in registry.EXPLAINERS}:
            return cmd_gui(argv)
        raise UsageError(f"unknown command '{command}'; use gui, list or export (see visualizer --help)")
    except WriteError as exc:            # checked and accepted, then the disk said no
        return _fail(f"visualizer: error: {exc}", 1)
    except (UsageError, ConfigError, ExportError) as exc:
        return _fail(f"visualizer: error: {exc}", 2)
    except TrainingHalted as exc:
        return _fail(f"visualizer: training halted: {exc}", 1)
    except KeyboardInterrupt:
        return _fail("visualizer: interrupted; nothing was written", 130)
    except SystemExit as exc:            # argparse: it has printed its own usage line
        return exc.code if isinstance(exc.code, int) else 2
    except MemoryError:
        return _fail("visualizer: error: out of memory; use a smaller model, size or batch", 1)
    except BaseException as exc:  # noqa: BLE001 - the one place every other error becomes words
        return _fail(f"visualizer: error: {_words(exc)}", 1)


def _words(exc: BaseException) -> str:
    """An unexpected error as one line: its message, or its kind when it has none."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}" + (f": '{exc.filename}'" if exc.filename else "")
    kind = type(exc).__name__
    if len(text) > 400:
        text = text[:400] + "…"
    return f"{text} ({kind})" if text else f"an unexpected {kind}"


def _fail(line: str, code: int) -> int:
    print(line, file=sys.stderr)
    return code


def cmd_gui(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="visualizer gui")
    parser.add_argument("explainer", nargs="?", default=None)
    ns = parser.parse_args(args)
    if ns.explainer is not None:
        _explainer(ns.explainer)
    from visualizer.ui.app import run_app

    return run_app(ns.explainer)


class ProgressBar:
    """Steps (and frames) done and the time left, on stderr, when stderr is a terminal and the work
    takes more than a second; nothing otherwise (a script or a log gets no control characters)."""

    def __init__(self, steps: int, frames: int = 0, stream=None):
        import time

        self.stream = stream or sys.stderr
        self.on = steps > 0 and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.steps, self.total_frames, self.frames = steps, frames, 0
        self.start, self.last = time.perf_counter(), 0.0
        self.drawn = False

    def show(self, done: int, frames: int | None = None) -> None:
        import time

        if frames is not None:
            self.frames = frames
        if not self.on:
            return
        now = time.perf_counter()
        if now - self.start < 1.0 or (now - self.last < 0.1 and done < self.steps):
            return
        self.last = now
        share = done / self.steps
        eta = (now - self.start) * (1 - share) / share if share else 0.0
        width = 24
        filled = round(width * share)
        line = f"\r  [{'#' * filled}{'.' * (width - filled)}] step {done}/{self.steps}"
        if self.total_frames:
            line += f" · frame {self.frames}/{self.total_frames}"
        line += f" · {eta:.0f} s left "
        self.stream.write(line)
        self.stream.flush()
        self.drawn = True

    def end(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _explainer(name: str):
    try:
        return registry.get(name)
    except KeyError as exc:
        raise UsageError(str(exc).strip("'\"")) from None


# ---- outputs: one table, suffix -> how it is written -------------------------------------------
@dataclass(frozen=True)
class Output:
    """How one kind of --out file is made. `kind` says from what and when: "data" (the arrays the
    figure is drawn from), "figure" (the view painted once, at the end), "animation" (frames
    streamed while the lab runs). `needs` lists (module, advice) its writer cannot do without:
    checked before any work. A new output format is one entry in OUTPUTS."""

    kind: str
    write: Callable | None = None       # write(export, tmp_path) for data and figures
    open: Callable | None = None        # open(export, tmp_path) -> .append(rgb) / .close() for animations
    needs: tuple[tuple[str, str], ...] = ()

    @property
    def needs_view(self) -> bool:
        return self.kind in ("figure", "animation")


def _write_data(export, tmp: str) -> None:
    from visualizer.core.writers import write_data_file

    frame = export.view.data_frame() if export.view is not None else export.frame
    write_data_file(frame, tmp, export.suffix)


def _write_figure(export, tmp: str) -> None:
    from visualizer.ui.export import write_figure

    write_figure(export.view.figure_widget(), tmp, export.suffix, scale=export.scale, title=export.title)


def _open_gif(export, tmp: str):
    from visualizer.core.writers import GifStream

    return GifStream(tmp, export.fps, colours=export.colours)


class _Mp4Stream:
    def __init__(self, tmp: str, fps: float):
        import imageio.v2 as iio2

        self._writer = iio2.get_writer(tmp, format="FFMPEG", fps=fps, macro_block_size=2)

    def append(self, rgb) -> None:
        self._writer.append_data(rgb)

    def close(self) -> None:
        self._writer.close()


OUTPUTS: dict[str, Output] = {
    ".png": Output("figure", write=_write_figure),
    ".svg": Output("figure", write=_write_figure),
    ".pdf": Output("figure", write=_write_figure),
    ".npz": Output("data", write=_write_data),
    ".csv": Output("data", write=_write_data),
    ".json": Output("data", write=_write_data),
    ".vis": Output("session", write=lambda export, tmp: _session_cli().write_vis(export, tmp),
                   needs=(("safetensors", "session files need safetensors (pip install safetensors)"),)),
    ".gif": Output("animation", open=_open_gif, needs=(("PIL", "GIF needs Pillow (pip install Pillow)"),)),
    ".mp4": Output("animation", open=lambda export, tmp: _Mp4Stream(tmp, export.fps),
                   needs=(("imageio", "MP4 needs imageio (pip install imageio)"),
                          ("imageio_ffmpeg", "MP4 needs imageio-ffmpeg (pip install imageio-ffmpeg); "
                                             "GIF works without it"))),
}
SUFFIXES = " ".join(OUTPUTS)
ANIMATION_SCALE = 1.0   # an animation is --size pixels unless --scale is given (a 2× GIF is 4× the bytes)
MAX_ANIMATION_SCALE = 2.0


@dataclass
class _Export:
    """What an output writer gets: the view (or None), the last frame, and the export settings."""

    path: Path
    suffix: str
    view: object = None
    frame: object = None
    scale: float = 2.0
    fps: float = 10.0
    title: str = ""
    colours: tuple = ()
    lab: object = None                  # for a session file (.vis): the lab after the run
    session: dict | None = None         # ... and visualizer.session_cli.session_info()


def _session_cli():
    import visualizer.session_cli as session_cli

    return session_cli


def cmd_list() -> int:
    for explainer in registry.EXPLAINERS:
        status = "" if explainer.ready else "  (coming soon)"
        print(f"{explainer.id}{status}\n    {explainer.summary}")
        if explainer.ready:
            for option in explainer.load_options():
                print(f"    {option.describe()}")
        print()
    print(f"every export also takes: --out PATH (repeatable; {SUFFIXES}), "
          "--seed N, --steps N, --device cpu|cuda|cuda:N|mps|auto, --size WxH, --scale 1-4, "
          "--theme light|dark|high-contrast, --font-scale X, --frames N (animation frames), --fps N")
    return 0


def parse_export_args(args: list[str]):
    """(explainer, generic settings, lab/view option values) from `export` arguments; every
    --out is checked here, before any work."""
    if not args or args[0].startswith("-"):
        raise UsageError("export needs an explainer first, e.g. visualizer export attention --out f.png")
    explainer = _explainer(args[0])
    if not explainer.ready:
        raise UsageError(f"the {explainer.id} explainer is not built yet (coming soon)")
    options = explainer.load_options()
    generic = {"out": [], "seed": 0, "steps": 0, "device": "cpu", "size": "1280x800", "scale": None,
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
    _check_outputs(generic)
    return explainer, generic, values


def _check_generic(g: dict) -> dict:
    def number(name, kind, lo, hi):
        try:
            v = kind(g[name])
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(name, f"expected a number, got {g[name]!r}") from None
        if not lo <= v <= hi:  # NaN fails this too
            raise ConfigError(name, f"must be between {lo} and {hi}, got {v}")
        return v

    if not g["out"]:
        raise ConfigError("out", f"give at least one --out PATH ({SUFFIXES})")
    for out in g["out"]:
        suffix = Path(out).suffix.lower()
        if suffix not in OUTPUTS:
            raise ConfigError("out", f"'{out}': unknown format '{suffix or '(none)'}'; use {SUFFIXES}")
    g["seed"] = number("seed", int, 0, 2**31 - 1)
    g["steps"] = number("steps", int, 0, 10_000_000)
    g["scale_given"] = g["scale"] is not None
    g["scale"] = number("scale", float, 1, 4) if g["scale_given"] else 2.0
    g["font_scale"] = number("font_scale", float, 0.5, 3)
    g["frames"] = number("frames", int, 2, 1000)
    g["fps"] = number("fps", float, 1, 60)
    if g["theme"] not in ("light", "dark", "high-contrast"):
        raise ConfigError("theme", f"must be light, dark or high-contrast, got {g['theme']!r}")
    try:
        w, h = (int(v) for v in str(g["size"]).lower().split("x"))
        if not (200 <= w <= 8000 and 150 <= h <= 8000):
            raise ValueError
    except ValueError:
        raise ConfigError("size", f"expected WIDTHxHEIGHT between 200x150 and 8000x8000, got {g['size']!r}") from None
    g["size"] = (w, h)
    g["animation_scale"] = min(g["scale"], MAX_ANIMATION_SCALE) if g["scale_given"] else ANIMATION_SCALE
    return g


def _check_outputs(g: dict) -> None:
    """Before any work: each --out has a known suffix whose writer is installed, its folder exists
    and takes a new file, it is no folder itself, no path is given twice, and the image it needs
    can be rendered."""
    from visualizer.core.writers import MAX_FRAME_PIXELS, MAX_FRAME_SIDE, check_image_size, check_target

    seen = set()
    for out in g["out"]:
        path = Path(out)
        output = OUTPUTS[path.suffix.lower()]
        key = os.path.abspath(os.path.expanduser(out))
        if key in seen:
            raise ConfigError("out", f"'{out}' is given twice; give each output once")
        seen.add(key)
        for module, advice in output.needs:
            if importlib.util.find_spec(module) is None:
                raise ExportError(f"--out {out}: {advice}")
        check_target(Path(os.path.expanduser(out)), f"--out {out}")
        if path.suffix.lower() == ".png":
            check_image_size(*g["size"], g["scale"], f"--out {out}")
        elif output.kind == "animation":
            check_image_size(*g["size"], g["animation_scale"], f"--out {out} (each frame)",
                             max_side=MAX_FRAME_SIDE, max_pixels=MAX_FRAME_PIXELS)


def cmd_export(args: list[str]) -> int:
    opened, args = _session_cli().split_session_args(args)   # --session FILE.vis: go on from it
    explainer, g, values = parse_export_args(args)
    options = explainer.load_options()
    lab_values = {k: v for k, v in values.items() if options[k].role != "view"}
    view_values = {o.name: values.get(o.name, o.default) for o in options.by_role("view")}
    outs = [Path(os.path.expanduser(o)) for o in g["out"]]
    if opened is not None:
        lab = _session_cli().session_lab(opened)
    else:
        lab = explainer.load_lab()(device=g["device"], seed=g["seed"], **lab_values)
    check_view_ranges(explainer, values, lab)
    if g["steps"] and not lab.continuous:
        print(f"visualizer: note: {explainer.id} does not train in this mode; --steps ignored", file=sys.stderr)
    needs_view = any(OUTPUTS[o.suffix.lower()].needs_view for o in outs)
    steps = g["steps"] if lab.continuous else 0
    title = f"visualizer — {explainer.title}"

    from visualizer.core.writers import Staged

    view = None
    try:
        # an exception Qt would only print (a paint() that fails while a figure is rendered) ends
        # the export as one error instead of a traceback and a broken file
        with _slot_errors() as qt_errors, Staged(outs) as stage, contextlib.ExitStack() as streams:
            view = _make_view(explainer, g, view_values) if needs_view else None
            colours = _theme_colours(g["theme"]) if view is not None else ()
            animations = []
            for out in outs:
                output = OUTPUTS[out.suffix.lower()]
                if output.kind == "animation":
                    export = _Export(out, out.suffix.lower(), view, fps=g["fps"], colours=colours)
                    stream = _writing(out, lambda: output.open(export, stage.tmp(out)))
                    animations.append((out, streams.enter_context(contextlib.closing(stream))))
            if animations:
                marks = sorted({round(i * steps / (g["frames"] - 1)) for i in range(g["frames"])}) if steps else [0]
                done = 0
                bar = ProgressBar(steps, len(marks))
                for mark in marks:
                    while done < mark:
                        lab.step()
                        done += 1
                        bar.show(done, bar.frames)
                    rgb = _render_array(view, lab.snapshot(), g["animation_scale"])
                    for out, stream in animations:
                        _writing(out, lambda: stream.append(rgb))
                    del rgb
                    bar.show(done, bar.frames + 1)
                bar.end()
            else:
                bar = ProgressBar(steps)
                for done in range(1, steps + 1):
                    lab.step()
                    bar.show(done)
                bar.end()
            streams.close()  # animations finished before anything is renamed
            frame = lab.snapshot()
            if view is not None:
                _draw(view, frame)
            for out in outs:
                output = OUTPUTS[out.suffix.lower()]
                if output.write is not None:
                    export = _Export(out, out.suffix.lower(), view, frame, g["scale"], g["fps"], title, lab=lab,
                                     session=_session_cli().session_info(explainer.id, view_values, opened))
                    _writing(out, lambda: output.write(export, stage.tmp(out)))
            if qt_errors:
                raise qt_errors[0]
            stage.commit()
    finally:
        _dispose(view)
    for out in outs:
        print(out)
    return 0


def _writing(out: Path, work: Callable):
    """Run one writer step; an OSError (disk full, a file-size limit) becomes a WriteError naming --out."""
    try:
        return work()
    except ExportError:
        raise
    except OSError as exc:
        raise WriteError(f"--out {out}: could not be written: {exc.strerror or exc}; nothing was written") from None


def check_view_ranges(explainer, values: dict, lab) -> None:
    """Out-of-range view options (a layer past the model's last, a token past the text's end) are
    refused, naming the option and its range, instead of being clamped silently. The explainer's
    config module may define view_ranges(options, frame) -> {name: (highest, what it counts)}."""
    module = importlib.import_module(explainer.options.partition(":")[0])
    ranges_of = getattr(module, "view_ranges", None)
    options = explainer.load_options()
    given = {k: v for k, v in values.items() if k in options and options[k].kind == "int"}
    if ranges_of is None or not given:
        return
    ranges = ranges_of(lab.options, lab.snapshot())
    for name, value in given.items():
        if name not in ranges:
            continue
        highest, what = ranges[name]
        lowest = options[name].minimum if options[name].minimum is not None else 0
        if not lowest <= value <= highest:
            raise ConfigError(name, f"must be between {lowest:g} and {highest:g} ({what}), got {value}")


def _theme_colours(theme_name: str) -> tuple:
    """The colours a figure is drawn with, for an animation's one palette (curves keep their colour)."""
    from visualizer.ui.theme import theme_named

    return theme_named(theme_name).palette()


def _make_view(explainer, g: dict, view_values: dict):
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from visualizer.ui.theme import apply_to_app, theme_named
    from visualizer.ui.widgets.plots import font

    qInstallMessageHandler(_qt_message)
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


_QUIET = ("This plugin does not support propagateSizeHints()",)


def _qt_message(mode, context, message: str) -> None:
    """Qt's own chatter on stderr, minus what the offscreen platform says about every window."""
    if not any(q in message for q in _QUIET):
        print(f"qt: {message}", file=sys.stderr)


def _dispose(view) -> None:
    """Close and delete the offscreen view now, while Python and Qt both still stand: a view left
    to the interpreter's exit is torn down in any order, which is how exports used to segfault."""
    if view is None:
        return
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    with _slot_errors(raise_first=False):
        QApplication.processEvents()              # timers the view started run while it still exists
        with contextlib.suppress(RuntimeError):   # already deleted on the C++ side
            view.close()
            view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@contextlib.contextmanager
def _slot_errors(raise_first: bool = True):
    """An exception inside a Qt slot or timer is handed to sys.excepthook (a traceback on stderr)
    and swallowed. While the CLI drives Qt, keep it instead and raise it here, as one error."""
    caught: list[BaseException] = []
    previous = sys.excepthook
    sys.excepthook = lambda kind, exc, tb: caught.append(exc)
    try:
        yield caught
    finally:
        sys.excepthook = previous
    if caught and raise_first:
        raise caught[0]


def _draw(view, frame) -> None:
    from PySide6.QtWidgets import QApplication

    with _slot_errors():
        view.show_frame(frame)
        QApplication.processEvents()


def _render_array(view, frame, scale: float):
    from visualizer.ui.export import figure_rgb

    _draw(view, frame)
    return figure_rgb(view.figure_widget(), scale)


if __name__ == "__main__":
    sys.exit(main())
