"""Why a score is what it is: error analysis of evaluated models (see :mod:`modelmetrics.analysis`)."""
