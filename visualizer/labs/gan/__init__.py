"""A real GAN training live: 2-D toy distributions (and the 8×8 digits), generator against
discriminator, the decision surface, the generator's manifold and mode collapse, measured.

`config` is torch-free (OPTIONS); `lab` holds GANLab, `nets` the modules, `losses` the four
loss variants, `data` the target distributions and the CSV reader, `history` bounded curves.
"""
