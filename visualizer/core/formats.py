"""File formats by suffix (kept apart from the writers so the CLI can check names before numpy loads)."""

DATA_SUFFIXES = (".npz", ".csv", ".json")
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
ANIMATION_SUFFIXES = (".gif", ".mp4")
