"""Torch-free readers for the user's own 2-D points: a CSV file, or points drawn on the canvas.

Both give a float64 array of shape (N, 2) or raise ConfigError naming the option and saying,
in words, what is wrong (the CLI turns that into exit status 2).
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import numpy as np

from visualizer.core.errors import ConfigError

MAX_POINTS = 200_000      # rows read from a CSV file
MAX_DRAWN = 5_000         # points drawn on the canvas
MIN_POINTS = 2
MAX_ABS = 1e12            # coordinates beyond this overflow the spread, the scaling or the plot range


def looks_like_csv(value: str) -> bool:
    """What `--distribution` accepts besides the built-in names: a path ending in .csv."""
    return isinstance(value, str) and value.strip().lower().endswith(".csv")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def read_csv_points(path: str | os.PathLike, option: str = "distribution") -> np.ndarray:
    """Two numeric columns (x, y), one point per row. An optional first row of two column
    names is skipped; blank lines are ignored; ',', ';', tab or spaces separate the columns."""
    path = Path(os.path.expanduser(str(path)))
    if not path.is_file():
        raise ConfigError(option, f"the CSV file '{path}' does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(option, f"'{path.name}' is not a text file (it is not UTF-8)") from None
    except OSError as exc:
        raise ConfigError(option, f"cannot read '{path}': {exc.strerror or exc}") from None
    return parse_csv_text(text, name=path.name, option=option)


def parse_csv_text(text: str, name: str = "the CSV file", option: str = "distribution") -> np.ndarray:
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ConfigError(option, f"{name} is empty: it needs two columns of numbers (x, y), one point per row")
    sample = lines[0]
    delimiter = "," if "," in sample else (";" if ";" in sample else ("\t" if "\t" in sample else None))
    points: list[tuple[float, float]] = []
    for number, line in enumerate(lines, start=1):
        if delimiter is None:
            cells = line.split()
        else:
            cells = next(csv.reader(io.StringIO(line), delimiter=delimiter))
        cells = [c.strip() for c in cells]
        while cells and cells[-1] == "":  # a trailing separator
            cells.pop()
        if len(cells) != 2:
            raise ConfigError(option, f"{name}, row {number}: expected 2 columns (x, y), found {len(cells)}")
        values = [_number(c) for c in cells]
        if any(v is None for v in values):
            if number == 1 and all(v is None for v in values):
                continue  # a header row: two column names
            bad = cells[values.index(None)]
            raise ConfigError(option, f"{name}, row {number}: '{bad}' is not a number")
        if not all(math.isfinite(v) for v in values):
            raise ConfigError(option, f"{name}, row {number}: values must be finite numbers, got {cells[0]}, {cells[1]}")
        points.append((values[0], values[1]))
        if len(points) > MAX_POINTS:
            raise ConfigError(option, f"{name} has more than {MAX_POINTS} points; use a smaller sample")
    return _checked(np.asarray(points, dtype=np.float64).reshape(-1, 2), name, option)


def parse_drawn_points(text: str, option: str = "custom_points") -> np.ndarray:
    """Points drawn on the canvas, as the view sends them: "x,y;x,y;..."."""
    if not text or not text.strip():
        raise ConfigError(option, "no points were drawn: draw the distribution on the canvas first")
    points = []
    for number, pair in enumerate((p for p in text.split(";") if p.strip()), start=1):
        cells = pair.split(",")
        values = [_number(c.strip()) for c in cells] if len(cells) == 2 else [None]
        if len(cells) != 2 or any(v is None or not math.isfinite(v) for v in values):
            raise ConfigError(option, f"point {number} ('{pair.strip()[:40]}') is not a pair of numbers x,y")
        points.append(values)
        if len(points) > MAX_DRAWN:
            raise ConfigError(option, f"more than {MAX_DRAWN} points were drawn")
    return _checked(np.asarray(points, dtype=np.float64).reshape(-1, 2), "the drawing", option)


def format_points(points) -> str:
    """The inverse of parse_drawn_points (what the view emits)."""
    return ";".join(f"{x:.4g},{y:.4g}" for x, y in np.asarray(points, dtype=np.float64).reshape(-1, 2))


def _checked(points: np.ndarray, name: str, option: str) -> np.ndarray:
    if len(points) < MIN_POINTS:
        raise ConfigError(option, f"{name} holds {len(points)} point(s); at least {MIN_POINTS} are needed")
    largest = float(np.abs(points).max())
    if largest > MAX_ABS:
        row = int(np.abs(points).max(axis=1).argmax()) + 1
        raise ConfigError(option, f"{name} has a value of magnitude {largest:.3g} (point {row}); coordinates must "
                                  f"lie within ±{MAX_ABS:.0e} (larger ones overflow the spread and the plot): "
                                  "rescale the data")
    spread = points.max(axis=0) - points.min(axis=0)
    if float(spread.max()) <= 0.0:
        raise ConfigError(option, f"all points in {name} are the same point; a distribution needs some spread")
    return points
