"""Errors that say what happens next."""


class GateFailed(RuntimeError):
    """A check refused the data or a release rule refused an action: the run stops, nothing is published.

    The message names the failed rule and the rows (file and line) concerned.
    """
