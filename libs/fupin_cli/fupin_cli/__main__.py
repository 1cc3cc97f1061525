"""`python -m fupin_cli …` is the same as `fupin …`."""

from fupin_cli.main import app

app(prog_name="fupin")
