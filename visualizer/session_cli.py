"""The command line's session files (.vis); cli.py calls these, the logic is in core/session_file.py.

    visualizer export EXPLAINER [--OPTION VALUE ...] [--steps N] --out demo.vis   save after the run
    visualizer export --session demo.vis [--steps N] --out next.vis --out f.png   go on from one
    visualizer open demo.vis                                                      open it in the window

With --session the explainer, its options and the seed come from the file: only view options
(what is drawn), --device and the export settings may be given, and --steps N runs N more steps
from where the session stopped.
"""

from __future__ import annotations

import sys
from pathlib import Path

from visualizer.core import registry
from visualizer.core import session_file as sf
from visualizer.core.errors import ConfigError

GENERIC_WITH_SESSION = ("out", "steps", "device", "size", "scale", "theme", "font_scale", "frames", "fps")


def split_session_args(args: list[str]):
    """(OpenedSession or None, the export arguments to parse). With --session FILE the arguments
    become [the session's explainer, its view options as flags, the rest as given], so a view
    option given on the command line still wins. ConfigError / SessionError for what cannot be."""
    names = [a[2:].partition("=")[0].replace("-", "_") for a in args if a.startswith("--")]
    if "session" not in names:
        return None, args
    if args and not args[0].startswith("-"):
        raise ConfigError("session", f"leave out the explainer ('{args[0]}'): the session file names it")
    rest, path = [], None
    i = 0
    while i < len(args):
        name, has_value, value = args[i][2:].partition("=") if args[i].startswith("--") else ("", "", "")
        if name == "session":
            if path is not None:
                raise ConfigError("session", "is given twice; continue from one session at a time")
            if not has_value:
                if i + 1 >= len(args):
                    raise ConfigError("session", "needs a FILE.vis")
                value = args[i + 1]
                i += 1
            path = value
        else:
            rest.append(args[i])
        i += 1
    opened = sf.read_session(Path(path).expanduser())
    explainer = opened.session.explainer
    options = registry.get(explainer).load_options()
    for token in rest:
        if not token.startswith("--"):
            continue
        name = token[2:].partition("=")[0].replace("-", "_")
        if name == "seed":
            raise ConfigError("seed", "comes from the session (it continues the saved run)")
        if name in options and options[name].role != "view":
            raise ConfigError(name, "comes from the session; with --session only view options "
                                    "and export settings may be given")
        if name == "device":
            i = rest.index(token)
            opened.session.device = token.partition("=")[2] or (rest[i + 1] if i + 1 < len(rest) else "")
    view = [f"{options[name].flag}={value}" for name, value in opened.session.view.items()]
    return opened, [explainer, *view, *rest]


def session_lab(opened):
    """The lab the session saved, restored (SessionError if it does not fit); notes on stderr."""
    lab = sf.build_lab(opened)
    for note in opened.notes:
        print(f"visualizer: note: {note}", file=sys.stderr)
    return lab


def session_info(explainer_id: str, view_values: dict, opened=None) -> dict:
    """What a .vis output needs besides the lab: which explainer, its view options, the lesson step."""
    return {"explainer": explainer_id, "view": dict(view_values),
            "lesson_step": opened.session.lesson_step if opened is not None else 0}


def write_vis(export, tmp: str) -> None:
    """The .vis writer of the CLI's output table: the lab as it is after the run."""
    info = export.session
    session = sf.session_of(export.lab, info["explainer"], view=info["view"], lesson_step=info["lesson_step"])
    sf.write_session_file(tmp, session, sf.capture(export.lab))


def cmd_open(args: list[str]) -> int:
    """`visualizer open FILE.vis`: check the file, then hand it to the window."""
    if len(args) != 1 or args[0].startswith("-"):
        raise ConfigError("", "open needs one session file: visualizer open FILE.vis")
    path = Path(args[0]).expanduser()
    opened = sf.read_session(path, check_device=False)
    from visualizer.ui import app as ui_app

    hook = getattr(ui_app, "open_session_file", None)
    if hook is None:
        s = opened.session
        print(f"visualizer: error: opening a session is not yet supported in the window ('{path.name}' is a valid "
              f"{s.explainer} session at step {opened.steps}; continue it with: visualizer export --session "
              f"{path} --steps N --out FILE)", file=sys.stderr)
        return 2
    return int(hook(str(path)) or 0)
