"""The GAN explainer's view (registry path: visualizer.ui.views.gan:GANView)."""

from visualizer.ui.views.gan.view import GANView

__all__ = ["GANView"]
