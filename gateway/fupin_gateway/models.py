"""Tables owned by the gateway."""

from sqlalchemy import MetaData

metadata = MetaData()
