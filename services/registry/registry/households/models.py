"""Tables of the household aggregate: households, members, yearly incomes and the change history.

Every table carries the household's village code in `division` so jurisdiction predicates
(`division BETWEEN lo AND hi`) are index range scans. Resident IDs never appear in plain text: members
hold the AES-GCM ciphertext and an HMAC blind index; a partial unique index on the blind index of active
members makes "one person, one household" a database guarantee that also holds under concurrency.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from registry.models import metadata

MONEY = Numeric(14, 2)
ACTIVE_PERSON_INDEX = "uq_household_members_active_person"

households = Table(
    "households",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("division", String(12), nullable=False),
    Column("village_group", String(60), nullable=False),
    Column("address", String(300), nullable=False),
    Column("head_name", String(60), nullable=False),
    Column("phone", String(30)),
    Column("bank_name", String(100)),
    Column("bank_account_cipher", LargeBinary),
    Column("bank_account_masked", String(40)),
    Column("identification_standard", String(20), nullable=False),
    Column("attribute", String(20), nullable=False),
    Column("main_cause", String(20), nullable=False),
    Column("other_causes", ARRAY(String(20)), nullable=False, server_default=text("'{}'")),
    Column("housing_area", Numeric(8, 2)),
    Column("housing_structure", String(30)),
    Column("housing_year_built", Integer),
    Column("housing_safety_grade", String(1)),
    Column("has_electricity", Boolean),
    Column("fuel", String(20)),
    Column("drinking_water", String(20)),
    Column("relocation", Boolean, nullable=False, server_default=text("false")),
    Column("status", String(20), nullable=False),
    Column("member_count", Integer, nullable=False, server_default=text("0")),
    Column("income_year", Integer),
    Column("per_capita_net_income", MONEY),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("cardinality(other_causes) <= 2", name="ck_households_other_causes"),
    CheckConstraint("NOT (main_cause = ANY (other_causes))", name="ck_households_main_not_other"),
)
# Jurisdiction range + keyset order (division, id); and the per-child counts (index-only scan).
Index("ix_households_division_id", households.c.division, households.c.id)
Index("ix_households_division_status", households.c.division, households.c.status)

# Households and people per (village, status, attribute), kept exact by statement-level triggers on
# `households` (migration registry_0006): the dashboard counts of a province read its villages' few rows.
household_counts = Table(
    "household_counts",
    metadata,
    Column("division", String(12), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attribute", String(20), nullable=False),
    Column("households", BigInteger, nullable=False),
    Column("people", BigInteger, nullable=False),
    PrimaryKeyConstraint("division", "status", "attribute", name="pk_household_counts"),
)

members = Table(
    "household_members",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # Entry order, so members list in the order they were recorded.
    Column("seq", BigInteger, Identity(always=True), nullable=False),
    Column("household_id", UUID(as_uuid=True), ForeignKey("households.id"), nullable=False),
    Column("division", String(12), nullable=False),
    Column("name", String(60), nullable=False),
    Column("sex", String(10), nullable=False),
    Column("id_kind", String(30), nullable=False),
    Column("id_cipher", LargeBinary, nullable=False),
    Column("id_masked", String(30), nullable=False),
    # HMAC of the person's 18-digit resident ID (also for a disability certificate, which embeds it).
    Column("person_index", LargeBinary, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("relation", String(30), nullable=False),
    Column("ethnicity", String(2), nullable=False),
    Column("education", String(30)),
    Column("schooling", String(30)),
    Column("health", String(30), nullable=False),
    Column("labour_capacity", String(30), nullable=False),
    Column("work_status", String(30)),
    Column("dibao", Boolean, nullable=False, server_default=text("false")),
    Column("medical_insurance", Boolean, nullable=False, server_default=text("false")),
    Column("pension_insurance", Boolean, nullable=False, server_default=text("false")),
    Column("status", String(20), nullable=False),
    Column("joined_on", Date, nullable=False),
    Column("joined_by", String(30), nullable=False),
    Column("left_on", Date),
    Column("left_by", String(30)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_household_members_household", members.c.household_id, members.c.seq)
Index(
    ACTIVE_PERSON_INDEX,
    members.c.person_index,
    unique=True,
    postgresql_where=members.c.status == "active",
)
# A death is final: registration paths refuse a person found here (migration registry_0007).
Index(
    "ix_household_members_deceased_person",
    members.c.person_index,
    postgresql_where=members.c.status == "deceased",
)
# Someone who left a household may join another, from the day they left (migration registry_0011).
Index(
    "ix_household_members_departed_person",
    members.c.person_index,
    members.c.left_on,
    postgresql_where=members.c.status.in_(("married_out", "moved_out")),
)

incomes = Table(
    "household_incomes",
    metadata,
    Column("household_id", UUID(as_uuid=True), ForeignKey("households.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("division", String(12), nullable=False),
    Column("wage", MONEY, nullable=False),
    Column("business", MONEY, nullable=False),
    Column("transfer", MONEY, nullable=False),
    Column("property", MONEY, nullable=False),
    Column("production_costs", MONEY, nullable=False),
    Column("net_income", MONEY, nullable=False),
    Column("member_count", Integer, nullable=False),
    Column("per_capita_net_income", MONEY, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("household_id", "year", name="pk_household_incomes"),
)

history = Table(
    "household_history",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("household_id", UUID(as_uuid=True), ForeignKey("households.id"), nullable=False),
    Column("division", String(12), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()),
    Column("actor", String(200), nullable=False),
    Column("actor_tier", String(20), nullable=False),
    Column("action", String(60), nullable=False),
    Column("reason", Text, nullable=False),
    Column("before", JSONB),
    Column("after", JSONB, nullable=False),
    # The day a status decision was taken, when a county records one taken outside the platform (a file
    # registered before it existed), or the day of a member change (its effective_on, died_on); NULL when
    # the change is the decision (its `at` is its day).
    Column("effective_on", Date),
    # How the household came to notice, on a change a monitoring case caused (fupin_contracts
    # DISCOVERED_BY_*): a county officer's later clear of that monitoring names it too, so the feeds
    # withhold above the county the clear of a warning a department's pushed list opened.
    Column("discovery", String(40)),
)
Index("ix_household_history_household_at", history.c.household_id, history.c.at)

TABLES = (households, members, incomes, history)
