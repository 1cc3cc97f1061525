"""Fupin benchmarks (`fupin bench <name>`): each platform path measured against a raw baseline, interleaved
in one run on one machine, so the ratio means the same on a noisy machine as on a quiet one.

`bench` is a plain package at the repository root, not an installed distribution: the CLI puts the
repository root (KitSettings().home) on sys.path before importing it, and every subprocess a benchmark
starts gets the root in PYTHONPATH. It ships with the checkout, never with a service image.
"""
