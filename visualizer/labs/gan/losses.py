"""The four GAN losses, written from D's raw scores t = D(x) (logits; the critic value for WGAN).

    σ(t) = 1 / (1 + e^−t) is D's probability that x is real;  softplus(u) = log(1 + e^u).

    minimax          L_D = −E log σ(t_real) − E log(1 − σ(t_fake)) = E softplus(−t_real) + E softplus(t_fake)
                     L_G =  E log(1 − σ(t_fake))                    = −E softplus(t_fake)
    non-saturating   L_D as minimax;  L_G = −E log σ(t_fake) = E softplus(−t_fake)
    least-squares    L_D = ½ E (t_real − 1)² + ½ E t_fake²;  L_G = ½ E (t_fake − 1)²
    wgan-gp          L_D = E t_fake − E t_real + λ E (‖∇ₓ D(x̂)‖ − 1)²,  x̂ = ε x_real + (1 − ε) x_fake
                     L_G = −E t_fake

"D(x)" on the curves is σ(t) for minimax and non-saturating, t itself for least squares (its
targets are 0 and 1, so ½ is the equilibrium there too) and the raw critic value for WGAN.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

PROBABILISTIC = ("minimax", "non-saturating")


def d_value(t: torch.Tensor, loss: str) -> torch.Tensor:
    """What the curves and the decision surface call D(x)."""
    return torch.sigmoid(t) if loss in PROBABILISTIC else t


def d_loss(t_real: torch.Tensor, t_fake: torch.Tensor, loss: str) -> torch.Tensor:
    """The discriminator's loss without a gradient penalty (added by the lab for wgan-gp)."""
    if loss in PROBABILISTIC:
        return F.softplus(-t_real).mean() + F.softplus(t_fake).mean()
    if loss == "least-squares":
        return 0.5 * ((t_real - 1.0) ** 2).mean() + 0.5 * (t_fake ** 2).mean()
    if loss == "wgan-gp":
        return t_fake.mean() - t_real.mean()
    raise ValueError(f"unknown loss {loss!r}")


def g_loss_each(t_fake: torch.Tensor, loss: str) -> torch.Tensor:
    """The generator's loss per generated sample (its mean is L_G)."""
    if loss == "minimax":
        return -F.softplus(t_fake)
    if loss == "non-saturating":
        return F.softplus(-t_fake)
    if loss == "least-squares":
        return 0.5 * (t_fake - 1.0) ** 2
    if loss == "wgan-gp":
        return -t_fake
    raise ValueError(f"unknown loss {loss!r}")


def g_loss(t_fake: torch.Tensor, loss: str) -> torch.Tensor:
    return g_loss_each(t_fake, loss).mean()


def gradient_penalty(D, x_real: torch.Tensor, x_fake: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """E (‖∇ₓ D(x̂)‖ − 1)² at x̂ = ε x_real + (1 − ε) x_fake; eps has shape (B, 1)."""
    x_hat = (eps * x_real + (1.0 - eps) * x_fake).detach().requires_grad_(True)
    with torch.enable_grad():
        t_hat = D(x_hat)
        (grad,) = torch.autograd.grad(t_hat.sum(), x_hat, create_graph=True)
    return ((grad.norm(dim=1) - 1.0) ** 2).mean()
