"""Positional encodings: sinusoidal, learned (all-MiniLM-L6-v2), RoPE, ALiBi, and their effect
on a real attention module. `config` and `geometry` are torch-free; `lab` imports torch."""
