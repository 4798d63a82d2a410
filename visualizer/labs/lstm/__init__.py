"""LSTM / GRU / RNN explainer: every gate of a real recurrent module, time step by time step.

`config` is torch-free (OPTIONS); `lab` holds LSTMLab, `gates` recomputes gates and states
from a module's own weights (and the gradient norm ‖∂L/∂h_t‖ by unrolling), `tasks` the
training tasks, `corpus` the text corpora, `finder` the unit finder, `model` the modules and
the loading of user weights.
"""
