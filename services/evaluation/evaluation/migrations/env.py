from evaluation.models import metadata
from fupin_kit.migrations import run_env

run_env(metadata)
