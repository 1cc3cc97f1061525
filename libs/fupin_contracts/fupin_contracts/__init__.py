"""Event contracts shared between producers and consumers.

Each producing service has a module here with its payload models and their CloudEvents type strings
(`fupin.<service>.<aggregate>.<past-tense-verb>.v<major>`). Within a major version only additive, optional
changes are allowed; the JSON schema of every payload is snapshotted in tests/contracts.
"""
