"""Tables owned by the registry service (the migrations create them explicitly; this is their mirror)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import CHAR

from fupin_kit import idempotency

metadata = MetaData()

divisions = Table(
    "divisions",
    metadata,
    Column("code", CHAR(12), primary_key=True),
    Column("name", String(100), nullable=False),
    # fupin_kit.divisions.Level: 1 province … 5 village. Equals the depth below the (virtual) nation root.
    Column("level", SmallInteger, nullable=False),
    Column("parent_code", CHAR(12)),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    # Statistical grouping rather than an administrative unit (市辖区, 省直辖县级行政区划, …直辖村级区划).
    Column("placeholder", Boolean, nullable=False, server_default=text("false")),
    # What the importer decided about this row, when the published data needed a decision.
    Column("quirk", Text),
    CheckConstraint("level BETWEEN 1 AND 5", name="ck_divisions_level"),
)
Index("ix_divisions_parent_code_code", divisions.c.parent_code, divisions.c.code)
# The searches' order (higher levels first, then by code): a name most divisions carry (村民委员会, 社区) is
# answered from the first matching rows in this order instead of sorting every match (migration registry_0015).
Index("ix_divisions_level_code", divisions.c.level, divisions.c.code)
Index(
    "ix_divisions_name_trgm",
    divisions.c.name,
    postgresql_using="gin",
    postgresql_ops={"name": "gin_trgm_ops"},
)

STANDARD_KINDS = ("poverty_line", "monitoring_line")

standards = Table(
    "standards",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("year", SmallInteger, nullable=False),
    # 000000000000 (national), or a province / county(-equivalent) code.
    Column("region", CHAR(12), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("set_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('poverty_line', 'monitoring_line')", name="ck_standards_kind"),
    CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_standards_year"),
    CheckConstraint("amount > 0", name="ck_standards_amount"),
)
Index("ix_standards_lookup", standards.c.kind, standards.c.region, standards.c.year, standards.c.id)

# The Idempotency-Key of every command (fupin_kit.idempotency): a retried write answers the first response.
idempotency_keys = idempotency.table(metadata)
