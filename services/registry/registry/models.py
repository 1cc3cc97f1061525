"""Tables owned by the registry service."""

from sqlalchemy import MetaData

metadata = MetaData()
