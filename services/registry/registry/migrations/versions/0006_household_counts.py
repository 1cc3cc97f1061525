"""household_counts: households and people per village, status and attribute, kept by statement-level
triggers so the per-child dashboard counts read a few rows per village instead of every household of a
province (domain.md §8: several million households; quality.md B6: p99 < 100 ms over 1 M).

Triggers rather than application code because every writer (single edits, the set-based import, status
changes driven by events) must keep the counts exact, including writers added later. Statement-level with
transition tables so a bulk import updates each counter row once, not once per household; rows are upserted
in key order so two concurrent writers lock shared counters in the same order (no deadlock cycle).

Revision ID: registry_0006
Revises: registry_0005
"""

from alembic import op

revision = "registry_0006"
down_revision = "registry_0005"
branch_labels = None
depends_on = None

# Each trigger turns its transition table(s) into signed deltas; only changes to the counted columns
# (division, status, attribute, member_count) touch a counter row, so editing a phone number locks nothing.
APPLY_DELTAS = """
    INSERT INTO household_counts AS c (division, status, attribute, households, people)
    SELECT division, status, attribute, sum(households), sum(people)
    FROM ({deltas}) AS d
    GROUP BY division, status, attribute
    HAVING sum(households) <> 0 OR sum(people) <> 0
    ORDER BY division, status, attribute
    ON CONFLICT (division, status, attribute) DO UPDATE
        SET households = c.households + excluded.households, people = c.people + excluded.people;
"""
PLUS = "SELECT division, status, attribute, 1 AS households, member_count AS people FROM new_rows"
MINUS = "SELECT division, status, attribute, -1 AS households, -member_count AS people FROM old_rows"
TRIGGERS = {
    "insert": ("NEW TABLE AS new_rows", PLUS),
    "update": ("OLD TABLE AS old_rows NEW TABLE AS new_rows", f"{PLUS} UNION ALL {MINUS}"),
    "delete": ("OLD TABLE AS old_rows", MINUS),
}


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE household_counts (
            division varchar(12) NOT NULL,
            status varchar(20) NOT NULL,
            attribute varchar(20) NOT NULL,
            households bigint NOT NULL,
            people bigint NOT NULL,
            CONSTRAINT pk_household_counts PRIMARY KEY (division, status, attribute)
        )
        """
    )
    for operation, (referencing, deltas) in TRIGGERS.items():
        op.execute(
            f"""
            CREATE FUNCTION household_counts_on_{operation}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {APPLY_DELTAS.format(deltas=deltas)}
                RETURN NULL;
            END
            $$
            """
        )
        op.execute(
            f"""
            CREATE TRIGGER tg_household_counts_{operation} AFTER {operation.upper()} ON households
            REFERENCING {referencing} FOR EACH STATEMENT
            EXECUTE FUNCTION household_counts_on_{operation}()
            """
        )
    op.execute(
        """
        INSERT INTO household_counts (division, status, attribute, households, people)
        SELECT division, status, attribute, count(*), coalesce(sum(member_count), 0)
        FROM households GROUP BY division, status, attribute
        """
    )


def downgrade() -> None:
    for operation in TRIGGERS:
        op.execute(f"DROP TRIGGER tg_household_counts_{operation} ON households")
        op.execute(f"DROP FUNCTION household_counts_on_{operation}()")
    op.drop_table("household_counts")
