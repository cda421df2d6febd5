"""Regression: scikit-learn drop-ins and the one-pass summary from compiled moments.
Public through :mod:`modelmetrics.regression`."""
