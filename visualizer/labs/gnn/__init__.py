"""A real graph neural network (PyTorch Geometric layers) on a real graph: message passing
node by node and layer by layer, and semi-supervised node classification training live.

`config` is torch-free (OPTIONS). `graphs` loads, generates and validates graphs (networkx,
numpy), `layout` places them (spring for small graphs, PivotMDS for large ones), `models`
builds the PyG stack, `capture` records message / aggregate / update with PyG's own hooks,
`lab` holds GNNLab. torch_geometric is imported only by `models`, `capture` and `lab`.
"""
