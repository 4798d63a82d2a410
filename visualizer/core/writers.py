"""Data and file writers. Every write is atomic: a temporary file beside the target, then rename.

A failed write leaves no partial file and raises ExportError saying why, in words.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from visualizer.core.errors import ExportError, WriteError
from visualizer.core.formats import DATA_SUFFIXES, FIGURE_SUFFIXES  # noqa: F401 - re-exported
from visualizer.core.frame import Frame


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call write(tmp_path) for a temporary file in the target's folder, then rename it onto path."""
    path = Path(path)
    if not path.name or path.name in (".", ".."):
        raise ExportError(f"'{path}' is not a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"cannot write '{path}': the folder '{folder}' does not exist")
    if path.is_dir():
        raise ExportError(f"cannot write '{path}': it is a folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=path.suffix + ".part", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write into '{folder}': {exc.strerror or exc}") from None
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600; an export is an ordinary file
        os.replace(tmp, path)
    except ExportError:
        _remove(tmp)
        raise
    except OSError as exc:
        _remove(tmp)
        raise WriteError(f"cannot write '{path}': {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise
    return path


# ---- rendered image size: refused up front, never a crash half-way through a render ----------
MAX_SIDE = 16384               # pixels a side of a rendered image (PNG, an animation frame)
MAX_PIXELS = 256_000_000       # pixels in all (a 4-byte QImage of that size is ~1 GB)


MAX_FRAME_SIDE = 8192          # an animation frame: every one is rendered, quantised and compared
MAX_FRAME_PIXELS = 32_000_000


def check_image_size(width: int, height: int, scale: float = 1.0, what: str = "the image",
                     max_side: int = MAX_SIDE, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """The pixel size of a width × height figure rendered at `scale`, or ExportError saying the
    limit, before anything is allocated."""
    w, h = round(width * scale), round(height * scale)
    if w > max_side or h > max_side or w * h > max_pixels:
        raise ExportError(f"{what} would be {w}×{h} pixels ({w * h / 1e6:.0f} Mpx); at most {max_side} pixels "
                          f"a side and {max_pixels // 1_000_000} Mpx in all can be rendered: use a smaller "
                          "--size or --scale")
    return w, h


# ---- checking a target before any work, and writing several targets all or nothing -----------
def check_target(path: str | os.PathLike, label: str | None = None) -> Path:
    """ExportError (in words, naming the path) unless a file can be created at `path`: its folder
    exists, is a folder, takes a new file (probed with a real temporary file, removed at once:
    permissions, read-only disks and root all answer truthfully), and the path is not a folder."""
    path = Path(path)
    label = label or f"'{path}'"
    if not path.name or path.name in (".", ".."):
        raise ExportError(f"{label} is not a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise ExportError(f"{label}: the folder '{folder}' does not exist")
    if not folder.is_dir():
        raise ExportError(f"{label}: '{folder}' is not a folder")
    if path.is_dir():
        raise ExportError(f"{label} is a folder; give a file name such as '{path / ('figure' + (path.suffix or '.png'))}'")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".probe", dir=folder)
    except OSError as exc:
        import errno

        why = "it takes no new files" if exc.errno == errno.ENOENT else (exc.strerror or str(exc)).lower()
        raise ExportError(f"{label}: cannot write into the folder '{folder}' ({why}); "
                          "choose a folder you can write to") from None
    os.close(fd)
    _remove(probe)
    return path


class Staged:
    """Temporary files beside their targets, renamed onto them all or nothing.

        with Staged([a, b]) as stage:
            write(stage.tmp(a)); write(stage.tmp(b))
            stage.commit()          # every target replaced, or none (the old files put back)

    Leaving the block without commit() (an error) removes every temporary file."""

    def __init__(self, targets):
        self.targets = [Path(t) for t in targets]
        self._tmp: dict[Path, str] = {}
        self.committed = False

    def __enter__(self) -> "Staged":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def tmp(self, target) -> str:
        """The temporary file for `target` (created on first use, empty)."""
        target = Path(target)
        if target not in self._tmp:
            folder = target.parent if str(target.parent) else Path(".")
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=target.suffix + ".part", dir=folder)
            except OSError as exc:
                raise WriteError(f"cannot write into '{folder}': {exc.strerror or exc}") from None
            os.close(fd)
            self._tmp[target] = tmp
        return self._tmp[target]

    def discard(self) -> None:
        for tmp in self._tmp.values():
            _remove(tmp)
        self._tmp.clear()

    def commit(self) -> list[Path]:
        """Rename every temporary file onto its target. If one rename fails, the targets already
        replaced get their old content back (or are removed if they were new) and WriteError says
        which target failed; nothing of this export stays on disk."""
        done: list[tuple[Path, str | None]] = []      # (target, backup of what it replaced)
        try:
            for target in self.targets:
                tmp = self.tmp(target)
                os.chmod(tmp, _file_mode(target))
                backup = _backup(target)
                try:
                    os.replace(tmp, target)
                except BaseException:
                    if backup is not None:
                        _remove(backup)
                    raise
                done.append((target, backup))
        except OSError as exc:
            failed = target
            for written, backup in reversed(done):
                if backup is not None:
                    os.replace(backup, written)
                else:
                    _remove(str(written))
            self.discard()
            raise WriteError(f"cannot write '{failed}': {exc.strerror or exc}; no output was written "
                             "(files already there were put back)") from None
        for _target, backup in done:
            if backup is not None:
                _remove(backup)
        self._tmp.clear()
        self.committed = True
        return list(self.targets)


def _backup(target: Path) -> str | None:
    """A hidden copy of an existing target (a hard link where the file system allows), so a later
    failure can put it back; None when there is nothing to replace."""
    if not target.is_file():
        return None
    folder = target.parent if str(target.parent) else Path(".")
    fd, backup = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=target.suffix + ".old", dir=folder)
    os.close(fd)
    os.unlink(backup)
    try:
        os.link(target, backup)
    except OSError:
        import shutil

        shutil.copy2(target, backup)
    return backup


# ---- GIF: frames streamed to the file, one global palette, only the changed rectangle --------
class GifStream:
    """Write an animated GIF one frame at a time: memory holds one frame, not the animation.

    One palette for the whole file (given colours first: the theme's, so a curve keeps its
    colour from the first frame to the last; then the first frame's most frequent colours, then
    an even colour cube), nearest-colour mapping without dithering, and each frame after the first
    stores only the rectangle that changed, with unchanged pixels transparent."""

    TRANSPARENT = 255

    def __init__(self, path: str, fps: float, colours=(), loop: int = 0):
        self.path = path
        self.delay = max(2, round(100 / fps))          # GIF delays are in 1/100 s
        self.colours = [_rgb(c) for c in colours]
        self.loop = loop
        self._fh = None
        self._palette_image = None
        self._lut = None
        self._previous = None
        self.frames = 0

    def __enter__(self) -> "GifStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def append(self, rgb: np.ndarray) -> None:
        from PIL import Image, GifImagePlugin

        rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
        h, w = rgb.shape[:2]
        if self._fh is None:
            self._start(rgb)
        elif (h, w) != self._previous.shape:
            raise WriteError(f"GIF frames must all be {self._previous.shape[1]}×{self._previous.shape[0]}, got {w}×{h}")
        index = np.asarray(Image.fromarray(rgb, "RGB").quantize(palette=self._palette_image,
                                                               dither=Image.Dither.NONE))
        index = self._lut[index]                          # a colour never lands on the transparent slot
        if self._previous is None:
            box, data, transparency = (0, 0, w, h), index, None
        else:
            changed = index != self._previous
            rows, cols = np.flatnonzero(changed.any(1)), np.flatnonzero(changed.any(0))
            if len(rows) == 0:
                rows = cols = np.array([0])
            y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            box = (int(x0), int(y0), int(x1), int(y1))
            data = np.where(changed[y0:y1, x0:x1], index[y0:y1, x0:x1], self.TRANSPARENT).astype(np.uint8)
            transparency = self.TRANSPARENT
        self._previous = index
        frame = Image.fromarray(np.ascontiguousarray(data), "P")
        frame.putpalette(self._palette_bytes)
        params = {"duration": self.delay * 10, "disposal": 1}
        if transparency is not None:
            params["transparency"] = transparency
        for chunk in GifImagePlugin.getdata(frame, offset=box[:2], **params):
            self._fh.write(chunk)
        self._fh.flush()                                  # on disk now: nothing piles up in memory
        self.frames += 1

    def _start(self, rgb: np.ndarray) -> None:
        from PIL import Image

        palette = self._palette(rgb)                       # (255, 3)
        self._palette_bytes = bytes(np.vstack([palette, palette[:1]]).astype(np.uint8).ravel())
        self._palette_image = Image.new("P", (1, 1))
        self._palette_image.putpalette(self._palette_bytes)
        self._lut = np.arange(256, dtype=np.uint8)
        self._lut[self.TRANSPARENT] = 0                    # slot 255 repeats colour 0
        h, w = rgb.shape[:2]
        self._fh = open(self.path, "wb")
        self._fh.write(b"GIF89a" + w.to_bytes(2, "little") + h.to_bytes(2, "little")
                       + bytes([0xF7, 0, 0]) + self._palette_bytes)          # global table, 256 colours
        self._fh.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + self.loop.to_bytes(2, "little") + b"\x00")
        self._previous = None

    def _palette(self, rgb: np.ndarray) -> np.ndarray:
        chosen: list[tuple[int, int, int]] = []
        for c in self.colours:
            if c not in chosen:
                chosen.append(c)
        flat = rgb.reshape(-1, 3)
        codes = (flat[:, 0].astype(np.int64) << 16) | (flat[:, 1].astype(np.int64) << 8) | flat[:, 2]
        values, counts = np.unique(codes, return_counts=True)
        for code in values[np.argsort(-counts)][:max(0, 160 - len(chosen))]:
            c = (int(code >> 16) & 255, int(code >> 8) & 255, int(code) & 255)
            if c not in chosen:
                chosen.append(c)
        levels = np.linspace(0, 255, 5).round().astype(int)  # 125 colours evenly over the cube
        for r in levels:
            for g in levels:
                for b in levels:
                    if len(chosen) >= 255:
                        break
                    if (int(r), int(g), int(b)) not in chosen:
                        chosen.append((int(r), int(g), int(b)))
        chosen = chosen[:255]
        while len(chosen) < 255:
            chosen.append(chosen[-1])
        return np.array(chosen, dtype=np.uint8)

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.write(b";")
            finally:
                self._fh.close()
                self._fh = None


