"""Tables owned by the gateway."""

from sqlalchemy import MetaData

from fupin_kit import idempotency

metadata = MetaData()
# The Idempotency-Key of the admin API's writes (admin/idempotent.py): a retried write answers the first
# response. Its keys are HMACs under the gateway's own secret and its answers sealed, never in clear.
idempotency_keys = idempotency.table(metadata)
