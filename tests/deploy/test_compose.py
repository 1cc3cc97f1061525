"""The real-deployment files (docker-compose.yml, deploy/Dockerfile) cannot be run on a machine without a
Docker engine, so their contract is checked statically here: what would start, in which order, from which
pinned images, with which configuration, and that the one-shot steps run the code they claim to."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

import fupin_kit.migrate_main as migrate_main
import fupin_kit.topics_init as topics_init
from fupin_kit.settings import DEFAULT_PORTS, PROCESS_MODULES, PROCESS_NAMES, SERVICE_NAMES, KitSettings
from fupin_kit.topics import declared_topics

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
TOPICS_FILE = ROOT / "deploy" / "topics.yaml"

HEALTHY = "service_healthy"
COMPLETED = "service_completed_successfully"
# Images whose upstream release numbering is major.minor (PostgreSQL since 10): that is an exact release.
TWO_PART_RELEASES = {"postgres"}
INTERPOLATION = re.compile(r"^\$\{(?P<name>\w+)(?::?[-?+](?P<rest>.*))?\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {str(key): str(value) for key, value in raw.items()}


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        # The short form means service_started, which orders nothing that matters here.
        return dict.fromkeys(raw, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in raw.items()}


def _container_ports(service: dict[str, Any]) -> set[int]:
    ports: set[int] = set()
    for entry in [*service.get("ports", []), *service.get("expose", [])]:
        target = entry.get("target") if isinstance(entry, dict) else str(entry).rsplit(":", 1)[-1]
        ports.add(int(str(target).split("/")[0]))
    return ports


def _healthcheck_command(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return test
    assert test[0] in ("CMD", "CMD-SHELL"), test
    return " ".join(test[1:])


def _is_pinned(reference: str) -> bool:
    """An image reference that always means the same bits: a digest, or an exact release tag."""
    if "@sha256:" in reference:
        return True
    name, _, tag = reference.rpartition(":")
    if not name or "/" in tag:  # no tag at all, or the colon belonged to a registry port
        return False
    release = re.match(r"^v?(\d+(?:\.\d+)*)", tag)
    if release is None:
        return False
    parts = release.group(1).split(".")
    needed = 2 if name.rsplit("/", 1)[-1] in TWO_PART_RELEASES else 3
    return len(parts) >= needed


def _dockerfile_stages(path: Path) -> list[dict[str, Any]]:
    """FROM, WORKDIR, ENV, COPY, RUN and USER of each stage; continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or not stripped:
            continue
        pending += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            logical.append(pending.strip())
            pending = ""
    stages: list[dict[str, Any]] = []
    for instruction in logical:
        keyword, _, argument = instruction.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = argument.split()
            alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(
                {
                    "from": words[0],
                    "alias": alias,
                    "workdir": "/",
                    "env": {},
                    "copy": [],
                    "run": [],
                    "user": None,
                }
            )
            continue
        stage = stages[-1]
        if keyword == "WORKDIR":
            stage["workdir"] = argument
        elif keyword == "ENV":
            stage["env"].update(dict(pair.split("=", 1) for pair in argument.split()))
        elif keyword == "COPY":
            parts = [part for part in argument.split() if not part.startswith("--")]
            destination = parts[-1]
            if not destination.startswith("/"):
                destination = f"{stage['workdir'].rstrip('/')}/{destination}"
            stage["copy"].append((parts[:-1], destination))
        elif keyword == "RUN":
            stage["run"].append(argument)
        elif keyword == "USER":
            stage["user"] = argument
    return stages


def _compose_env_for_settings(service: dict[str, Any]) -> dict[str, str]:
    """The container environment as the process would see it, with ${VAR} interpolations stood in for."""
    resolved: dict[str, str] = {}
    for key, value in _environment(service).items():
        resolved[key] = f"test-value-for-{key}" if INTERPOLATION.match(value) else value
    return resolved


