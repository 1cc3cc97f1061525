"""The `fupin` command line."""
