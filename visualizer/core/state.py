"""A lab's state as plain data: tensors and arrays beside JSON-able metadata, never a pickle.

`Lab.state_dict()` returns a nested dict whose leaves are torch tensors, numpy arrays or JSON
values (numbers, text, booleans, None, lists). `flatten` splits it into

    arrays  {"extra/G/net.0.weight": np.ndarray, ...}   what a safetensors file holds
    meta    the same tree, each tensor or array replaced by {"__tensor__": name} /
            {"__array__": name}, text arrays by {"__strings__": [...], "shape": [...]}

and `unflatten` puts them back together. Tuples come back as lists. Keys are text without "/".

The helpers below capture and restore what labs own: modules, optimizers, torch.Generator
objects and the process-wide generators (torch CPU / CUDA, numpy's global, Python's `random`).
Each `check_*` raises StateError (one line: what does not fit) before anything is changed, so a
lab can check everything first and then apply: nothing is left half-loaded.

torch is imported inside the functions: the window can flatten and write a state without it.
"""

from __future__ import annotations

import numpy as np

TENSOR, ARRAY, STRINGS = "__tensor__", "__array__", "__strings__"
SEP = "/"


class StateError(ValueError):
    """A state that does not fit the lab it is loaded into; the message says what, in one line."""


def _is_tensor(value) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach") and hasattr(value, "cpu")


# ---- flatten / unflatten -------------------------------------------------------------------------
def flatten(state: dict) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, meta) from a nested state; StateError for a leaf that is neither."""
    arrays: dict[str, np.ndarray] = {}

    def walk(value, path: str):
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if not isinstance(key, str) or SEP in key or not key:
                    raise StateError(f"state key {key!r} at '{path or '/'}' must be non-empty text without '/'")
                out[key] = walk(item, f"{path}{SEP}{key}" if path else key)
            return out
        if isinstance(value, (list, tuple)):
            return [walk(item, f"{path}{SEP}{i}") for i, item in enumerate(value)]
        if _is_tensor(value):
            t = value.detach().cpu()
            arrays[path] = np.array(t.numpy(), copy=True, order="C")
            return {TENSOR: path}
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "US":
                return {STRINGS: [str(s) for s in value.reshape(-1).tolist()], "shape": list(value.shape)}
            if value.dtype.kind not in "biuf":
                raise StateError(f"state entry '{path}' is a {value.dtype} array; only numbers, booleans and text are kept")
            arrays[path] = np.array(value, copy=True, order="C")
            return {ARRAY: path}
        if isinstance(value, np.generic):
            return value.item()
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return value  # NaN and infinities are kept (the reader is this module, not any JSON reader)
        raise StateError(f"state entry '{path}' is a {type(value).__name__}, not a tensor, an array or a JSON value")

    meta = walk(state, "")
    return arrays, meta


def unflatten(arrays: dict[str, np.ndarray], meta, tensors: bool = True):
    """The nested state again; tensors become torch tensors (or stay numpy if tensors=False)."""
    used: set[str] = set()

    def array(name: str) -> np.ndarray:
        if not isinstance(name, str) or name not in arrays:
            raise StateError(f"the state refers to a tensor '{name}' that is not in the file")
        used.add(name)
        return np.array(arrays[name], copy=True)

    def walk(value):
        if isinstance(value, dict):
            if set(value) == {TENSOR}:
                a = array(value[TENSOR])
                if not tensors:
                    return a
                import torch

                return torch.from_numpy(a)
            if set(value) == {ARRAY}:
                return array(value[ARRAY])
            if set(value) == {STRINGS, "shape"}:
                return np.array(value[STRINGS], dtype=str).reshape(value["shape"])
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    state = walk(meta)
    extra = sorted(set(arrays) - used)
    if extra:
        raise StateError(f"the file holds a tensor '{extra[0]}' that the state does not name")
    return state


def get(state: dict, key: str, kind=dict, where: str = "state"):
    """state[key], checked to be of `kind`; StateError naming it otherwise."""
    if not isinstance(state, dict) or key not in state:
        raise StateError(f"{where} has no '{key}'")
    value = state[key]
    if kind is not None and not isinstance(value, kind):
        raise StateError(f"{where}/{key} is a {type(value).__name__}, expected {getattr(kind, '__name__', kind)}")
    return value


# ---- random generators -------------------------------------------------------------------------
def global_rng_state(device=None) -> dict:
    """The process-wide generators: torch's CPU (and the lab's CUDA device's), numpy's, Python's."""
    import random

    import torch

    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {"kind": str(kind), "keys": np.asarray(keys, dtype=np.uint32), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": int(version), "internal": np.asarray(internal, dtype=np.int64), "gauss_next": gauss},
    }
    if device is not None and getattr(device, "type", None) == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def check_global_rng_state(state: dict) -> None:
    import torch

    t = get(state, "torch", None, "rng")
    if not isinstance(t, torch.Tensor) or t.dtype != torch.uint8 or t.shape != torch.get_rng_state().shape:
        raise StateError("rng/torch is not a torch CPU generator state")
    n = get(state, "numpy", dict, "rng")
    if n.get("kind") != "MT19937" or not isinstance(n.get("keys"), np.ndarray) or n["keys"].shape != (624,):
        raise StateError("rng/numpy is not a numpy MT19937 state")
    p = get(state, "python", dict, "rng")
    if not isinstance(p.get("internal"), np.ndarray) or p["internal"].shape != (625,):
        raise StateError("rng/python is not a Python random state")


