from fupin_kit.migrations import run_env

from funds.models import metadata

run_env(metadata)