def _use_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    # The test harness may export its own FUPIN_* settings; the container would not have them.
    harness = ("FUPIN_DATABASE_NAME", "FUPIN_HOME", "FUPIN_SERVICE", "FUPIN_KEYS_DIR", "FUPIN_JWKS_SOURCE")
    for key in (*harness, "FUPIN_REVOKED_SUBJECTS_SOURCE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


# --- the pinning rule itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "pinned"),
    [
        ("postgres:17.6", True),
        ("postgres:17", False),
        ("postgres", False),
        ("postgres:latest", False),
        ("apache/kafka:3.9.1", True),
        ("python:3.11-slim", False),
        ("python:3.11.13-slim-bookworm", True),
        ("localhost:5000/fupin", False),
        ("otel/opentelemetry-collector-contrib@sha256:" + "0" * 64, True),
    ],
)
def test_pinning_rule(reference: str, pinned: bool) -> None:
    assert _is_pinned(reference) is pinned


# --- the six processes ------------------------------------------------------------------------------


def test_compose_uses_an_extension_field_for_the_shared_service_shape(compose: dict[str, Any]) -> None:
    assert "x-fupin-service" in compose
    assert compose["x-fupin-service"]["build"]["dockerfile"] == "deploy/Dockerfile"


@pytest.mark.parametrize("process", PROCESS_NAMES)
def test_process_runs_its_package_on_its_port(services: dict[str, dict[str, Any]], process: str) -> None:
    port = DEFAULT_PORTS[process]
    service = services[process]
    assert service["command"] == [
        "python", "-m", PROCESS_MODULES[process], "--host", "0.0.0.0", "--port", str(port),
    ]  # fmt: skip
    assert port in _container_ports(service)
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"


@pytest.mark.parametrize("process", PROCESS_NAMES)
def test_process_healthcheck_probes_its_own_healthz(
    services: dict[str, dict[str, Any]], process: str
) -> None:
    service = services[process]
    command = _healthcheck_command(service)
    assert command.startswith("python -c"), "the image has no curl or wget; the probe uses urllib"
    assert "urllib.request.urlopen" in command
    assert f"http://127.0.0.1:{DEFAULT_PORTS[process]}/healthz" in command
    assert service["healthcheck"].get("retries", 0) >= 1


def test_infrastructure_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    assert "pg_isready" in _healthcheck_command(services["postgres"])
    kafka_probe = _healthcheck_command(services["kafka"])
    assert "kafka-topics.sh" in kafka_probe
    assert "--bootstrap-server localhost:9092" in kafka_probe
    assert "--list" in kafka_probe


@pytest.mark.parametrize("process", PROCESS_NAMES)
def test_process_environment_is_read_by_kit_settings(
    services: dict[str, dict[str, Any]], process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _environment(services[process])
    assert env["FUPIN_KAFKA_IDEMPOTENCE"] == "true"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    # One PII key for the whole deployment, from outside the file: never a literal committed here.
    pii = INTERPOLATION.match(env["FUPIN_PII_KEY"])
    assert pii is not None and pii.group("name") == "FUPIN_PII_KEY"

    _use_environment(monkeypatch, _compose_env_for_settings(services[process]))
    settings = KitSettings(service=process)
    assert settings.kafka_idempotence is True
    assert settings.kafka_bootstrap_servers == "kafka:9092"
    url = make_url(settings.service_database_url())
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql+asyncpg", "postgres", 5432, f"fupin_{process}",
    )  # fmt: skip
    if process == "gateway":
        assert str(settings.keys_dir) == "/var/lib/fupin/keys"
    else:
        assert settings.jwks_source == "http://gateway:8000/.well-known/jwks.json"


def test_gateway_keys_live_on_a_named_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    keys_dir = _environment(services["gateway"])["FUPIN_KEYS_DIR"]
    mounts = {str(mount).split(":")[1]: str(mount).split(":")[0] for mount in services["gateway"]["volumes"]}
    assert keys_dir in mounts
    assert mounts[keys_dir] in compose["volumes"], "a named volume, so keys survive re-creation"


def test_gateway_upstreams_reach_every_service(services: dict[str, dict[str, Any]]) -> None:
    upstreams = json.loads(_environment(services["gateway"])["FUPIN_UPSTREAMS"])
    assert upstreams == {name: f"http://{name}:{DEFAULT_PORTS[name]}" for name in SERVICE_NAMES}
    for name in upstreams:
        assert name in services


