"""Tables owned by the gateway."""

from sqlalchemy import MetaData

from fupin_kit import idempotency

metadata = MetaData()
# The Idempotency-Key of the admin API's writes (admin/idempotent.py): a retried write answers the first
# response. Its keys are SHA-256 digests and its answers sealed under the key, never in clear.
idempotency_keys = idempotency.table(metadata)
