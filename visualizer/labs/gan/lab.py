"""GANLab: a real generator and discriminator training against each other, step by step.

One lab step is one round of the game:
    k_D discriminator updates  (phase "both" or "d"), each on a fresh real batch and fresh noise,
    then k_G generator updates (phase "both" or "g"), each on fresh noise.
The curves log, per step, the loss of the last D update and of the last G update, each as
computed in the forward pass that produced its gradient (before that update), and mean D(real),
mean D(fake) of the last D update. A player that sits out a step (phase "d" or "g") is not
updated, but its loss is still evaluated on that step's batch, so the curves stay continuous.

What the lab keeps for checking (tests recompute the logged numbers from it):
    self.last_d = {"x_real", "z", "eps"}   the last discriminator batch (eps: WGAN-GP mixing)
    self.last_g = {"z"}                    the last generator noise
Batches and noise come from the lab's own torch.Generator seeded with the run's seed, so the
same seed gives the same run, whatever else uses torch's global generator meanwhile.

Frame "gan2d" (2-D targets) — every array is what the view draws and what data export writes:
    step, d_loss, g_loss, d_real, d_fake   (H,)  one entry per step; bounded, see below
    event_step, event_name, event_old, event_new (E,)   live option changes as facts: the step,
                                           the option's name, its old and new value as text
                                           ("lr_d", "0.002", "0.01"); the view writes the words
    real, fake                  (512, 2)   fixed real samples; G applied to fixed noise
    arrows                      (160, 2)   −∂ℓ_G/∂x at fake[:160]: where G's loss pushes them
    decision (32, 32), grid_x (32,), grid_y (32,)   D(x) (σ(logit); the raw critic for WGAN)
                                           at (grid_x[j], grid_y[i])
    manifold                    (R, C, 2)  a grid in noise space mapped through G: 19 × 19 over
                                           (z1, z2) ∈ [−r, r]², other coordinates 0; 1 × 161 for 1-D
    metric_step, modes_covered, high_quality  (M,)  ring8 / grid25 only, every 20 steps
    modes (K, 2), mode_hits (K,), mode_covered (K,)  the modes and their latest measurement
Frame "digits": the same curves and events, images (64, 8, 8) and real_images (16, 8, 8) in [0, 1].

With d_warmup = n, build() makes n discriminator updates against the fresh generator before
step 1 (steps, curves and events start at 0 as usual; info["d_warmup"] says so).

Histories are bounded (see history.History): full resolution up to 20 000 steps, then
decimated by 2 each time they fill up (info["history_stride"] says the current spacing). Mode
metrics (ring8, grid25) are measured every METRIC_EVERY steps on a fixed batch of N_EVAL
generated samples. Events keep the last MAX_EVENTS. A NaN or a loss beyond ±1e6 raises
TrainingHalted before the step is counted; reset() recovers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from visualizer.core.errors import TrainingHalted
from visualizer.core.frame import Frame
from visualizer.core.lab import Lab
from visualizer.labs.gan import losses
from visualizer.labs.gan.config import MODAL, OPTIONS
from visualizer.labs.gan.data import Digits, make_target, mode_metrics
from visualizer.labs.gan.history import History
from visualizer.labs.gan.nets import Discriminator, Generator

CURVES = ("d_loss", "g_loss", "d_real", "d_fake")
METRICS = ("modes_covered", "high_quality")
LIVE = ("lr_d", "lr_g", "k_d", "k_g", "optimizer", "loss", "gp_weight", "phase")  # changes recorded as events


class GANLab(Lab):
    OPTIONS = OPTIONS

    SURFACE_RES = 32        # decision surface: SURFACE_RES × SURFACE_RES evaluations of D (the view
                            # interpolates it); D on 1024 points costs ~1 ms, on 4096 ~4 ms
    N_SHOW = 512            # real and generated samples drawn (fixed noise, so points move smoothly)
    N_ARROWS = 160          # gradient arrows on the first N_ARROWS generated samples
    N_DIGITS = 64           # generated digits shown (an 8 × 8 grid, fixed latent batch)
    N_REAL_DIGITS = 16
    N_EVAL = 2000           # generated samples per mode measurement
    METRIC_EVERY = 20       # steps between two mode measurements
    MESH_2D = 19            # manifold: a MESH_2D × MESH_2D grid in noise space ...
    MESH_1D = 161           # ... or a line of MESH_1D points for 1-D noise
    HISTORY = 20_000        # curve points kept at full resolution before decimation
    MAX_EVENTS = 200
    EXPLODED = 1e6          # |loss| beyond this halts training

    # ---- building ----------------------------------------------------------------------------
    def build(self) -> None:
        o = self.options
        dev = self.device
        # the lab's own random stream for batches and noise: two labs in one process (a test,
        # a notebook) stay independent and each run repeats exactly for its seed. Weights are
        # initialised from torch's global generator, which reset() has just seeded.
        self.rng = torch.Generator()  # on the CPU: a seed draws the same numbers on every device
        self.rng.manual_seed(self.seed)
        self.images = o["distribution"] == "digits"
        if self.images:
            self.target = Digits(dev)
            dim = 64
        else:
            self.target = make_target(o["distribution"], o["custom_points"], dev)
            dim = 2
        self.noise_dim = o["noise_dim"] or (16 if self.images else 2)
        self.G = Generator(self.noise_dim, dim, o["width"], o["depth"], o["activation"], squash=self.images).to(dev)
        self.D = Discriminator(dim, o["width"], o["depth"], o["activation"]).to(dev)
        self._live = {name: o[name] for name in LIVE}
        self._make_optimizers()

        # fixed batches: what is shown and what is measured does not jump with the noise
        if self.images:
            self.z_show = self.noise(self.N_DIGITS)
            self.real_show = self.target.sample(self.N_REAL_DIGITS, self.rng)
        else:
            self.z_show = self.noise(self.N_SHOW)
            self.real_show = self.target.sample(self.N_SHOW, self.rng)
        self.modal = (not self.images) and o["distribution"] in MODAL
        self.z_eval = self.noise(self.N_EVAL) if self.modal else None
        if not self.images:
            self._build_grids()

        self.history = History(CURVES, self.HISTORY)
        self.metrics = History(METRICS, self.HISTORY)
        k = 0 if self.target.modes is None else len(self.target.modes)
        self.mode_hits, self.mode_covered = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=bool)
        self.events: list[tuple[int, str, str, str]] = []   # (step, option, old, new)
        self.last_d: dict[str, torch.Tensor] = {}
        self.last_g: dict[str, torch.Tensor] = {}
        self._warm_up(o["d_warmup"])
        if self.modal:
            self._measure_modes(0)

    def _warm_up(self, n: int) -> None:
        """n discriminator updates against the fresh generator, before step 1: the run starts
        with a D that has learned where the real points are (no step is counted or logged)."""
        for _ in range(n):
            self._d_update(self.options["loss"], self.options["batch"], 0)

    def _build_grids(self) -> None:
        real_view = self.target.to_view(self.real_show.cpu().numpy().astype(np.float64))
        self._real_view = real_view                       # fixed: converted once, copied per frame
        self.view_range = self.target.view_range(real_view)
        x0, x1, y0, y1 = self.view_range
        n = self.SURFACE_RES
        # cell centres, so the heatmap's pixels sit exactly on the points D was evaluated at
        self.grid_x = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
        self.grid_y = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
        gx, gy = np.meshgrid(self.grid_x, self.grid_y)                         # (n, n): row ↔ y
        pts = self.target.from_view(np.stack([gx.ravel(), gy.ravel()], 1))
        self.grid_points = torch.as_tensor(pts, dtype=torch.float32, device=self.device)   # (n·n, 2)
        # the manifold: a grid in noise space (a 2-D slice through z1, z2; other coordinates 0)
        r = 2.0 if self.options["noise"] == "gaussian" else 1.0
        nz = self.noise_dim
        if nz == 1:
            z = torch.linspace(-r, r, self.MESH_1D).reshape(1, self.MESH_1D, 1)
        else:
            m = self.MESH_2D
            a = torch.linspace(-r, r, m)
            zz = torch.zeros(m, m, nz)
            zz[..., 0] = a.reshape(1, m)          # column ↔ z1
            zz[..., 1] = a.reshape(m, 1)          # row ↔ z2
            z = zz
        self.mesh_shape = tuple(z.shape[:2])
        self.mesh_z = z.reshape(-1, nz).to(self.device)
        self.mesh_radius = r

    def noise(self, n: int) -> torch.Tensor:
        nz = self.noise_dim
        if self.options["noise"] == "uniform":
            return 2.0 * torch.rand(n, nz, generator=self.rng).to(self.device) - 1.0
        return torch.randn(n, nz, generator=self.rng).to(self.device)

    def _make_optimizers(self) -> None:
        o = self.options
        if o["optimizer"] == "adam":
            self.opt_d = torch.optim.Adam(self.D.parameters(), lr=o["lr_d"], betas=(0.5, 0.999))
            self.opt_g = torch.optim.Adam(self.G.parameters(), lr=o["lr_g"], betas=(0.5, 0.999))
        else:
            self.opt_d = torch.optim.SGD(self.D.parameters(), lr=o["lr_d"])
            self.opt_g = torch.optim.SGD(self.G.parameters(), lr=o["lr_g"])

    @property
    def continuous(self) -> bool:
        return True

    # ---- state (a session file) ------------------------------------------------------------
    def state_parts(self) -> dict:
        return {"G": self.G, "D": self.D, "opt_d": self.opt_d, "opt_g": self.opt_g, "rng": self.rng,
                "history": self.history, "metrics": self.metrics}

    def extra_state(self) -> dict:
        return {"live": dict(self._live), "events": [list(e) for e in self.events],
                "mode_hits": self.mode_hits.copy(), "mode_covered": self.mode_covered.copy(),
                "last_d": {k: v for k, v in self.last_d.items() if v is not None}, "last_g": dict(self.last_g)}

    def check_extra_state(self, extra: dict) -> None:
        from visualizer.core.state import StateError

        events = extra.get("events")
        if not isinstance(events, list) or not all(
                isinstance(e, list) and len(e) == 4 and isinstance(e[0], int) and all(isinstance(v, str) for v in e[1:])
                for e in events):
            raise StateError("extra/events is not a list of option changes")
        for name in ("mode_hits", "mode_covered"):
            value = extra.get(name)
            if not isinstance(value, np.ndarray) or value.shape != getattr(self, name).shape:
                raise StateError(f"extra/{name} does not fit the {len(self.mode_hits)} modes of the target")
        if not isinstance(extra.get("live"), dict) or set(extra["live"]) != set(LIVE):
            raise StateError("extra/live does not name the live options")
        for name in ("last_d", "last_g"):
            if not isinstance(extra.get(name), dict):
                raise StateError(f"extra/{name} is missing")

    def load_extra_state(self, extra: dict) -> None:
        self._live = dict(extra["live"])
        self.events = [tuple(e) for e in extra["events"]]
        self.mode_hits = extra["mode_hits"].astype(np.int64)
        self.mode_covered = extra["mode_covered"].astype(bool)
        self.last_d = {k: v.to(self.device) for k, v in extra["last_d"].items()}
        if self.last_d:
            self.last_d.setdefault("eps", None)
        self.last_g = {k: v.to(self.device) for k, v in extra["last_g"].items()}

    def user_files(self) -> dict[str, str]:
        dist = self.options["distribution"]
        return {} if dist in OPTIONS["distribution"].choices else {"distribution": dist}

    # ---- live changes ---------------------------------------------------------------------------
    def apply_live(self, name: str, value: Any) -> None:
        old = self._live.get(name)
        self._live[name] = value
        if name == "lr_d":
            for group in self.opt_d.param_groups:
                group["lr"] = value
        elif name == "lr_g":
            for group in self.opt_g.param_groups:
                group["lr"] = value
        elif name == "optimizer" and value != old:
            self._make_optimizers()
        if value != old:
            self.events.append((self.steps, name, str(old), str(value)))
            del self.events[:-self.MAX_EVENTS]

    # ---- one step of the game --------------------------------------------------------------------
    def advance(self) -> None:
        o = self.options
        loss = o["loss"]
        phase = o["phase"]
        step = self.steps + 1
        d_stats = g_stats = None
        if phase in ("both", "d"):
            for _ in range(o["k_d"]):
                d_stats = self._d_update(loss, o["batch"], step)
        if phase in ("both", "g"):
            for _ in range(o["k_g"]):
                g_stats, x_fake = self._g_update(loss, o["batch"], step)
        if d_stats is None:             # D sat out: its loss on a fresh real batch and G's samples
            d_stats = self._d_evaluate(loss, x_fake)
        if g_stats is None:             # G sat out: its loss on the samples D just judged
            g_stats = self._g_evaluate(loss)
        self.history.offer(step, (d_stats[0], g_stats, d_stats[1], d_stats[2]))
        if self.modal and step % self.METRIC_EVERY == 0:
            self._measure_modes(step)

    def _d_terms(self, loss: str, x_real, x_fake, eps):
        t_real, t_fake = self.D(torch.cat([x_real, x_fake])).split([len(x_real), len(x_fake)])  # one pass
        value = losses.d_loss(t_real, t_fake, loss)
        if loss == "wgan-gp":
            value = value + self.options["gp_weight"] * losses.gradient_penalty(self.D, x_real, x_fake, eps)
        return value, t_real, t_fake

    def _d_update(self, loss: str, batch: int, step: int):
        x_real = self.target.sample(batch, self.rng)
        z = self.noise(batch)
        eps = torch.rand(batch, 1, generator=self.rng).to(self.device) if loss == "wgan-gp" else None
        with torch.no_grad():
            x_fake = self.G(z)
        value, t_real, t_fake = self._d_terms(loss, x_real, x_fake, eps)
        stats = torch.stack([value.detach(), losses.d_value(t_real.detach(), loss).mean(),
                             losses.d_value(t_fake.detach(), loss).mean()]).tolist()
        self._check("discriminator", stats[0], step)
        self.opt_d.zero_grad(set_to_none=True)
        value.backward()
        self.opt_d.step()
        self.last_d = {"x_real": x_real, "z": z, "eps": eps}
        self._last_t_fake = t_fake.detach()
        return stats

    def _g_update(self, loss: str, batch: int, step: int):
        z = self.noise(batch)
        self.D.requires_grad_(False)    # G's step needs gradients through D, not for D's weights
        try:
            x_fake = self.G(z)
            value = losses.g_loss(self.D(x_fake), loss)
            g = value.item()
            self._check("generator", g, step)
            self.opt_g.zero_grad(set_to_none=True)
            value.backward()
            self.opt_g.step()
        finally:
            self.D.requires_grad_(True)
        self.last_g = {"z": z}
        return g, x_fake.detach()

    def _d_evaluate(self, loss: str, x_fake):
        x_real = self.target.sample(len(x_fake), self.rng)
        if loss == "wgan-gp":  # the penalty needs ∇ₓD, so autograd stays on; no update is made
            eps = torch.rand(len(x_fake), 1, generator=self.rng).to(self.device)
            value, t_real, t_fake = self._d_terms(loss, x_real, x_fake, eps)
        else:
            with torch.no_grad():
                value, t_real, t_fake = self._d_terms(loss, x_real, x_fake, None)
        stats = torch.stack([value.detach(), losses.d_value(t_real.detach(), loss).mean(),
                             losses.d_value(t_fake.detach(), loss).mean()]).tolist()
        self._check("discriminator", stats[0], self.steps + 1)
        return stats

    def _g_evaluate(self, loss: str) -> float:
        g = losses.g_loss(self._last_t_fake, loss).item()
        self._check("generator", g, self.steps + 1)
        return g

    def _check(self, who: str, value: float, step: int) -> None:
        o = self.options
        if math.isfinite(value) and abs(value) < self.EXPLODED:
            return
        what = "is not a number (NaN)" if math.isnan(value) else f"exploded to {value:.3g}"
        raise TrainingHalted(
            f"The {who}'s loss {what} at step {step} ({o['loss']} loss, {o['optimizer']}, "
            f"lr D {o['lr_d']:g}, lr G {o['lr_g']:g}). The weights are no longer usable, so training "
            f"stopped. Lower the learning rates (or change the loss) and press Reset.")

    # ---- mode collapse, measured -----------------------------------------------------------------
    def _measure_modes(self, step: int) -> None:
        with torch.no_grad():
            fake = self.G(self.z_eval).cpu().numpy().astype(np.float64)
        if not np.isfinite(fake).all():
            return
        covered, quality, counts = mode_metrics(fake, self.target.modes, self.target.mode_std)
        self.mode_hits, self.mode_covered = counts, covered
        self.metrics.offer(step, (int(covered.sum()), quality))

    def modes_covered(self) -> int:
        """Modes covered now (ring8, grid25), measured on the fixed evaluation batch."""
        with torch.no_grad():
            fake = self.G(self.z_eval).cpu().numpy().astype(np.float64)
        return int(mode_metrics(fake, self.target.modes, self.target.mode_std)[0].sum())

    # ---- what the view draws ---------------------------------------------------------------------
    def snapshot(self) -> Frame:
        o = self.options
        arrays = self.history.arrays()
        arrays["event_step"] = np.array([e[0] for e in self.events], dtype=np.int64)
        for i, field in enumerate(("event_name", "event_old", "event_new"), start=1):
            arrays[field] = np.array([e[i] for e in self.events], dtype=str)
        info = {
            "distribution": o["distribution"] if o["distribution"] in OPTIONS["distribution"].choices
            else "csv", "source": o["distribution"], "loss": o["loss"], "optimizer": o["optimizer"],
            "phase": o["phase"], "lr_d": o["lr_d"], "lr_g": o["lr_g"], "k_d": o["k_d"], "k_g": o["k_g"],
            "noise_dim": self.noise_dim, "width": o["width"], "depth": o["depth"], "batch": o["batch"],
            "d_is_probability": o["loss"] != "wgan-gp", "device": str(self.device),
            "history_stride": self.history.stride, "seed": self.seed, "d_warmup": o["d_warmup"],
        }
        if self.images:
            with torch.no_grad():
                fake = self.G(self.z_show)
            arrays["images"] = self._pixels(fake)                    # (64, 8, 8) in [0, 1]
            arrays["real_images"] = self._pixels(self.real_show)     # (16, 8, 8)
            return Frame("digits", self.steps, arrays, info)

        tv = self.target.to_view
        with torch.no_grad():
            surface = losses.d_value(self.D(self.grid_points), o["loss"])
            manifold = self.G(self.mesh_z)
            x = self.G(self.z_show)
        # where G's loss pushes each generated sample: −∂ℓ_G/∂x per sample (view coordinates)
        with torch.enable_grad():
            xa = x[:self.N_ARROWS].clone().requires_grad_(True)
            (grad,) = torch.autograd.grad(losses.g_loss_each(self.D(xa), o["loss"]).sum(), xa)
        n = self.SURFACE_RES
        fake = x.cpu().numpy().astype(np.float64)
        arrays.update({
            "real": self._real_view.copy(),
            "fake": tv(fake),
            "arrows": -grad.cpu().numpy().astype(np.float64) / self.target.scale,
            "decision": surface.reshape(n, n).cpu().numpy().astype(np.float64),
            "grid_x": self.grid_x.copy(),
            "grid_y": self.grid_y.copy(),
            "manifold": tv(manifold.cpu().numpy().astype(np.float64)).reshape(*self.mesh_shape, 2),
        })
        info["view_range"] = list(self.view_range)
        info["manifold_radius"] = self.mesh_radius
        if self.modal:
            arrays.update(self.metrics.arrays("metric_"))
            arrays["modes_covered"] = arrays.pop("metric_modes_covered")
            arrays["high_quality"] = arrays.pop("metric_high_quality")
            arrays["modes"] = np.asarray(self.target.modes, dtype=np.float64).copy()
            arrays["mode_hits"] = self.mode_hits.copy()
            arrays["mode_covered"] = self.mode_covered.copy()
            info["n_modes"] = len(self.target.modes)
            info["mode_std"] = self.target.mode_std
        return Frame("gan2d", self.steps, arrays, info)

    def _pixels(self, x: torch.Tensor) -> np.ndarray:
        img = ((x.detach() + 1.0) / 2.0).clamp(0.0, 1.0).reshape(-1, 8, 8)
        return img.cpu().numpy().astype(np.float64)
