"""Attention explainer: nn.MultiheadAttention step by step, a pretrained transformer's heads,
and a tiny transformer learning to attend (Qt-free)."""
