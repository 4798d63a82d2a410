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

from visualizer.core.errors import ExportError
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
        raise ExportError(f"cannot write '{path}': {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise
    return path


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
    if suffix == ".npz":
        return atomic_write(path, lambda tmp: _write_npz(frame, tmp))
    if suffix == ".csv":
        return atomic_write(path, lambda tmp: _write_text(tmp, _csv_text(frame)))
    if suffix == ".json":
        return atomic_write(path, lambda tmp: _write_text(tmp, _json_text(frame)))
    raise ExportError(f"unknown data format '{suffix or path}'; use one of {', '.join(DATA_SUFFIXES)}")


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
