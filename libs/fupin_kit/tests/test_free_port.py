"""A port handed to a test's server lies outside the kernel's ephemeral range, so no outgoing connection is
given it before the server binds (a full run once failed on "address already in use" for port 39587)."""

from __future__ import annotations

import socket

from fupin_kit.embedded import QUIET_PORTS, free_port


def test_ports_come_from_below_the_ephemeral_range() -> None:
    low, high = QUIET_PORTS
    for _ in range(50):
        port = free_port()
        assert low <= port <= high
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))


def test_the_quiet_range_is_below_this_machines_ephemeral_range() -> None:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as ranges:
        ephemeral_low = int(ranges.read().split()[0])
    assert QUIET_PORTS[1] < ephemeral_low
