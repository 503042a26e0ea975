"""The one exception type of `ragtune.tune`; its messages say what to do next."""


class TuneError(Exception):
    """Training data, configuration or a checkpoint is unusable; the message names the fix."""
