"""The one error `ragtune recommend` raises for a request it cannot serve; the message says what to do."""


class DecisionError(ValueError):
    """A missing or unusable run, or a constraint that makes no sense (e.g. `--updates sometimes`)."""
