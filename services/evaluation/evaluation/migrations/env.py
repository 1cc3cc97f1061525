from fupin_kit.migrations import run_env

from evaluation.models import metadata

run_env(metadata)