# --- images -----------------------------------------------------------------------------------------


def test_every_image_is_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if "build" in service:
            dockerfile = ROOT / service["build"].get("context", ".") / service["build"]["dockerfile"]
            assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"
            # The tag given to the built image must not pretend to be a moving release either.
            if "image" in service:
                assert not service["image"].endswith(":latest"), name
                assert ":" in service["image"], name
        else:
            assert "image" in service, f"{name} has neither an image nor a build"
            assert _is_pinned(service["image"]), f"{name}: {service['image']} is not pinned"


def test_dockerfile_bases_are_pinned() -> None:
    stages = _dockerfile_stages(ROOT / "deploy" / "Dockerfile")
    aliases = {stage["alias"] for stage in stages if stage["alias"]}
    bases = [stage["from"] for stage in stages if stage["from"] not in aliases]
    assert bases, "no FROM line"
    for base in bases:
        assert _is_pinned(base), f"FROM {base} is not pinned"
        assert base.startswith("python:3.11."), "the project targets Python 3.11"


def test_dockerfile_installs_every_package_non_editable_and_runs_unprivileged() -> None:
    stages = _dockerfile_stages(ROOT / "deploy" / "Dockerfile")
    copied = {source.rstrip("/") for stage in stages for sources, _ in stage["copy"] for source in sources}
    assert {"libs", "services", "gateway", "deploy"} <= copied
    installs = " ".join(run for stage in stages for run in stage["run"] if "pip " in run)
    assert " -e " not in f" {installs} " and "--editable" not in installs
    packages = [
        "libs/fupin_kit",
        "libs/fupin_contracts",
        "gateway",
        *(f"services/{name}" for name in SERVICE_NAMES),
    ]
    for package in packages:
        assert f"./{package}" in installs, f"{package} is not installed in the image"
    final = stages[-1]
    assert final["user"] not in (None, "root", "0"), "the runtime stage must drop root"


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    entries = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".fupin", ".git"} <= entries
    assert any("__pycache__" in entry for entry in entries)


# --- Kafka and the topics ---------------------------------------------------------------------------


def test_kafka_is_kraft_without_auto_creation(services: dict[str, dict[str, Any]]) -> None:
    env = _environment(services["kafka"])
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"].lower() == "false"
    assert "controller" in env["KAFKA_PROCESS_ROLES"]
    assert not any("ZOOKEEPER" in key for key in env)
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]


def test_topic_init_runs_after_kafka_and_gates_every_process(services: dict[str, dict[str, Any]]) -> None:
    topic_init = services["topic-init"]
    assert topic_init["command"] == ["python", "-m", "fupin_kit.topics_init"]
    assert _depends_on(topic_init)["kafka"] == HEALTHY
    for process in PROCESS_NAMES:
        depends = _depends_on(services[process])
        assert depends.get("topic-init") == COMPLETED, process
        assert depends.get("kafka") == HEALTHY, process
        assert depends.get("postgres") == HEALTHY, process


def test_image_ships_the_topic_declaration_where_settings_look_for_it() -> None:
    final = _dockerfile_stages(ROOT / "deploy" / "Dockerfile")[-1]
    home = final["env"]["FUPIN_HOME"]
    destinations = [destination.rstrip("/") for sources, destination in final["copy"] if "deploy/" in sources]
    assert f"{home.rstrip('/')}/deploy" in destinations
    assert KitSettings(home=Path(home)).topics_file == Path(home) / "deploy" / "topics.yaml"


