"""One view per explainer: it receives Frames and draws them; it never imports torch."""
