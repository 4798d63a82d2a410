"""Everything that imports Qt. Views draw Frames and never import torch."""
