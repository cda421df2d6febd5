"""Warnings raised by modelmetrics."""

__all__ = ["InvalidParameterError", "UndefinedMetricWarning"]


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for the input (for example precision with no predicted
    positives) and was replaced by the ``zero_division`` value.

    Mirrors :class:`sklearn.exceptions.UndefinedMetricWarning`; it is not the same class,
    so filter both if code may run with either library.
    """


class InvalidParameterError(ValueError, TypeError):
    """A parameter has the wrong type or value.

    Subclasses both ``ValueError`` and ``TypeError``, like scikit-learn's error of the
    same name, so code written against either library catches it.
    """
