"""The gateway's access and account-change audit: one append-only, hash-chained log (`audit_log`)."""
