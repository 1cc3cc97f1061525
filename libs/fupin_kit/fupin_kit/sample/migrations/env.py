from fupin_kit.migrations import run_env
from fupin_kit.sample.models import metadata

run_env(metadata)
