from fupin_kit.migrations import run_env

from assistance.models import metadata

run_env(metadata)