def _rgb(colour) -> tuple[int, int, int]:
    if isinstance(colour, str):
        c = colour.lstrip("#")
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    r, g, b = colour[:3]
    return int(r), int(g), int(b)


def _file_mode(path: Path) -> int:
    """The mode a plain new file gets (0666 less the umask), or the mode of the file replaced."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def write_data(frame: Frame, path: str | os.PathLike) -> Path:
    """Write the frame's arrays (and its info) as .npz, .csv or .json, chosen by the suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise ExportError(f"unknown data format '{suffix or path}'; use one of {', '.join(DATA_SUFFIXES)}")
    return atomic_write(path, lambda tmp: write_data_file(frame, tmp, suffix))


def write_data_file(frame: Frame, tmp: str, suffix: str) -> None:
    """Write the frame as `suffix` (.npz, .csv, .json) into the file `tmp` (any name)."""
    if suffix == ".npz":
        _write_npz(frame, tmp)
    elif suffix == ".csv":
        _write_text(tmp, _csv_text(frame))
    elif suffix == ".json":
        _write_text(tmp, _json_text(frame))
    else:
        raise ExportError(f"unknown data format '{suffix}'; use one of {', '.join(DATA_SUFFIXES)}")


def _write_npz(frame: Frame, tmp: str) -> None:
    arrays = dict(frame.arrays)
    arrays["__info__"] = np.array(json.dumps(_jsonable(frame.info | {"kind": frame.kind, "step": frame.step})))
    with open(tmp, "wb") as fh:  # a file object keeps numpy from appending ".npz" to the name
        np.savez(fh, **arrays)


