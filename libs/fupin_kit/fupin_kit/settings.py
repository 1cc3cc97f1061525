"""Process settings, read from the environment and validated at start-up.

Every Fupin process (gateway, services, CLI, tests) reads the same variables, so one `.env` or one set of
container variables configures a whole deployment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from fupin_kit.auth.lifetimes import DEFAULT_LEEWAY_S, DEFAULT_TOKEN_LIFETIME_S
from fupin_kit.auth.revocations import REVOKED_SUBJECTS_PATH, revocation_key
from fupin_kit.auth.sources import is_url
from fupin_kit.pii import PiiCipher, load_key

SERVICE_NAMES: tuple[str, ...] = ("registry", "identification", "assistance", "funds", "evaluation")
PROCESS_NAMES: tuple[str, ...] = ("gateway", *SERVICE_NAMES)
# The importable package of each process (`python -m <module>`); the gateway's is prefixed so that the
# repository's top-level gateway/ folder can never shadow it as a namespace package.
PROCESS_MODULES: dict[str, str] = {name: name for name in SERVICE_NAMES} | {"gateway": "fupin_gateway"}
DEFAULT_PORTS: dict[str, int] = {name: 8000 + index for index, name in enumerate(PROCESS_NAMES)}

Role = Literal["api", "worker", "all"]


def repository_root() -> Path:
    """The checkout (or image) root: libs/fupin_kit/fupin_kit/settings.py is three levels below it."""
    return Path(__file__).resolve().parents[3]


class KitSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FUPIN_", extra="ignore", populate_by_name=True)

    service: str = "unknown"
    role: Role = "all"
    home: Path = Field(default_factory=repository_root)

    # The server URL; each service connects to its own database on it (fupin_<service>).
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    # Overrides the fupin_<service> name; the test harness uses it to give each test its own database.
    database_name_override: str | None = Field(
        default=None, validation_alias=AliasChoices("FUPIN_DATABASE_NAME")
    )
    # Connections per process, all kept once opened (no overflow, see db.create_engine): the same peak as
    # the former 10 + 10 overflow.
    database_pool_size: int = Field(default=20, ge=1, le=200)
    database_statement_timeout_ms: int = Field(default=30_000, ge=100)
    # Connections of a service's read pool (fupin_kit.read_pool), beside the engine's; opened on use.
    database_read_pool_size: int = Field(default=10, ge=1, le=200)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "FUPIN_KAFKA_BOOTSTRAP_SERVERS"),
    )
    # Tansu rejects InitProducerId, so idempotence is off by default; correctness never depends on it.
    kafka_idempotence: bool = False
    # Each relay batch in one Kafka transaction (transactional id fupin-<service>-relay; consumers then
    # read committed records only). Off against Tansu, which rejects InitProducerId; on for Apache Kafka
    # (docker-compose.yml). The outbox and inbox make delivery correct either way.
    kafka_transactions: bool = False
    kafka_request_timeout_s: float = Field(default=15.0, gt=0)

    jwt_issuer: str = "fupin"
    jwt_audience: str = "fupin-api"
    jwt_leeway_s: int = Field(default=DEFAULT_LEEWAY_S, ge=0, le=300)
    # The longest an access token may live. Short on purpose: the gateway refuses a disabled account's
    # token at once and services within a poll of its revoked subjects, but any process that cannot
    # reach the gateway for longer keeps accepting tokens of accounts disabled meanwhile until they
    # expire; and a disabled subject stays listed only for this long (plus leeway and a margin).
    # Every verifier refuses a token whose exp - iat exceeds it plus leeway (fupin_kit.auth.tokens).
    token_lifetime_s: int = Field(default=DEFAULT_TOKEN_LIFETIME_S, ge=60, le=86_400)
    # Freeze the start-up heap out of garbage collection (service_app._freeze_startup_heap). On in a
    # service process (fupin_kit.runner sets it); off where apps are built and dropped in one process
    # (tests), whose dropped apps would never be collected.
    gc_freeze_after_start: bool = False
    # A JWKS file path or an http(s) URL to the gateway's /.well-known/jwks.json.
    jwks_source: str = ""
    keys_dir: Path | None = None
    # Where a service polls the digests of subjects whose unexpired tokens it must refuse (disabled
    # accounts): a URL or a file. Default: beside an http(s) JWKS source, else on gateway_url.
    revoked_subjects_source: str = ""
    # How often it polls: the longest a disabled account's token is still accepted by a service (plus
    # the gateway's own reload, FUPIN_BLOCKLIST_REFRESH_S, when the disable was made in another gateway).
    revoked_subjects_refresh_s: float = Field(default=2.0, gt=0, le=60)

    # base64 of 32 bytes; when empty, a development key kept beside the signing keys is used.
    pii_key: str = ""

    # Rows per relay batch (one claim statement, one commit, one wait for the broker's acks): B4 measured
    # 0.40 of raw aiokafka at 500, 0.55 at 2000; a backlog smaller than a batch goes out at once anyway.
    relay_batch_size: int = Field(default=2000, ge=1, le=10_000)
    relay_poll_interval_s: float = Field(default=1.0, gt=0)
    outbox_retention_days: int = Field(default=7, ge=1)
    # How long a command's Idempotency-Key (and the answer a retry gets) is kept: a retry after that is a
    # new request. Days, not minutes: a village's tablet may resend what it queued offline a week later.
    idempotency_retention_days: int = Field(default=30, ge=1)
    consumer_max_attempts: int = Field(default=3, ge=1, le=20)
    consumer_watchdog_s: float = Field(default=60.0, gt=1)
    # The largest request body a route takes unless it declares its own (fupin_kit.body_limits): JSON
    # commands are kilobytes; a body past this is refused with 413 before it is parsed.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    gateway_url: str = "http://127.0.0.1:8000"
    upstream_timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, value: str) -> str:
        url = make_url(value)
        if url.get_backend_name() != "postgresql":
            raise ValueError("FUPIN_DATABASE_URL must be a PostgreSQL URL")
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)

    @model_validator(mode="after")
    def _defaults_from_home(self) -> KitSettings:
        if self.keys_dir is None:
            self.keys_dir = self.home / ".fupin" / "keys"
        if not self.jwks_source:
            self.jwks_source = str(self.keys_dir / "jwks.json")
        if not self.revoked_subjects_source:
            if is_url(self.jwks_source):
                # Both are /.well-known/ documents of the same gateway.
                base = self.jwks_source.rsplit("/", 1)[0] + "/"
                self.revoked_subjects_source = base + REVOKED_SUBJECTS_PATH.rsplit("/", 1)[1]
            else:
                self.revoked_subjects_source = self.gateway_url.rstrip("/") + REVOKED_SUBJECTS_PATH
        return self

    def database_name(self, service: str | None = None) -> str:
        if self.database_name_override and service in (None, self.service):
            return self.database_name_override
        return f"fupin_{service or self.service}"

    def service_database_url(self, service: str | None = None) -> str:
        url = make_url(self.database_url).set(database=self.database_name(service))
        return url.render_as_string(hide_password=False)

    def server_database_url(self, database: str = "postgres") -> str:
        return make_url(self.database_url).set(database=database).render_as_string(hide_password=False)

    def pii_cipher(self) -> PiiCipher:
        assert self.keys_dir is not None
        return PiiCipher(load_key(self.pii_key or None, self.keys_dir))

    def revocation_key(self) -> bytes:
        """The key the gateway digests revoked subjects with and every verifier looks them up by
        (fupin_kit.auth.revocations): derived from the same shared key as pii_cipher()."""
        assert self.keys_dir is not None
        return revocation_key(load_key(self.pii_key or None, self.keys_dir))

    @property
    def topics_file(self) -> Path:
        return self.home / "deploy" / "topics.yaml"


@lru_cache(maxsize=1)
def get_settings() -> KitSettings:
    return KitSettings()
