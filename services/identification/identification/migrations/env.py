from fupin_kit.migrations import run_env
from identification.models import metadata

run_env(metadata)