def set_global_rng_state(state: dict, device=None) -> None:
    """Restore what global_rng_state captured. A CUDA state is applied only on a CUDA device
    (a session saved on a GPU and opened on the CPU keeps the CPU generators only)."""
    import random

    import torch

    check_global_rng_state(state)
    torch.set_rng_state(state["torch"].to(torch.uint8))
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].astype(np.uint32), int(n["pos"]), int(n["has_gauss"]),
                         float(n["cached_gaussian"])))
    p = state["python"]
    gauss = p.get("gauss_next")
    random.setstate((int(p["version"]), tuple(int(v) for v in p["internal"].tolist()),
                     None if gauss is None else float(gauss)))
    if "cuda" in state and device is not None and getattr(device, "type", None) == "cuda":
        torch.cuda.set_rng_state(state["cuda"].to(torch.uint8), device)


def generator_state(generator):
    """A torch.Generator's state (a uint8 tensor)."""
    return generator.get_state().clone()


def check_generator_state(generator, state, where: str) -> None:
    import torch

    if not isinstance(state, torch.Tensor) or state.dtype != torch.uint8 \
            or tuple(state.shape) != tuple(generator.get_state().shape):
        raise StateError(f"{where} is not the state of a torch generator like the lab's")


def set_generator_state(generator, state) -> None:
    generator.set_state(state.to("cpu").contiguous())


# ---- modules -----------------------------------------------------------------------------------
def module_state(module) -> dict:
    """The module's state_dict as detached CPU copies."""
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def _first_mismatch(expected, saved) -> tuple:
    """(the first name expected but not saved, the first saved but not expected); None where none."""
    missing = next((k for k in expected if k not in saved), None)
    extra = next((k for k in saved if k not in expected), None)
    return missing, extra


def check_module(module, state, where: str) -> None:
    """StateError unless `state` holds exactly the module's tensors with the module's shapes."""
    import torch

    if not isinstance(state, dict):
        raise StateError(f"{where} holds no weights")
    own = module.state_dict()
    missing, extra = _first_mismatch(own, state)
    if missing is not None:
        raise StateError(f"{where}: the weights '{missing}' are missing")
    if extra is not None:
        raise StateError(f"{where}: the saved weights '{extra}' do not belong to the lab built from the saved options")
    for name, mine in own.items():
        theirs = state[name]
        if not isinstance(theirs, torch.Tensor):
            raise StateError(f"{where}/{name} is not a tensor")
        if tuple(theirs.shape) != tuple(mine.shape):
            raise StateError(f"{where}/{name} has shape {tuple(theirs.shape)}, but the lab built from the saved "
                             f"options needs {tuple(mine.shape)}")
        if theirs.dtype != mine.dtype:
            raise StateError(f"{where}/{name} is {theirs.dtype}, but the lab needs {mine.dtype}")


def load_module(module, state) -> None:
    module.load_state_dict(state, strict=True)


# ---- optimizers --------------------------------------------------------------------------------
def optimizer_state(optimizer) -> dict:
    """optimizer.state_dict() with text keys ("0", "1" ...) and CPU copies of its tensors."""
    sd = optimizer.state_dict()
    state = {}
    for key, entry in sd["state"].items():
        state[str(key)] = {name: (v.detach().cpu().clone() if _is_tensor(v) else v) for name, v in entry.items()}
    groups = []
    for group in sd["param_groups"]:
        g = {}
        for name, v in group.items():
            if _is_tensor(v):
                v = float(v)
            g[name] = list(v) if isinstance(v, tuple) else v
        groups.append(g)
    return {"type": type(optimizer).__name__, "state": state, "param_groups": groups}


