"""The one exception type of `ragtune.models`; its messages say what to do next."""


class ModelError(Exception):
    """A model could not be found, loaded or reached; the message names the fix."""
