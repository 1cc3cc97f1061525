"""The append-only, hash-chained audit log every service keeps in its own database (`audit_log`).

Changes are appended in the transaction of the change (`append_change`); the chain can be verified row by
row (`verify_chain`, `fupin audit verify --service NAME`), naming the first row that was edited, deleted
or inserted out of order.
"""
