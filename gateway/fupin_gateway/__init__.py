"""Fupin gateway: identity and tokens, routing to the services, access audit, tier feeds, web console."""
