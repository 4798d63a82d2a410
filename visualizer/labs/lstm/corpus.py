"""Text for the character language model: the running Python's standard library source
(offline, ~5 MB of .py at the top of sysconfig.get_paths()["stdlib"]) or the user's own
UTF-8 file, and the character vocabulary.

Torch-free (numpy only). Bad files raise ConfigError("corpus", words): missing, empty,
binary (a NUL byte or not UTF-8), or too short for one training window.
"""

from __future__ import annotations

import functools
import os
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from visualizer.core.errors import ConfigError

MAX_CHARS = 4_000_000          # characters kept from a corpus (the stdlib is ~5 M)
MAX_VOCAB = 127                # most frequent characters kept; the rest map to UNK (id 0)
UNK = "\ufffd"                 # the unknown symbol, id 0
SNIFF_BYTES = 65_536


def _path(value: str) -> Path:
    return Path(os.path.expanduser(value.strip()))


def sniff_text_file(value: str, option: str = "corpus") -> None:
    """A cheap check of a user corpus (its first 64 KiB): exists, not empty, UTF-8 text."""
    path = _path(value)
    if not path.is_file():
        raise ConfigError(option, f"the file '{value}' does not exist")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise ConfigError(option, f"cannot read '{value}': {exc.strerror or exc}") from None
    if size == 0 or not head.strip():
        raise ConfigError(option, f"'{path.name}' is empty: the character model needs text to learn from")
    _check_text_bytes(head, path.name, option, partial=size > len(head))


def _check_text_bytes(data: bytes, name: str, option: str, partial: bool = False) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ConfigError(option, f"'{name}' is a binary file, not text (a NUL byte at byte {nul})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(data) - 4:      # a character cut at the sniff boundary
            return data[:exc.start].decode("utf-8")
        raise ConfigError(option, f"'{name}' is not UTF-8 text (undecodable byte at {exc.start})") from None


def stdlib_folder() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


@functools.lru_cache(maxsize=4)
def _read(value: str, mtime: float) -> tuple[str, str]:
    """(text, display name); cached per path and modification time."""
    if not value.strip():
        folder = stdlib_folder()
        parts, total = [], 0
        for file in sorted(folder.glob("*.py")):
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            parts.append(text)
            total += len(text)
            if total >= MAX_CHARS:
                break
        text = "\n".join(parts)[:MAX_CHARS]
        if len(text) < 1000:
            raise ConfigError("corpus", f"the standard library's source was not found in '{folder}'; "
                                        "give a text file with --corpus FILE")
        return text, f"stdlib:{folder}"
    path = _path(value)
    if not path.is_file():
        raise ConfigError("corpus", f"the file '{value}' does not exist")
    try:
        data = path.read_bytes()[: MAX_CHARS * 4]
    except OSError as exc:
        raise ConfigError("corpus", f"cannot read '{value}': {exc.strerror or exc}") from None
    if not data.strip():
        raise ConfigError("corpus", f"'{path.name}' is empty: the character model needs text to learn from")
    text = _check_text_bytes(data, path.name, "corpus", partial=path.stat().st_size > len(data))
    return text[:MAX_CHARS], path.name


@dataclass
class Corpus:
    name: str            # "stdlib:/usr/lib/python3.11" or the file's name
    chars: tuple         # id → character; chars[0] is UNK
    ids: np.ndarray      # (N,) int64 token ids of the whole corpus
    unknown: int         # characters of the corpus mapped to UNK (rare ones beyond MAX_VOCAB)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids (T,) int64, unknown (T,) bool): characters outside the vocabulary → UNK (0)."""
        index = self._index
        ids = np.fromiter((index.get(ch, 0) for ch in text), dtype=np.int64, count=len(text))
        return ids, ids == 0

    @functools.cached_property
    def _index(self) -> dict:
        return {ch: i for i, ch in enumerate(self.chars) if i}


@functools.lru_cache(maxsize=4)
def _corpus(value: str, mtime: float) -> Corpus:
    text, name = _read(value, mtime)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    uniq, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:MAX_VOCAB]
    keep = np.sort(order)                                     # kept characters in code-point order
    remap = np.zeros(len(uniq), dtype=np.int64)
    remap[keep] = np.arange(1, len(keep) + 1)
    ids = remap[inverse]
    ids.setflags(write=False)
    chars = (UNK,) + tuple(chr(int(c)) for c in uniq[keep])
    return Corpus(name, chars, ids, int((ids == 0).sum()))


def load_corpus(value: str, min_chars: int = 2) -> Corpus:
    """The corpus for --corpus VALUE ("" = the standard library), read once per process."""
    mtime = 0.0
    if value.strip():
        path = _path(value)
        if not path.is_file():
            raise ConfigError("corpus", f"the file '{value}' does not exist")
        mtime = path.stat().st_mtime
    corpus = _corpus(value, mtime)
    if len(corpus.ids) < min_chars:
        raise ConfigError("corpus", f"'{corpus.name}' holds {len(corpus.ids)} characters; a training window "
                                    f"needs at least {min_chars} (lower --length or give a longer text)")
    return corpus
