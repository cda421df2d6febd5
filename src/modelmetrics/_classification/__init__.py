"""Classification: scikit-learn drop-ins (accuracy, precision/recall/F1, ranking and
curves, confusion matrix, text report) and the one-pass summaries with their
accumulators. Public through :mod:`modelmetrics.classification`."""
