"""The modules: an optional character embedding, the real recurrent module (nn.LSTM, nn.GRU or
nn.RNN with tanh, batch_first), and a linear read-out on every step.

    x (B, T) ids → embed (B, T, 32)  |  x (B, T, input_size) floats
      → rnn (B, T, H) (the last layer's h_t) → head (B, T, n_out)

Users' weights (load_weights): a .safetensors file, or a .pt/.pth/.bin read with
torch.load(weights_only=True), never unpickled. It holds the recurrent module's state_dict
(weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ...; a common prefix such as "rnn." or
"lstm." is stripped), optionally with this app's "embed.weight", "head.weight", "head.bias".
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from visualizer.core.errors import ConfigError

CELL_MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
GATE_COUNT = {"lstm": 4, "gru": 3, "rnn": 1}


class SeqModel(nn.Module):
    def __init__(self, cell: str, input_size: int, hidden: int, layers: int, n_out: int,
                 vocab: int | None = None):
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(vocab, input_size) if vocab else None
        self.rnn = CELL_MODULES[cell](input_size, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, n_out)

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """What layer 0 is fed: the embedding of ids, or the task's vectors as they are."""
        return self.embed(x) if self.embed is not None else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:          # → (B, T, n_out)
        out, _ = self.rnn(self.inputs(x))
        return self.head(out)


def read_tensors(value: str) -> dict[str, torch.Tensor]:
    """The tensors of a weights file, or ConfigError("weights", why)."""
    path = Path(value.strip()).expanduser()
    if not path.is_file():
        raise ConfigError("weights", f"the file '{value}' does not exist")
    if path.suffix.lower() == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            tensors = load_file(str(path), device="cpu")
        except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
            raise ConfigError("weights", f"'{path.name}' is not a readable safetensors file ({exc})") from None
    else:
        import pickle

        try:
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ConfigError("weights", f"'{path.name}' holds more than tensors (Python objects that would "
                                         f"have to be unpickled, which is refused for safety: {first[:200]}); "
                                         "save model.state_dict() or use safetensors") from None
        except (RuntimeError, OSError, EOFError, ValueError, KeyError, IndexError) as exc:
            # (a text file read by the legacy unpickler fails on its first byte as an opcode: KeyError)
            raise ConfigError("weights", f"'{path.name}' is not a readable PyTorch file "
                                         f"({type(exc).__name__}: {str(exc)[:200]})") from None
        if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
            obj = obj["state_dict"]
        if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
            raise ConfigError("weights", f"'{path.name}' does not hold a state_dict (a mapping of names to tensors)")
        tensors = dict(obj)
    return {str(k): v for k, v in tensors.items()}


def _describe(tensors: dict, hidden: int) -> str:
    w = tensors.get("weight_hh_l0")
    if w is None or w.ndim != 2 or w.shape[1] == 0:
        return ""
    h = w.shape[1]
    kinds = {4: "an LSTM", 3: "a GRU", 1: "an RNN"}
    kind = kinds.get(w.shape[0] // h) if w.shape[0] % h == 0 else None
    layers = sum(1 for k in tensors if k.startswith("weight_hh_l"))
    return f" (the file looks like {kind or 'a recurrent module'} with hidden {h} and {layers} layer(s))" if kind else ""


def load_weights(model: SeqModel, value: str) -> list[str]:
    """Copy a weights file into `model` (in place); the names loaded. ConfigError names any
    tensor that is missing or whose shape does not fit."""
    tensors = read_tensors(value)
    own = model.rnn.state_dict()
    prefix = None
    for key in tensors:
        if key.endswith("weight_ih_l0"):
            prefix = key[: -len("weight_ih_l0")]
            break
    if prefix is None:
        raise ConfigError("weights", f"'{Path(value).name}' holds no recurrent weights (no 'weight_ih_l0'; "
                                     f"found {', '.join(sorted(tensors)[:6]) or 'nothing'})")
    found = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    hint = _describe(found, model.rnn.hidden_size)
    missing = [k for k in own if k not in found]
    if missing:
        raise ConfigError("weights", f"tensor '{prefix}{missing[0]}' is missing: this {model.cell} with "
                                     f"{model.rnn.num_layers} layer(s) needs {', '.join(own)}{hint}")
    extra = sorted(k for k in found if k not in own and k.startswith(("weight_", "bias_")))
    if extra:
        raise ConfigError("weights", f"tensor '{prefix}{extra[0]}' does not belong to this {model.cell} with "
                                     f"{model.rnn.num_layers} layer(s){hint}")
    for name, mine in own.items():
        theirs = found[name]
        if tuple(theirs.shape) != tuple(mine.shape):
            raise ConfigError("weights", f"tensor '{prefix}{name}' has shape {tuple(theirs.shape)}, but this "
                                         f"{model.cell} (input {model.rnn.input_size}, hidden {model.rnn.hidden_size}) "
                                         f"needs {tuple(mine.shape)}{hint}")
        if not theirs.is_floating_point() or not torch.isfinite(theirs).all():
            raise ConfigError("weights", f"tensor '{prefix}{name}' is not finite floating-point numbers")
    with torch.no_grad():
        for name, mine in own.items():
            mine.copy_(found[name].to(mine.dtype))
        loaded = list(own)
        for sub in ("embed", "head"):
            module = getattr(model, sub)
            if module is None:
                continue
            for pname, p in module.state_dict().items():
                key = f"{sub}.{pname}"
                if key in tensors:
                    if tuple(tensors[key].shape) != tuple(p.shape):
                        raise ConfigError("weights", f"tensor '{key}' has shape {tuple(tensors[key].shape)}, "
                                                     f"but this model needs {tuple(p.shape)}")
                    p.copy_(tensors[key].to(p.dtype))
                    loaded.append(key)
    return loaded
