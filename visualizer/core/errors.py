"""Errors that carry a message meant for the person using the app."""


class ConfigError(ValueError):
    """A bad option value. `option` names it, so the UI and the CLI can point at it."""

    def __init__(self, option: str, message: str):
        self.option = option
        self.message = message
        super().__init__(f"--{option.replace('_', '-')}: {message}" if option else message)


class ExportError(OSError):
    """An export that could not be written; the message says why, in words."""


class TrainingHalted(RuntimeError):
    """Training cannot go on (a NaN or exploding loss...). The runner pauses and shows the
    message; Reset recovers. Raise it from Lab.step with what happened, in words."""


class WriteError(ExportError):
    """An output that was checked and accepted but failed while being written (disk full, a file
    size limit, a rename refused). Not the user's input: the CLI exits 1, not 2."""


class ModelFolderError(ConfigError):
    """A model folder the app refuses to load (bad config, bad weights, a pickle, no tokenizer)."""

    def __init__(self, message: str):
        super().__init__("model", message)
