"""Warnings raised by modelmetrics."""

__all__ = ["UndefinedMetricWarning"]


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for the input (for example precision with no predicted
    positives) and was replaced by the ``zero_division`` value.

    Mirrors :class:`sklearn.exceptions.UndefinedMetricWarning`; it is not the same class,
    so filter both if code may run with either library.
    """
