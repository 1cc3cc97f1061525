"""Tables owned by the assistance service."""

from sqlalchemy import MetaData

metadata = MetaData()
