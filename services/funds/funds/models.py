"""Tables owned by the funds service."""

from sqlalchemy import MetaData

metadata = MetaData()
