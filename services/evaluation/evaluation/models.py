"""Tables owned by the evaluation service."""

from sqlalchemy import MetaData

metadata = MetaData()
