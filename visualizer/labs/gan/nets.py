"""The two players: a generator G (latent vector → sample) and a discriminator D (sample → logit).

Both are plain MLPs, so every number on screen comes from these modules:

    G: z (B, noise_dim) → [Linear → act] × depth → Linear → x (B, out_dim)
    D: x (B, in_dim)    → [Linear → act] × depth → Linear → t (B, 1)   one raw score (logit) per sample

For images (the 8×8 digits) G ends in tanh, so its pixels lie in [−1, 1] like the data.
"""

from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "elu": nn.ELU,
}


def mlp(n_in: int, n_out: int, width: int, depth: int, activation: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    size = n_in
    for _ in range(depth):
        layers += [nn.Linear(size, width), ACTIVATIONS[activation]()]
        size = width
    layers.append(nn.Linear(size, n_out))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    def __init__(self, noise_dim: int, out_dim: int, width: int, depth: int, activation: str,
                 squash: bool = False):
        super().__init__()
        self.noise_dim = noise_dim
        self.net = mlp(noise_dim, out_dim, width, depth, activation)
        self.squash = squash

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # (B, noise_dim) → (B, out_dim)
        x = self.net(z)
        return torch.tanh(x) if self.squash else x


class Discriminator(nn.Module):
    def __init__(self, in_dim: int, width: int, depth: int, activation: str):
        super().__init__()
        self.net = mlp(in_dim, 1, width, depth, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, in_dim) → (B,) raw scores
        return self.net(x).squeeze(-1)
