"""Why a score is what it is: error analysis of evaluated models.

See :mod:`modelmetrics.analysis`, which re-exports the public names.
"""
