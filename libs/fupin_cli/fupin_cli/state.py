"""Where a run keeps its files, and the run-state file (run/state.json) the supervisor writes.

The state directory is ./.fupin under FUPIN_HOME (the repository root by default); `--state-dir` or
FUPIN_STATE_DIR moves it, so tests and parallel runs stay apart.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Phase = Literal["starting", "ready", "stopping"]


@dataclass(frozen=True)
class RunPaths:
    root: Path

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def state_file(self) -> Path:
        return self.run_dir / "state.json"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def supervisor_log(self) -> Path:
        return self.logs_dir / "supervisor.log"

    @property
    def pg_dir(self) -> Path:
        return self.root / "pg"

    @property
    def broker_dir(self) -> Path:
        return self.root / "broker"

    @property
    def default_keys_dir(self) -> Path:
        return self.root / "keys"

    def process_log(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def create(self) -> None:
        for directory in (self.root, self.run_dir, self.logs_dir):
            directory.mkdir(parents=True, exist_ok=True)


def home() -> Path:
    from fupin_kit.settings import KitSettings

    return KitSettings().home


def resolve_paths(state_dir: Path | None = None) -> RunPaths:
    """--state-dir, else FUPIN_STATE_DIR, else <FUPIN_HOME>/.fupin; always absolute."""
    if state_dir is None:
        from_env = os.environ.get("FUPIN_STATE_DIR")
        state_dir = Path(from_env) if from_env else home() / ".fupin"
    return RunPaths(state_dir.expanduser().resolve())


def resolve_keys_dir(paths: RunPaths, keys_dir: Path | None = None) -> Path:
    """--keys-dir, else FUPIN_KEYS_DIR, else <state dir>/keys."""
    if keys_dir is None:
        from_env = os.environ.get("FUPIN_KEYS_DIR")
        keys_dir = Path(from_env) if from_env else paths.default_keys_dir
    return keys_dir.expanduser().resolve()


class ProcessRef(BaseModel):
    """A process the supervisor started: pid plus its start time, so a reused pid is never mistaken."""

    pid: int | None = None
    create_time: float | None = None


class InfraState(ProcessRef):
    embedded: bool
    port: int | None = None
    address: str  # URL (password hidden) or bootstrap servers


class ChildState(ProcessRef):
    module: str
    port: int
    log: str
    restarts: int = 0
    last_exit: int | None = None
    status: Literal["starting", "running", "restarting", "stopped"] = "starting"


class RunState(BaseModel):
    supervisor: ProcessRef
    phase: Phase = "starting"
    step: str = ""
    started_at: str
    ready_after_s: float | None = None
    home: str
    state_dir: str
    keys_dir: str
    postgres: InfraState | None = None
    broker: InfraState | None = None
    processes: dict[str, ChildState] = Field(default_factory=dict)


def load_state(paths: RunPaths) -> RunState | None:
    try:
        return RunState.model_validate_json(paths.state_file.read_text())
    except (OSError, ValueError):
        return None


def save_state(paths: RunPaths, state: RunState) -> None:
    paths.run_dir.mkdir(parents=True, exist_ok=True)
    temporary = paths.state_file.with_name(f"state.{os.getpid()}.tmp")
    temporary.write_text(state.model_dump_json(indent=2))
    os.replace(temporary, paths.state_file)


def remove_state(paths: RunPaths) -> None:
    with contextlib.suppress(FileNotFoundError):
        paths.state_file.unlink()