def check_optimizer(optimizer, state, where: str) -> None:
    import torch

    if not isinstance(state, dict) or not isinstance(state.get("state"), dict) \
            or not isinstance(state.get("param_groups"), list):
        raise StateError(f"{where} is not an optimizer state")
    if state.get("type") != type(optimizer).__name__:
        raise StateError(f"{where} is a {state.get('type')} state, but the lab uses {type(optimizer).__name__}")
    own = optimizer.param_groups
    if len(state["param_groups"]) != len(own):
        raise StateError(f"{where} has {len(state['param_groups'])} parameter groups, the lab's optimizer {len(own)}")
    params = []
    for saved, mine in zip(state["param_groups"], own):
        if not isinstance(saved, dict) or len(saved.get("params", ())) != len(mine["params"]):
            raise StateError(f"{where}: a parameter group does not match the lab's in size")
        params += list(zip(saved["params"], mine["params"]))
    index = {int(i): p for i, p in params}
    for key, entry in state["state"].items():
        try:
            p = index[int(key)]
        except (ValueError, KeyError):
            raise StateError(f"{where}: state for an unknown parameter {key!r}") from None
        if not isinstance(entry, dict):
            raise StateError(f"{where}/state/{key} is not a parameter state")
        for name, v in entry.items():
            if isinstance(v, torch.Tensor) and v.dim() > 0 and tuple(v.shape) != tuple(p.shape):
                raise StateError(f"{where}/state/{key}/{name} has shape {tuple(v.shape)}, but the lab's parameter "
                                 f"has {tuple(p.shape)}")


def load_optimizer(optimizer, state) -> None:
    groups = []
    for group in state["param_groups"]:
        groups.append({k: (tuple(v) if isinstance(v, list) and k != "params" else v) for k, v in group.items()})
    optimizer.load_state_dict({"state": {int(k): dict(v) for k, v in state["state"].items()}, "param_groups": groups})


# ---- a lab's parts, by kind -------------------------------------------------------------------
def _kind(part) -> str:
    import torch

    if isinstance(part, torch.nn.Module):
        return "module"
    if isinstance(part, torch.optim.Optimizer):
        return "optimizer"
    if isinstance(part, torch.Generator):
        return "generator"
    if all(hasattr(part, m) for m in ("state_dict", "load_state_dict", "check_state")):
        return "object"
    raise TypeError(f"cannot keep the state of a {type(part).__name__}")


def capture_parts(parts: dict) -> dict:
    """{name: state} for modules, optimizers, torch.Generators and objects with
    state_dict / check_state / load_state_dict (a curve history)."""
    out = {}
    for name, part in parts.items():
        kind = _kind(part)
        if kind == "module":
            out[name] = module_state(part)
        elif kind == "optimizer":
            out[name] = optimizer_state(part)
        elif kind == "generator":
            out[name] = generator_state(part)
        else:
            out[name] = part.state_dict()
    return out


def check_parts(parts: dict, state, where: str = "parts") -> None:
    if not isinstance(state, dict):
        raise StateError(f"{where} is missing")
    missing, extra = _first_mismatch(parts, state)
    if missing is not None:
        raise StateError(f"{where}: the saved state has no '{missing}'")
    if extra is not None:
        raise StateError(f"{where}: the saved '{extra}' does not belong to the lab built from the saved options")
    for name, part in parts.items():
        kind, here = _kind(part), f"{where}/{name}"
        if kind == "module":
            check_module(part, state[name], here)
        elif kind == "optimizer":
            check_optimizer(part, state[name], here)
        elif kind == "generator":
            check_generator_state(part, state[name], here)
        else:
            part.check_state(state[name], here)


def load_parts(parts: dict, state) -> None:
    """Apply what check_parts accepted."""
    for name, part in parts.items():
        kind = _kind(part)
        if kind == "module":
            load_module(part, state[name])
        elif kind == "optimizer":
            load_optimizer(part, state[name])
        elif kind == "generator":
            set_generator_state(part, state[name])
        else:
            part.load_state_dict(state[name])


# ---- options ---------------------------------------------------------------------------------
def differing_option(saved: dict, current: dict, names) -> str | None:
    """The first of `names` whose saved value differs from the current one, or None."""
    for name in names:
        if saved.get(name, _MISSING) != current.get(name, _MISSING):
            return name
    return None


_MISSING = object()
