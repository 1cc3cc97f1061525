"""Tables owned by the identification service."""

from sqlalchemy import MetaData

metadata = MetaData()
