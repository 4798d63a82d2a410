"""LSTMLab: a real nn.LSTM / nn.GRU / nn.RNN trained live on a task, its gates recomputed from
its own weights for the one sequence shown.

One lab step is one Adam update on a fresh batch (gradient clipping to `clip`); with `compare`
the three cells (rnn, gru, lstm), each initialised from the run's seed, train on the same
batches. Batches come from the lab's own torch.Generator on the CPU: a seed gives the same run
on any device. A NaN or exploding loss raises TrainingHalted before the step is counted.

Frame "lstm" (frame "compare" when compare is on: the same arrays plus the comparison).
T = shown sequence length, L = layers, H = hidden, G = 4 (LSTM: i f g o) or 3 (GRU: r z n).
All arrays 0-based; the view's t / layer / unit options are 1-based.
    tokens       (T,) str      the characters (charlm) or the task's symbols as shown ("0.42*")
    token_ids    (T,) int64    the ids fed to the embedding (charlm; 0 = unknown) or argmax symbol
    unknown      (T,) bool     characters mapped to the unknown symbol (charlm)
    inputs       (T, in) f32   exactly the vectors fed to layer 0 (embedding output for charlm)
    h            (L, T, H)     h_t of every layer;  c (L, T, H) c_t (LSTM only)
    gates        (L, T, G, H)  i f g o (LSTM) / r z n (GRU); absent for the RNN
    output       (T, n_out)    the read-out head on the last layer's h_t (logits, or the value)
    target       (T,) f64      the task's target at each step (class id or value; NaN = unscored)
    grad_norm    (T,) f32      ‖∂L/∂h_t‖ of the last layer, L = the loss at the last scored step
                               (charlm: step T−2, the last character has no successor; later
                               entries are 0)
    weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ...   the recurrent module's state_dict
    loss (N,), loss_step (N,)  the training loss per step (bounded, decimated by 2 when full)
    finder_property (P,) str   property ids; finder_values (P, T) their value at each step
    finder_corr (P, L, H)      Pearson r of h with each property over the shown sequence
    finder_corr_c (P, L, H)    the same for c (LSTM only)
    finder_top_layer, finder_top_unit (P, K) int64, finder_top_r (P, K)   h units ranked by |r|
    sample (S,) str            charlm: characters generated after the text at `temperature`
compare adds: loss_rnn, loss_gru, loss_lstm (N,), grad_norm_rnn, grad_norm_gru, grad_norm_lstm (T,).

Cost: the internals (gates, grad_norm, finder, sample) are computed only in snapshot(), for the
shown sequence, and cached by (step, text). While training, snapshots that come faster than the
internals' cost allows (THROTTLE_SHARE of wall time) reuse the last internals: info
"internals_step" says which step they show; asking again at the same step, a text change, or
lab.throttle = False gives fresh ones.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from visualizer.core.errors import TrainingHalted
from visualizer.core.frame import Frame
from visualizer.core.lab import Lab
from visualizer.labs.gan.history import History
from visualizer.labs.lstm import finder
from visualizer.labs.lstm.config import GATES, OPTIONS, PROPERTIES, effective_length
from visualizer.labs.lstm.corpus import UNK, load_corpus
from visualizer.labs.lstm.gates import _weights, grad_norm, unroll, unroll_layer
from visualizer.labs.lstm.model import SeqModel, load_weights
from visualizer.labs.lstm.tasks import make_task, text_properties


class LSTMLab(Lab):
    OPTIONS = OPTIONS

    HISTORY = 20_000
    SAMPLE = 80            # characters sampled after the text (charlm)
    TOP = 10               # units ranked per property
    EXPLODED = 1e6
    THROTTLE_SHARE = 0.05  # internals may take at most this share of wall time while training
    COMPARE_ORDER = ("rnn", "gru", "lstm")

    throttle = True

    # ---- building ----------------------------------------------------------------------------
    def build(self) -> None:
        o = self.options
        dev = self.device
        self.T = effective_length(o)
        self.corpus = load_corpus(o["corpus"], min_chars=self.T + 2) if o["task"] == "charlm" else None
        self.task = make_task(o["task"], self.T, self.corpus)
        self.rng = torch.Generator()          # the lab's own data stream, on the CPU
        self.rng.manual_seed(self.seed)
        self.cell = o["cell"]
        cells = self.COMPARE_ORDER if o["compare"] else (self.cell,)
        vocab = self.corpus.vocab_size if self.corpus is not None else None
        self.models: dict[str, SeqModel] = {}
        self.opts: dict[str, torch.optim.Optimizer] = {}
        for cell in cells:
            torch.manual_seed(self.seed)      # each cell starts from the seed: compare == single runs
            model = SeqModel(cell, self.task.input_size, o["hidden"], o["layers"], self.task.n_out, vocab)
            self.models[cell] = model.to(dev)
        self.loaded: list[str] = []
        if o["weights"].strip():
            self.loaded = load_weights(self.models[self.cell], o["weights"])
        for cell, model in self.models.items():
            self.opts[cell] = torch.optim.Adam(model.parameters(), lr=o["lr"])
        names = tuple(f"loss_{c}" for c in self.models) if o["compare"] else ("loss",)
        self.history = History(names, self.HISTORY)
        if o["task"] != "charlm":
            gen = torch.Generator()
            gen.manual_seed(self.seed + 7919)   # the shown sequence: fixed for the run
            x, y = self.task.batch(1, gen)
            self.shown = (x[0], y[0])
        self._version = 0
        self._cache: dict | None = None
        self._cache_key: tuple | None = None
        self._cost = 0.0
        self._end = 0.0
        self._fresh = True

    @property
    def model(self) -> SeqModel:
        return self.models[self.cell]

    @property
    def continuous(self) -> bool:
        return True

    def apply_live(self, name: str, value: Any) -> None:
        if name == "lr":
            for opt in self.opts.values():
                for group in opt.param_groups:
                    group["lr"] = value
        elif name in ("text", "source", "temperature"):
            self._version += 1

    # ---- state (a session file) ------------------------------------------------------------
    def state_parts(self) -> dict:
        parts: dict = {"rng": self.rng, "history": self.history}
        for cell in self.models:
            parts[f"model_{cell}"] = self.models[cell]
            parts[f"opt_{cell}"] = self.opts[cell]
        return parts

    def _corpus_digest(self) -> str:
        if self.corpus is None:
            return ""
        import hashlib

        h = hashlib.sha256("\x00".join(self.corpus.chars).encode("utf-8"))
        h.update(np.ascontiguousarray(self.corpus.ids, dtype=np.int64).tobytes())
        return h.hexdigest()

    def extra_state(self) -> dict:
        return {"loaded": list(self.loaded), "corpus": self.corpus.name if self.corpus is not None else "",
                "corpus_sha256": self._corpus_digest()}

    def check_extra_state(self, extra: dict) -> None:
        from visualizer.core.state import StateError

        if not isinstance(extra.get("loaded"), list) or not isinstance(extra.get("corpus_sha256"), str):
            raise StateError("extra/loaded or extra/corpus_sha256 is missing")

    def load_extra_state(self, extra: dict) -> None:
        self.loaded = [str(n) for n in extra["loaded"]]
        self.restore_notes = []
        if extra["corpus_sha256"] != self._corpus_digest():
            self.restore_notes.append(
                f"the corpus here ({self.corpus.name}) is not the text the model was trained on "
                f"({extra.get('corpus') or 'unknown'}); training goes on, but not exactly as it would have")
        self._version += 1          # no cached internals from before the load
        self._cache = self._cache_key = None

    def user_files(self) -> dict[str, str]:
        o = self.options
        files = {}
        if o["task"] == "charlm" and o["corpus"].strip():
            files["corpus"] = o["corpus"].strip()
        if o["weights"].strip():
            files["weights"] = o["weights"].strip()
        return files

    # ---- one training step -------------------------------------------------------------------
    def advance(self) -> None:
        o = self.options
        x, y = self.task.batch(o["batch"], self.rng)
        x, y = x.to(self.device), y.to(self.device)
        step = self.steps + 1
        losses = []
        for cell, model in self.models.items():
            out = model(x)
            loss = self.task.loss(out, y)
            value = float(loss.detach())
            if not (math.isfinite(value) and abs(value) < self.EXPLODED):
                what = "is not a number (NaN)" if math.isnan(value) else f"exploded to {value:.3g}"
                raise TrainingHalted(
                    f"The {cell.upper()}'s loss {what} at step {step} (learning rate {o['lr']:g}, clip "
                    f"{o['clip']:g}). The weights are no longer usable, so training stopped. Lower the "
                    f"learning rate or turn gradient clipping on, and press Reset.")
            opt = self.opts[cell]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if o["clip"] > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), o["clip"])
            opt.step()
            losses.append(value)
        self.history.offer(step, losses)

    # ---- the shown sequence ------------------------------------------------------------------
    def _sequence(self, model: SeqModel):
        """(tokens, token_ids, unknown, layer-0 inputs (T, in), targets (T,), last step, last target,
        properties, info)"""
        o = self.options
        if o["task"] == "charlm":
            text = o["text"]
            ids, unknown = self.corpus.encode(text)
            info = {"unknown_chars": int(unknown.sum())}
            sample = self._sample(model, ids) if len(ids) else ""
            info["sample_start"] = len(text)
            if o["source"] == "sample":
                ids = np.concatenate([ids, self.corpus.encode(sample)[0]])
                unknown = np.concatenate([unknown, np.zeros(len(sample), dtype=bool)])
                text = text + sample
            tokens = list(text)
            tid = torch.from_numpy(ids).to(self.device)
            with torch.no_grad():
                inputs = model.inputs(tid)
            T = len(tokens)
            targets = self.task.shown_targets(ids[1:], T) if T else np.zeros(0)
            last = T - 2
            last_target = tid[-1:] if T else tid
            props = text_properties(text)
            return tokens, ids, unknown, inputs, targets, last, last_target, props, info, sample
        x, y = self.shown
        tokens = self.task.tokens(x, y)
        T = len(tokens)
        ids = x.argmax(-1).numpy().astype(np.int64)
        props = self.task.properties(x, y)
        return (tokens, ids, np.zeros(T, dtype=bool), x.to(self.device), self.task.shown_targets(y, T),
                T - 1, y.to(self.device), props, {}, None)

    def _sample(self, model: SeqModel, ids: np.ndarray) -> str:
        gen = torch.Generator()
        gen.manual_seed((self.seed * 1_000_003 + self.steps) % 2**62)
        temp = self.options["temperature"]
        out_chars = []
        rnn = model.rnn
        kind = model.cell
        weights = [_weights(rnn, k) for k in range(rnn.num_layers)]
        with torch.no_grad():
            x = torch.from_numpy(ids).to(self.device)[None]
            out, state = rnn(model.inputs(x))                 # the text, through the fused module
            hs = list(state[0][:, 0]) if kind == "lstm" else list(state[:, 0])
            cs = list(state[1][:, 0]) if kind == "lstm" else [None] * len(hs)
            logits = model.head(out[0, -1])
            for _ in range(self.SAMPLE):                      # then one character at a time
                z = (logits.float().cpu() / temp)
                z[0] = -math.inf                     # never sample the unknown symbol
                nxt = torch.multinomial(torch.softmax(z, -1), 1, generator=gen)
                out_chars.append(self.corpus.chars[int(nxt)])
                inp = model.embed.weight[int(nxt)][None]
                for k, (W_ih, W_hh, b_ih, b_hh) in enumerate(weights):
                    tr = unroll_layer(kind, W_ih, W_hh, b_ih, b_hh, inp, hs[k], cs[k])
                    hs[k] = tr.h[-1]
                    cs[k] = tr.c[-1] if tr.c is not None else None
                    inp = tr.h
                logits = model.head(hs[-1])
        return "".join(out_chars)

    def _internals(self) -> dict:
        o = self.options
        model = self.model
        tokens, ids, unknown, inputs, targets, last, last_target, props, info, sample = self._sequence(model)
        T = len(tokens)
        arrays: dict[str, np.ndarray] = {
            "tokens": np.array(tokens, dtype=str).reshape(T),
            "token_ids": np.asarray(ids, dtype=np.int64).reshape(T),
            "unknown": np.asarray(unknown, dtype=bool).reshape(T),
            "inputs": inputs.detach().float().cpu().numpy().reshape(T, -1).copy(),
        }
        L, H = o["layers"], o["hidden"]
        G = len(GATES[self.cell])
        compare = {}
        for cell, m in self.models.items():
            if cell != self.cell and not o["compare"]:
                continue
            if T:
                with torch.no_grad():
                    x_in = m.inputs(torch.from_numpy(np.asarray(ids)).to(self.device)) if self.corpus is not None \
                        else inputs
                traces = unroll(m.rnn, x_in)
                gn = grad_norm(m.rnn, m.head, lambda out: self.task.last_loss(out, last_target), x_in,
                               last_step=last, traces=traces).numpy().astype(np.float32)
            else:
                traces, gn = [], np.zeros(0, dtype=np.float32)
            compare[cell] = gn
            if cell != self.cell:
                continue
            if T:
                arrays["h"] = torch.stack([tr.h for tr in traces]).cpu().numpy()
                if self.cell == "lstm":
                    arrays["c"] = torch.stack([tr.c for tr in traces]).cpu().numpy()
                if G:
                    arrays["gates"] = torch.stack([tr.gates for tr in traces]).cpu().numpy()
                with torch.no_grad():
                    arrays["output"] = m.head(traces[-1].h).cpu().numpy().astype(np.float32)
            else:
                arrays["h"] = np.zeros((L, 0, H), np.float32)
                if self.cell == "lstm":
                    arrays["c"] = np.zeros((L, 0, H), np.float32)
                if G:
                    arrays["gates"] = np.zeros((L, 0, G, H), np.float32)
                arrays["output"] = np.zeros((0, self.task.n_out), np.float32)
            arrays["target"] = np.asarray(targets, dtype=np.float64).reshape(T)
            arrays["grad_norm"] = gn
            for name, p in m.rnn.state_dict().items():
                arrays[name] = p.detach().cpu().numpy().copy()
        if o["compare"]:
            for cell in self.COMPARE_ORDER:
                arrays[f"grad_norm_{cell}"] = compare[cell]
        names = PROPERTIES[o["task"]]
        values = np.stack([np.asarray(props[n], dtype=np.float64).reshape(T) for n in names]) if T \
            else np.zeros((len(names), 0))
        arrays["finder_property"] = np.array(names, dtype=str)
        arrays["finder_values"] = values
        r, constant = finder.correlations(values, arrays["h"])
        arrays["finder_corr"] = r
        if "c" in arrays:
            arrays["finder_corr_c"] = finder.correlations(values, arrays["c"])[0]
        top_layer, top_unit, top_r = finder.rank(r, self.TOP)
        arrays["finder_top_layer"], arrays["finder_top_unit"], arrays["finder_top_r"] = top_layer, top_unit, top_r
        info["finder_constant"] = [n for n, c in zip(names, constant) if c]
        info["last_scored_step"] = int(last)
        if sample is not None:
            arrays["sample"] = np.array(list(sample), dtype=str)
        for a in arrays.values():
            a.setflags(write=False)
        return {"arrays": arrays, "info": info, "step": self.steps}

    # ---- what the view draws -----------------------------------------------------------------
    def snapshot(self) -> Frame:
        o = self.options
        key = (self.steps, self._version)
        if key != self._cache_key:
            now = time.perf_counter()
            stale_ok = (self.throttle and self._cache is not None and self._cache_key[1] == self._version
                        and now - self._end < self._cost / self.THROTTLE_SHARE)
            same_step_again = self._cache_key is not None and self._last_key == key
            if not stale_ok or same_step_again:
                t0 = time.perf_counter()
                self._cache = self._internals()
                self._end = time.perf_counter()
                self._cost = self._end - t0
                self._cache_key = key
        self._last_key = key
        arrays = dict(self._cache["arrays"])
        hist = self.history.arrays()
        arrays["loss_step"] = hist.pop("step")
        arrays.update(hist)
        if o["compare"]:
            arrays["loss"] = hist[f"loss_{self.cell}"].copy()
        info = dict(self._cache["info"])
        T = len(arrays["tokens"])
        info.update({
            "cell": self.cell, "task": o["task"], "layers": o["layers"], "hidden": o["hidden"],
            "input_size": int(self.model.rnn.input_size), "length": self.T, "T": T,
            "gate_names": list(GATES[self.cell]), "n_out": int(self.task.n_out),
            "loss_kind": self.task.loss_kind, "baseline_loss": float(self.task.baseline),
            "loss_last": self.history.last(f"loss_{self.cell}" if o["compare"] else "loss"),
            "lr": o["lr"], "clip": o["clip"], "batch": o["batch"], "seed": self.seed,
            "device": str(self.device), "history_stride": self.history.stride,
            "internals_step": int(self._cache["step"]), "compare": bool(o["compare"]),
            "cells": list(self.models), "weights": Path(o["weights"]).name if o["weights"].strip() else "",
            "weights_loaded": list(self.loaded),
        })
        if self.corpus is not None:
            info.update({"corpus": self.corpus.name, "corpus_chars": int(len(self.corpus.ids)),
                         "vocab_size": self.corpus.vocab_size, "unknown_symbol": UNK,
                         "temperature": o["temperature"], "source": o["source"]})
        return Frame("compare" if o["compare"] else "lstm", self.steps, arrays, info)
