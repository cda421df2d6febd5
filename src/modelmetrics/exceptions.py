"""Warnings and errors raised by modelmetrics."""

__all__ = ["InvalidParameterError", "MissingFieldError", "UndefinedMetricWarning"]


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for the input (for example precision with no predicted
    positives) and was replaced by the ``zero_division`` value.

    Mirrors :class:`sklearn.exceptions.UndefinedMetricWarning`; it is not the same class,
    so filter both if code may run with either library.
    """


class InvalidParameterError(ValueError, TypeError):
    """A parameter has the wrong type or value.

    Subclasses both ``ValueError`` and ``TypeError``, like scikit-learn's error of the
    same name, so code written against either library catches it. The message reads
    ``The 'name' parameter must be <what it must be>. Got <the value> instead.``
    """


class MissingFieldError(ValueError, KeyError):
    """COCO data lacks a key or list entry that pycocotools would look up.

    pycocotools lets the lookup's ``KeyError`` or ``IndexError`` escape; this error is
    a ``ValueError`` naming the missing key, and still a ``KeyError`` so code written
    against pycocotools keeps catching it.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
