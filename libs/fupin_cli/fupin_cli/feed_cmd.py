"""`fupin feed`: print a division's tier feed from the gateway, one line per event.

Without --follow it pages through the pull API (/feeds/events) to the current end; with --follow it
tails the SSE stream (/feeds/stream) and, when the stream ends or drops, reconnects with Last-Event-ID
and a freshly minted token, so nothing is missed or printed twice. With --tail N it starts with the feed's
last N events instead of its beginning (a province's feed holds every event since the platform began).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.markup import escape

from fupin_cli.tokens import division_in_tree, mint_token
from fupin_kit import divisions

RECONNECT_S = 2.0


@dataclass(frozen=True)
class FeedOptions:
    gateway_url: str
    keys_dir: Path
    division: str
    tier: str | None
    after: int
    follow: bool
    tail: int | None = None


class FeedError(ValueError):
    """A usage error of `fupin feed` (a malformed or unknown division): one line, exit code 2."""


def tier_for(division: str, tier: str | None) -> str:
    """The tier implied by the code's level; an explicit --tier must agree (tokens are checked so)."""
    try:
        level = divisions.level(division)
    except divisions.InvalidDivisionCode as exc:
        raise FeedError(f"{division!r} is not a 12-digit division code") from exc
    return tier or divisions.TIER_NAMES[level]


def check_division(client: httpx.Client, base: str, division: str, headers: dict[str, str]) -> None:
    """The division must be in the registry's tree (through the gateway, with the feed's own token, which
    can read its own node): a well-formed code nobody uses would otherwise print an empty feed. Only a 404
    is an answer; when the registry cannot tell (down, busy), the feed is read anyway (the feed's own
    request reports, or with --follow retries, an unreachable gateway)."""
    if division_in_tree(client, base, division, headers) is False:
        raise FeedError(f"no such division {division}: the registry's division tree does not have it")


def parse_sse(lines: Iterator[str]) -> Iterator[tuple[str, str, str]]:
    """(id, event, data) per dispatched event; comments (keep-alives) and `retry:` are skipped."""
    fields: dict[str, str] = {}
    for line in lines:
        if not line:
            if "data" in fields:
                yield fields.get("id", ""), fields.get("event", "message"), fields["data"]
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            fields[name] = f"{fields['data']}\n{value}" if name == "data" and "data" in fields else value


def format_line(event: dict[str, Any]) -> str:
    data = orjson.dumps(event.get("data", {})).decode()
    if len(data) > 160:
        data = data[:157] + "..."
    return (
        f"[dim]{event['seq']:>8}[/] {escape(event['time'][:19])} [bold]{escape(event['division'])}[/] "
        f"[cyan]{escape(event['type'])}[/] {escape(event.get('subject') or '')} {escape(data)}"
    )


def refusal(response: httpx.Response) -> str:
    """The gateway's own explanation (the problem's detail, e.g. where the feed ends), not just its code."""
    try:
        body = response.json()
        detail = body.get("detail") or body.get("title") if isinstance(body, dict) else None
    except ValueError:
        detail = None
    text = str(detail) if detail else response.text[:300].strip()
    return f"the gateway refused the feed ({response.status_code})" + (f": {text}" if text else "")


def run_feed(options: FeedOptions, console: Console, errors: Console | None = None) -> int:
    """Events on `console` (stdout, meant for a file or a pipe); errors and reconnect notices on `errors`
    (stderr), so `fupin feed > events.log` holds event lines only."""
    errors = errors or Console(stderr=True)
    tier = tier_for(options.division, options.tier)
    base = options.gateway_url.rstrip("/")

    def auth() -> dict[str, str]:
        # Minted per request or reconnection: a long --follow outlives any single token.
        token = mint_token(
            options.keys_dir,
            tier=tier,
            division=options.division,
            roles=[],
            subject="fupin-feed",
        )
        return {"Authorization": f"Bearer {token}"}

    if options.tail is not None and options.after:
        raise FeedError("give either --after (resume) or --tail (start with the last events), not both")
    after = options.after
    with httpx.Client(timeout=httpx.Timeout(10.0, read=None)) as client:
        check_division(client, base, options.division, auth())
        # The first page is the feed's last N events: without --follow that is all there is to print.
        first: dict[str, Any] = {"tail": options.tail} if options.tail is not None else {"after": after}
        if not options.follow or options.tail is not None:
            while True:
                try:
                    response = client.get(
                        f"{base}/feeds/events", params={**first, "limit": 500}, headers=auth()
                    )
                except httpx.TransportError as exc:
                    errors.print(
                        f"[red]cannot reach the gateway at {escape(base)}: {escape(str(exc))}[/]",
                        soft_wrap=True,
                    )
                    return 1
                if response.is_error:
                    errors.print(f"[red]{escape(refusal(response))}[/]", soft_wrap=True)
                    return 2 if response.status_code in (401, 403, 422) else 1
                page = response.json()
                for event in page["events"]:
                    console.print(format_line(event), highlight=False, soft_wrap=True)
                after = page["next_after"]
                if not page["events"] or "tail" in first:
                    break
                first = {"after": after}
            if not options.follow:
                return 0
        while True:
            try:
                headers = {**auth(), "Last-Event-ID": str(after), "Accept": "text/event-stream"}
                with client.stream("GET", f"{base}/feeds/stream", headers=headers) as response:
                    if response.is_error:
                        response.read()  # the problem's detail, read while the response is open
                        if response.status_code in (401, 403, 422):
                            errors.print(f"[red]{escape(refusal(response))}[/]", soft_wrap=True)
                            return 2
                        errors.print(
                            f"[yellow]{escape(refusal(response))}; retrying after {after}[/]", soft_wrap=True
                        )
                    else:
                        for seq, _event_type, data in parse_sse(response.iter_lines()):
                            console.print(format_line(orjson.loads(data)), highlight=False, soft_wrap=True)
                            after = int(seq)
            except httpx.TransportError as exc:
                errors.print(
                    f"[yellow]feed connection lost ({escape(str(exc))}); reconnecting after {after}[/]",
                    soft_wrap=True,
                )
            time.sleep(RECONNECT_S)
