"""The one exception type of `ragtune.synth`; its messages say what to do next."""


class SynthError(Exception):
    """Training data could not be built, read or written; the message names the fix."""
