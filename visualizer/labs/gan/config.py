"""The GAN explainer's options (torch-free: the control panel and the CLI read them first).

build  distribution, custom_points, noise_dim, noise, width, depth, activation, batch, d_warmup
live   lr_d, lr_g, k_d, k_g, optimizer, loss, gp_weight, phase  (each change is an event
       drawn as a marker on the curves)
view   show_real, show_fake, show_surface, show_manifold, show_arrows
"""

from __future__ import annotations

from pathlib import Path

from visualizer.core.errors import ConfigError
from visualizer.core.options import Option, OptionSet
from visualizer.labs.gan.points import looks_like_csv, parse_drawn_points

TOY = ("ring8", "grid25", "moons", "spiral", "circles", "line")
DISTRIBUTIONS = TOY + ("custom", "digits")
#: distributions whose modes are known, so modes covered / high-quality samples are measured
MODAL = ("ring8", "grid25")
LOSSES = ("non-saturating", "minimax", "least-squares", "wgan-gp")
OPTIMIZERS = ("adam", "sgd")
PHASES = ("both", "d", "g")

OPTIONS_LIST = [
    # ---- what is learned, and by which networks (build: rebuild + reset with the seed) ------
    Option("distribution", "choice", "ring8",
           "target: ring8, grid25, moons, spiral, circles, line, custom (drawn points), "
           "digits (8×8 images), or a FILE.csv of x,y points",
           choices=DISTRIBUTIONS, accept_other=looks_like_csv),
    Option("custom_points", "str", "",
           "the drawn distribution for --distribution custom, as x,y;x,y;...", max_length=200_000,
           panel=False),
    Option("noise_dim", "int", 0, "size of the generator's latent (noise) vector; 0 = automatic "
           "(2 for 2-D targets, 16 for digits)", minimum=0, maximum=64),
    Option("noise", "choice", "gaussian", "distribution of the latent vector",
           choices=("gaussian", "uniform")),
    Option("width", "int", 128, "hidden units per layer (both networks)", minimum=4, maximum=512),
    Option("depth", "int", 3, "hidden layers (both networks)", minimum=1, maximum=6),
    Option("activation", "choice", "relu", "hidden-layer activation", choices=("relu", "leaky_relu", "tanh", "elu")),
    Option("batch", "int", 256, "samples per batch (real and generated)", minimum=8, maximum=4096),
    Option("d_warmup", "int", 0, "discriminator-only updates made when the run starts, before step 1 "
           "(so a run can begin with a trained D)", minimum=0, maximum=2000),
    # ---- how they are trained (live: applied between steps, drawn as events) ----------------
    Option("lr_d", "float", 2e-3, "discriminator learning rate", role="live", minimum=0.0, maximum=10.0,
           step=0.0005),
    Option("lr_g", "float", 2e-3, "generator learning rate", role="live", minimum=0.0, maximum=10.0,
           step=0.0005),
    Option("k_d", "int", 1, "discriminator updates per step", role="live", minimum=1, maximum=50),
    Option("k_g", "int", 1, "generator updates per step", role="live", minimum=1, maximum=50),
    Option("optimizer", "choice", "adam", "optimizer of both networks (Adam uses β1 = 0.5)",
           role="live", choices=OPTIMIZERS),
    Option("loss", "choice", "non-saturating",
           "GAN loss: non-saturating, minimax, least-squares or wgan-gp (Wasserstein + gradient penalty)",
           role="live", choices=LOSSES),
    Option("gp_weight", "float", 0.1, "gradient-penalty weight λ for wgan-gp", role="live",
           minimum=0.0, maximum=100.0, step=0.05, when=("loss", ("wgan-gp",))),
    Option("phase", "choice", "both", "who trains: both, d (discriminator only) or g (generator only)",
           role="live", choices=PHASES),
    # ---- what the view shows --------------------------------------------------------------
    Option("show_real", "bool", True, "show real samples", role="view"),
    Option("show_fake", "bool", True, "show generated samples", role="view"),
    Option("show_surface", "bool", True, "show the discriminator's decision surface", role="view"),
    Option("show_manifold", "bool", True, "show the generator's manifold (a noise grid through G)", role="view"),
    Option("show_arrows", "bool", True, "show the gradient arrows on generated samples", role="view"),
]


def _check(values: dict) -> None:
    dist = values["distribution"]
    if dist == "custom":
        if not values["custom_points"].strip():
            raise ConfigError("custom_points", "the custom distribution needs drawn points: draw them on the canvas "
                                               "(or pass --custom-points x,y;x,y;...)")
        parse_drawn_points(values["custom_points"])
    elif dist not in DISTRIBUTIONS:
        path = Path(dist).expanduser()
        if not path.is_file():
            raise ConfigError("distribution", f"the CSV file '{dist}' does not exist")


OPTIONS = OptionSet(OPTIONS_LIST, check=_check)
