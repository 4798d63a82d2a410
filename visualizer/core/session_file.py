"""Session files (.vis): a live lab saved so that it reopens showing the same frame and goes on
with the same run, on this machine or another. Qt-free; torch only where a lab is built.

A .vis file is a zip holding
    session.json       format version, app version, the ExplainerSession (explainer, options,
                       view options, seed, device, lesson step), the lab's step count, and where
                       each of the user's files came from
    state.safetensors  every tensor and array of the lab's state_dict(), by flattened name
                       ("parts/G/net.0.weight", "rng/torch" ...): weights, optimizer moments,
                       random generators, curve histories
    state.json         the rest of the state_dict() (numbers, text), tensors named by reference
    files/OPTION/NAME  copies of the user's files the session depends on (a corpus, a graph file,
                       a CSV of points, the drawn points as text)
    manifest.json      the sha256 and size of every other member
Nothing in it is a pickle. Writes are atomic (a temporary file beside the target, then rename).

Saving a live lab (the lab may live in a child process):

    state = lab.session_state()          # in the lab's process: numpy arrays + JSON, no torch types
    write_session("demo.vis", session, state)   # anywhere (the window): numpy + zipfile only
    # or, in one process:  save_session("demo.vis", lab, session)

Opening one:

    opened = read_session("demo.vis")    # checks everything; torch-free but for the device check
    lab = build_lab(opened)              # in the lab's process: the lab, restored; or SessionError
    opened.session, opened.notes         # what to show, and what changed on the way (device...)
    # or, in one process:  lab, opened = open_session("demo.vis")

Every refusal is a SessionError with one line saying why (a newer format, a truncated or damaged
zip, a member changed after it was written, an unknown explainer, weights that do not fit the lab
built from the saved options), and nothing is applied: build_lab returns a new lab or raises.

Lesson steps: `opened.session.lesson_step` is the step the lesson was at. The saved options and
view options already are what that step set up (and whatever the user changed after it): the
caller shows the lesson at that step WITHOUT applying the step's options or resetting the run,
or the reopened lab would no longer be the saved one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from visualizer.core import state as st
from visualizer.core.errors import ConfigError, ExportError
from visualizer.core.session import ExplainerSession

FORMAT = 1                 # the newest format this app writes and reads
SUFFIX = ".vis"
SESSION, STATE_TENSORS, STATE_JSON, MANIFEST = "session.json", "state.safetensors", "state.json", "manifest.json"
FILES = "files/"
#: options that hold the user's own data as text (drawn points): also kept as a file, for people
TEXT_DATA = {"gan": ("custom_points",)}
MAX_MEMBER = 1 << 31       # refuse members that would unpack beyond 2 GiB
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)   # fixed member times: the same session gives the same bytes


class SessionError(ConfigError):
    """A session file that cannot be written or opened; the message says why, in one line."""

    def __init__(self, message: str):
        super().__init__("", message)


@dataclass
class OpenedSession:
    """A checked session file: what to show, the lab state to restore, and notes for the user."""

    path: Path
    session: ExplainerSession
    state: dict                      # {"arrays": {name: np.ndarray}, "meta": dict}, for build_lab
    steps: int = 0                   # the lab's step count when it was saved
    app_version: str = ""
    notes: list[str] = field(default_factory=list)   # e.g. the CUDA device that fell back to the CPU
    files: dict = field(default_factory=dict)        # option -> the path the lab now reads it from


# ---- saving ----------------------------------------------------------------------------------------
def capture(lab) -> dict:
    """The lab's state for a session file, as plain data (numpy arrays, JSON; no torch types):
    {"arrays": {...}, "meta": {...}, "files": {option: absolute path}}. Call it in the lab's
    process, between steps."""
    arrays, meta = st.flatten(lab.state_dict())
    files = {name: str(Path(os.path.expanduser(p)).resolve()) for name, p in lab.user_files().items()}
    return {"arrays": arrays, "meta": meta, "files": files}


def session_of(lab, explainer: str, *, view: dict | None = None, lesson_step: int = 0,
               device: str | None = None) -> ExplainerSession:
    """An ExplainerSession describing a lab (for the CLI and tests; the window keeps its own)."""
    session = ExplainerSession.open(explainer, seed=lab.seed, device=device or str(lab.device))
    session.update({**lab._shaping_options(lab.options), **(view or {})})
    session.lesson_step = int(lesson_step)
    return session


def save_session(path, lab, session: ExplainerSession) -> Path:
    """capture(lab) and write_session in one process."""
    return write_session(path, session, capture(lab))


def write_session(path, session: ExplainerSession | dict, state: dict) -> Path:
    """Write a .vis file atomically from a session and a captured lab state; the path written.
    The lab's own options (in `state`) win over the session's for every option the lab uses.
    ExportError if it cannot be written (nothing is left behind), SessionError if a user file
    it depends on cannot be read."""
    from visualizer.core.writers import atomic_write

    return atomic_write(path, lambda tmp: write_session_file(tmp, session, state))


def write_session_file(tmp, session: ExplainerSession | dict, state: dict) -> None:
    """Write the .vis bytes into `tmp` as they are (no rename): for callers that stage their own
    temporary files (the CLI writes all its outputs or none). Prefer write_session."""
    from visualizer import __version__

    if isinstance(session, ExplainerSession):
        session = session.to_dict()
    session = json.loads(json.dumps(session))
    arrays, meta = state["arrays"], state["meta"]
    lab_options = meta.get("options") or {}
    session["options"] = {**(session.get("options") or {}), **lab_options}
    session["seed"] = meta.get("seed", session.get("seed", 0))

    def members_of() -> dict[str, bytes]:
        members: dict[str, bytes] = {}
        sources = {}
        for option, source in sorted((state.get("files") or {}).items()):
            source_path = Path(source)
            try:
                data = source_path.read_bytes()
            except OSError as exc:
                raise SessionError(f"cannot save the session: the file of --{option.replace('_', '-')} "
                                   f"('{source}') cannot be read: {exc.strerror or exc}") from None
            member = f"{FILES}{option}/{_safe_name(source_path.name)}"
            members[member] = data
            sources[option] = {"member": member, "original": str(source_path), "sha256": _sha256(data),
                               "size": len(data)}
        for option in TEXT_DATA.get(session.get("explainer"), ()):
            text = session["options"].get(option)
            if isinstance(text, str) and text.strip():
                member = f"{FILES}{option}.txt"
                members[member] = text.encode("utf-8")
                sources[option] = {"member": member, "text": True, "sha256": _sha256(members[member]),
                                   "size": len(members[member])}

        doc = {"format": FORMAT, "app": "visualizer", "app_version": __version__, "session": session,
               "lab": meta.get("lab"), "steps": meta.get("steps", 0), "files": sources}
        members[SESSION] = _json_bytes(doc)
        members[STATE_JSON] = _json_bytes(meta)
        members[STATE_TENSORS] = _safetensors_bytes(arrays)
        manifest = {"format": FORMAT, "members": {name: {"sha256": _sha256(data), "size": len(data)}
                                                  for name, data in sorted(members.items())}}
        members[MANIFEST] = _json_bytes(manifest)
        return members

    def write(tmp: str) -> None:
        members = members_of()
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for name in [MANIFEST, SESSION, STATE_JSON, STATE_TENSORS] + sorted(n for n in members if n.startswith(FILES)):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, members[name])

    write(str(tmp))


# ---- opening ---------------------------------------------------------------------------------------
def read_session(path, *, files_dir=None, check_device: bool = True) -> OpenedSession:
    """Check a .vis file and read it; SessionError (one line) if it cannot be opened as saved.

    files_dir: where copies of the user's files are unpacked when the originals are missing or
    changed on this machine (default: $VISUALIZER_SESSION_FILES, else ~/.cache/visualizer/
    session-files). check_device: fall back to the CPU, with a note, when the saved device is not
    here (needs torch; pass False in a torch-free window and let build_lab do it)."""
    path = Path(path)
    name = path.name

    def fail(why: str):
        raise SessionError(f"cannot open '{name}': {why}")

    if not path.is_file():
        fail("no such file" if not path.exists() else "it is not a file")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        fail("it is not a session file, or it is truncated (not a readable zip archive)")
    except OSError as exc:
        fail(exc.strerror or str(exc))
    with zf:
        members = _read_members(zf, fail)
    manifest = _json(members, MANIFEST, fail)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("members"), dict):
        fail("it has no valid manifest (is it a visualizer session?)")
    _check_format(manifest.get("format"), fail)
    listed = manifest["members"]
    for member in sorted(set(members) - {MANIFEST}):
        if member not in listed:
            fail(f"it holds '{member}', which its manifest does not list (the file was changed)")
    for member, entry in sorted(listed.items()):
        if member not in members:
            fail(f"'{member}' is missing (the file is truncated or was changed)")
        if not isinstance(entry, dict) or entry.get("sha256") != _sha256(members[member]):
            fail(f"'{member}' does not match its checksum (the file is damaged or was changed after it was written)")
    doc = _json(members, SESSION, fail)
    if not isinstance(doc, dict) or not isinstance(doc.get("session"), dict):
        fail(f"{SESSION} does not describe a session")
    _check_format(doc.get("format"), fail)
    session_doc = doc["session"]
    from visualizer.core import registry

    explainer = session_doc.get("explainer")
    try:
        registry.get(str(explainer))
    except KeyError:
        known = ", ".join(e.id for e in registry.EXPLAINERS)
        fail(f"it names an unknown explainer {explainer!r} (this app knows {known})")
    meta = _json(members, STATE_JSON, fail)
    if not isinstance(meta, dict):
        fail(f"{STATE_JSON} is not a lab state")
    try:
        from safetensors.numpy import load as load_safetensors

        arrays = load_safetensors(members[STATE_TENSORS])
    except Exception as exc:  # noqa: BLE001 - safetensors raises its own error types
        fail(f"{STATE_TENSORS} is not readable ({str(exc)[:120]})")
    try:
        st.unflatten(arrays, meta, tensors=False)       # every referenced tensor is there, no stray ones
    except st.StateError as exc:
        fail(str(exc))

    notes: list[str] = []
    steps = doc.get("steps", 0)
    if not isinstance(steps, int) or steps < 0:
        fail("its step count is not a whole number ≥ 0")
    sources = doc.get("files") or {}
    if not isinstance(sources, dict):
        fail("its list of files is malformed")
    options = dict(session_doc.get("options") or {})
    lab_options = dict(meta.get("options") or {})
    restored = {}
    plans = []
    for option, entry in sorted(sources.items()):
        if not isinstance(entry, dict) or entry.get("member") not in members or entry["member"] == MANIFEST:
            fail(f"the saved copy of --{option.replace('_', '-')} is missing")
        if entry.get("sha256") != _sha256(members[entry["member"]]):
            fail(f"the saved copy of --{option.replace('_', '-')} does not match its checksum")
        if entry.get("text"):
            try:
                members[entry["member"]].decode("utf-8")
            except UnicodeDecodeError:
                fail(f"the saved --{option.replace('_', '-')} is not UTF-8 text")
        plans.append((option, entry))
    device = str(session_doc.get("device", "cpu"))
    if check_device:
        device, note = fallback_device(device)
        if note:
            notes.append(note)
    # everything is checked: only now are copies of the user's files put where the lab reads them
    for option, entry in plans:
        data = members[entry["member"]]
        if entry.get("text"):
            value = data.decode("utf-8")
        else:
            value, note = _place_file(option, entry, data, files_dir)
            if note:
                notes.append(note)
            restored[option] = value
        options[option] = value
        if option in lab_options:
            lab_options[option] = value
    session_doc = {**session_doc, "options": options, "device": device}
    meta = {**meta, "options": lab_options}
    try:
        session = ExplainerSession.from_dict(session_doc)
    except ConfigError as exc:
        fail(str(exc))
    return OpenedSession(path=path, session=session, state={"arrays": arrays, "meta": meta}, steps=steps,
                         app_version=str(doc.get("app_version", "")), notes=notes, files=restored)


def build_lab(opened: OpenedSession):
    """A new lab built from the session's options and seed, with the saved state restored
    (weights, optimizers, generators, histories, step count). SessionError if the state does not
    fit that lab; nothing half-built is returned. Notes from the lab join opened.notes."""
    from visualizer.core import registry

    session = opened.session
    name = opened.path.name
    device, note = fallback_device(session.device)
    if note and note not in opened.notes:
        opened.notes.append(note)
    session.device = device
    try:
        lab = registry.get(session.explainer).load_lab()(device=device, seed=session.seed, **session.options)
    except ConfigError as exc:
        raise SessionError(f"cannot open '{name}': its options do not build a lab here: {exc}") from None
    try:
        restore_into(lab, opened.state)
    except st.StateError as exc:
        raise SessionError(f"cannot open '{name}': the saved state does not fit the lab built from its "
                           f"options: {exc}") from None
    opened.notes.extend(getattr(lab, "restore_notes", None) or [])
    return lab


def open_session(path, **kwargs):
    """(lab, opened): read_session and build_lab in one process."""
    opened = read_session(path, **kwargs)
    return build_lab(opened), opened


def restore_into(lab, state: dict) -> None:
    """Load a captured state ({"arrays", "meta"}) into a lab built from the same options and seed;
    StateError (and the lab unchanged) if it does not fit."""
    lab.load_state_dict(st.unflatten(state["arrays"], state["meta"], tensors=True))


def fallback_device(name: str) -> tuple[str, str | None]:
    """(the device to use, a note or None): a saved GPU that is not here becomes the CPU."""
    from visualizer.core.device import resolve_device

    name = str(name or "cpu")
    try:
        resolve_device(name)
    except ConfigError:
        return "cpu", (f"The session was saved on {name}, which this machine does not have; it runs on the CPU "
                       "(the numbers may differ from the saved run's in the last digits).")
    return name, None


# ---- helpers ------------------------------------------------------------------------------------------
def default_files_dir() -> Path:
    env = os.environ.get("VISUALIZER_SESSION_FILES")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "visualizer" / "session-files"


def _place_file(option: str, entry: dict, data: bytes, files_dir) -> tuple[str, str | None]:
    """Where the lab reads a saved file from: the original if it is still there unchanged, else
    a copy unpacked into files_dir/<sha256>/NAME."""
    flag = "--" + option.replace("_", "-")
    original = entry.get("original")
    digest = entry["sha256"]
    if isinstance(original, str) and original:
        try:
            if _sha256(Path(original).read_bytes()) == digest:
                return original, None
            why = "has changed since"
        except OSError:
            why = "is not on this machine"
    else:
        original, why = "(unnamed)", "is not on this machine"
    folder = Path(files_dir) if files_dir is not None else default_files_dir()
    target = folder / digest[:32] / _safe_name(Path(str(entry["member"])).name)
    try:
        if not (target.is_file() and _sha256(target.read_bytes()) == digest):
            target.parent.mkdir(parents=True, exist_ok=True)
            from visualizer.core.writers import atomic_write

            atomic_write(target, lambda tmp: Path(tmp).write_bytes(data))
    except (OSError, ExportError) as exc:
        raise SessionError(f"cannot open the session: the saved copy of {flag} cannot be unpacked into "
                           f"'{folder}': {getattr(exc, 'strerror', None) or exc}") from None
    return str(target), f"{flag}: '{original}' {why} the session was saved; using the copy kept in the session ({target})."


def _read_members(zf: zipfile.ZipFile, fail) -> dict[str, bytes]:
    members = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        if info.file_size > MAX_MEMBER:
            fail(f"'{info.filename}' would unpack to {info.file_size} bytes, more than a session holds")
        try:
            members[info.filename] = zf.read(info)
        except Exception as exc:  # noqa: BLE001 - BadZipFile (CRC), zlib.error, EOFError...
            fail(f"'{info.filename}' cannot be read; the file is damaged or truncated ({exc})")
    if MANIFEST not in members:
        fail("it has no manifest (is it a visualizer session?)")
    return members


def _json(members: dict, name: str, fail):
    if name not in members:
        fail(f"'{name}' is missing")
    try:
        return json.loads(members[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        fail(f"'{name}' is not valid JSON")


def _check_format(version, fail) -> None:
    if not isinstance(version, int) or isinstance(version, bool):
        fail(f"its format version {version!r} is not a number")
    if version > FORMAT:
        fail(f"it was written by a newer visualizer (session format {version}; this one reads up to {FORMAT}); "
             "update the app to open it")
    if version < 1:
        fail(f"its format version {version} is not one this app knows")


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


def _safetensors_bytes(arrays: dict) -> bytes:
    from safetensors.numpy import save

    clean = {}
    for name, a in arrays.items():
        a = np.asarray(a)
        if a.dtype.kind not in "biuf":
            raise SessionError(f"cannot save the session: the state array '{name}' is {a.dtype}")
        clean[name] = a if a.flags.c_contiguous else np.array(a, order="C")
    return save(clean, metadata={"format": f"visualizer-session-{FORMAT}"})  # one key: a map has no fixed order


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_name(name: str) -> str:
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "file"
    return name[:120]

