"""Reusable Qt widgets: heatmaps, live curves, the lesson panel, the options panel."""
