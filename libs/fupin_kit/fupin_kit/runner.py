"""Run one service process: `python -m <service> [--role api|worker|all] [--port N]`."""

from __future__ import annotations

import argparse
import os

import uvicorn

from fupin_kit.http_protocol import ProblemHttpToolsProtocol
from fupin_kit.log_masking import configure_logging, uvicorn_log_config
from fupin_kit.settings import DEFAULT_PORTS


def serve(name: str, app_path: str, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=name, description=f"Run the Fupin {name} process")
    parser.add_argument(
        "--role", choices=["api", "worker", "all"], default=os.environ.get("FUPIN_ROLE", "all")
    )
    parser.add_argument("--host", default=os.environ.get("FUPIN_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("FUPIN_PORT", DEFAULT_PORTS.get(name, 8000)))
    )
    parser.add_argument("--log-level", default=os.environ.get("FUPIN_LOG_LEVEL", "info"))
    parser.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FUPIN_FORWARDED_ALLOW_IPS", ""),
        help="Comma-separated addresses (or networks) of reverse proxies whose X-Forwarded-For / "
        "X-Forwarded-Proto are trusted; none by default: the client is the connection's peer.",
    )
    args = parser.parse_args(argv)
    os.environ["FUPIN_ROLE"] = args.role
    os.environ["FUPIN_SERVICE"] = name
    # One app for the life of this process: its start-up heap can leave garbage collection (settings).
    os.environ.setdefault("FUPIN_GC_FREEZE_AFTER_START", "true")
    # Every handler masks resident IDs, mobiles and accounts in what it writes, uvicorn's own too (log_masking).
    configure_logging(args.log_level.upper(), f"%(asctime)s {name} %(levelname)s %(name)s: %(message)s")
    # Proxy headers only from configured proxies (FUPIN_FORWARDED_ALLOW_IPS), none by default.
    forwarded_allow_ips = ",".join(
        item.strip() for item in args.forwarded_allow_ips.split(",") if item.strip()
    )
    uvicorn.run(
        app_path,
        factory=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        log_config=uvicorn_log_config(),
        access_log=False,
        timeout_graceful_shutdown=5,
        lifespan="on",
        # uvicorn's own answer to a request it cannot parse (the app never sees it) as a problem document.
        http=ProblemHttpToolsProtocol,
        # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told otherwise: any local caller then chose
        # the client IP the access audit records and the anonymous rate-limit bucket it is counted in.
        proxy_headers=bool(forwarded_allow_ips),
        forwarded_allow_ips=forwarded_allow_ips or None,
    )
