"""The ``modelmetrics`` command line: argument parsing, input files (CSV, .npy, PNG label
maps), progress, and the demo's example data."""