def _write_text(tmp: str, text: str) -> None:
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _csv_text(frame: Frame) -> str:
    """A tidy table: one row per element, `array, i0, i1, ..., value`."""
    ndim = max([a.ndim for a in frame.arrays.values()] + [1])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["array"] + [f"i{d}" for d in range(ndim)] + ["value"])
    for name, array in frame.arrays.items():
        if array.ndim == 0:
            writer.writerow([name] + [""] * ndim + [_csv_value(array.item())])
            continue
        for index in np.ndindex(array.shape):
            writer.writerow([name, *index] + [""] * (ndim - len(index)) + [_csv_value(array[index])])
    return out.getvalue()


def _csv_value(value):
    if isinstance(value, (np.floating, float)):
        return repr(float(value))
    if isinstance(value, np.generic):
        return value.item()
    return value


def _json_text(frame: Frame) -> str:
    doc = {
        "kind": frame.kind,
        "step": frame.step,
        "info": _jsonable(frame.info),
        "arrays": {
            name: {"dtype": str(a.dtype), "shape": list(a.shape), "data": _jsonable(a.tolist())}
            for name, a in frame.arrays.items()
        },
    }
    return json.dumps(doc, ensure_ascii=False, allow_nan=False)


def _jsonable(value):
    """NaN and infinities become null (JSON has no NaN); numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
