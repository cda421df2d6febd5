"""The model report: one adapter per model type, loss history, the JSON export and its
schema, the HTML page and its assets. Public through :mod:`modelmetrics.report`."""