def test_topic_init_creates_every_declared_topic(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The names spelled out independently of fupin_kit, so a bug in the declaration reader shows too.
    spec = yaml.safe_load(TOPICS_FILE.read_text())
    expected = (
        {f"fupin.{service}.events.v1" for service in spec["domain"]["services"]}
        | {f"fupin.feed.{int(province):02d}.v1" for province in spec["feeds"]["provinces"]}
        | {f"fupin.dlq.{group}.v1" for group in spec["dlq"]["consumer_groups"]}
        | set(spec.get("extra") or {})
    )
    assert len(expected) >= 6 + 31 + 6

    requested: dict[str, int] = {}

    async def fake_create_topics(
        settings: KitSettings, topics: dict[str, int], timeout_s: float = 30.0
    ) -> list[str]:
        assert settings.kafka_bootstrap_servers == "kafka:9092"
        requested.update(topics)
        return list(topics)

    monkeypatch.setattr("fupin_kit.topics.create_topics", fake_create_topics)
    # The checkout stands in for the image's FUPIN_HOME (checked above to hold deploy/).
    _use_environment(
        monkeypatch, _compose_env_for_settings(services["topic-init"]) | {"FUPIN_HOME": str(ROOT)}
    )
    topics_init.main()

    assert set(requested) == expected
    assert requested == declared_topics(TOPICS_FILE)


# --- PostgreSQL and the migrations ------------------------------------------------------------------


def test_postgres_init_creates_one_database_per_process(services: dict[str, dict[str, Any]]) -> None:
    postgres = services["postgres"]
    mounts = {str(mount).split(":")[1]: str(mount).split(":")[0] for mount in postgres["volumes"]}
    init_dir = ROOT / mounts["/docker-entrypoint-initdb.d"]
    scripts = sorted(init_dir.glob("*.sql"))
    assert scripts, f"no SQL under {init_dir}"
    created = {
        match.group(1)
        for script in scripts
        for match in re.finditer(r'CREATE\s+DATABASE\s+"?(\w+)"?', script.read_text(), re.IGNORECASE)
    }
    assert created == {f"fupin_{name}" for name in PROCESS_NAMES}

    env = _environment(postgres)
    url = make_url(_environment(services["registry"])["FUPIN_DATABASE_URL"])
    assert (url.username, url.password) == (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"])


@pytest.mark.parametrize("process", PROCESS_NAMES)
def test_each_process_has_a_migrate_step_it_waits_for(
    services: dict[str, dict[str, Any]], process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_name = f"migrate-{process}"
    step = services[step_name]
    assert step["command"] == ["python", "-m", "fupin_kit.migrate_main", process]
    assert str(step.get("restart", "no")) == "no", "a one-shot step must not be restarted"
    assert _depends_on(step)["postgres"] == HEALTHY
    assert _depends_on(services[process])[step_name] == COMPLETED

    # Run the step's entry point with the step's environment, stopping short of the database.
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(migrate_main, "upgrade_sync", lambda package, url: calls.append((package, url)))
    _use_environment(monkeypatch, _compose_env_for_settings(step))
    migrate_main.main(step["command"][3:])
    assert calls == [
        (PROCESS_MODULES[process], f"postgresql+asyncpg://fupin:fupin@postgres:5432/fupin_{process}")
    ]
    assert importlib.util.find_spec(f"{PROCESS_MODULES[process]}.migrations") is not None


# --- tracing ----------------------------------------------------------------------------------------


def test_collector_and_jaeger(services: dict[str, dict[str, Any]]) -> None:
    assert "jaeger" in services
    collector = services["otel-collector"]
    mounts = {str(mount).split(":")[1]: str(mount).split(":")[0] for mount in collector["volumes"]}
    config_path = ROOT / mounts["/etc/otelcol-contrib/config.yaml"]
    config = yaml.safe_load(config_path.read_text())

    protocols = config["receivers"]["otlp"]["protocols"]
    assert {"grpc", "http"} <= set(protocols)
    assert protocols["http"]["endpoint"].endswith(":4318"), "the processes export OTLP/HTTP to :4318"

    pipeline = config["service"]["pipelines"]["traces"]
    assert "otlp" in pipeline["receivers"]
    for kind in ("receivers", "processors", "exporters"):
        for component in pipeline.get(kind, []):
            assert component in config[kind], f"{component} is used but not configured"
    endpoints = [config["exporters"][exporter]["endpoint"] for exporter in pipeline["exporters"]]
    assert any(endpoint.startswith("jaeger:") for endpoint in endpoints)


# --- the one-shot modules ---------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["fupin_kit.migrate_main", "fupin_kit.topics_init"])
def test_one_shot_modules_import(module: str) -> None:
    assert callable(importlib.import_module(module).main)


def test_migrate_main_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fupin_kit.migrate_main", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for process in PROCESS_NAMES:
        assert process in result.stdout
