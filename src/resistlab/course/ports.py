"""Which user listens on a loopback port of a hub's machine.

On a hub every student is a Linux user of the machine that runs the hub, with a shell (a
terminal of their server), and any user may listen on a free TCP port from
``/proc/sys/net/ipv4/ip_unprivileged_port_start`` (1024) on, loopback included. Review 73: a
student's process took the proxy's public and API ports while the hub restarted (the new
proxy could not bind them, the hub took hers for it: she saw every login and the
instructor's session), and the port the hub had chosen for the instructor's server before
that server bound it (the hub sent the instructor's own address to her process).

:func:`check_root_ports` refuses a port of the hub's own that any user may take (the hub's
configuration calls it when the hub starts); :func:`listening_uids` says whose sockets listen
on a port (the hub's spawner checks, before it routes a server's address, that only that
user's do).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["check_root_ports", "first_open_port", "listening_uids"]

_LISTEN = "0A"  # the state column of /proc/net/tcp for a listening socket


def first_open_port() -> int:
    """The first TCP port any user may listen on (``ip_unprivileged_port_start``; 1024 where
    the kernel does not say)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_unprivileged_port_start").read_text())
    except (OSError, ValueError):
        return 1024


def check_root_ports(ports: Iterable[tuple[str, int]]) -> None:
    """Raise ``ValueError`` naming each ``(what, port)`` that any user of the machine may
    listen on, so could take while the hub (re)starts.

    Examples
    --------
    >>> check_root_ports([("the proxy's API", 81)])
    >>> check_root_ports([("the hub", 8081)])
    Traceback (most recent call last):
    ...
    ValueError: the hub: port 8081 ...
    """
    first = first_open_port()
    # (port 0 asks the kernel for any free port: one from ``first`` on)
    open_to_all = [f"{what}: port {port}" for what, port in ports if not 0 < port < first]
    if open_to_all:
        raise ValueError(
            "; ".join(open_to_all) + f" (any user of this machine may listen on a free port "
            f"from {first} on, and would receive what is sent there while the hub restarts): "
            f"expected ports below {first}, which only root may listen on"
        )


# How /proc/net/tcp{,6} write the local addresses that receive a connection to 127.0.0.1
# (each 32-bit word in the host's order, little-endian here): 127.0.0.1 and 0.0.0.0, and in
# IPv6 the any address (dual-stack unless IPV6_V6ONLY, which the table does not show) and the
# IPv4-mapped 127.0.0.1 and 0.0.0.0
_TO_LOOPBACK = frozenset(
    (
        "0100007F",
        "00000000",
        "0" * 32,
        "0000000000000000FFFF00000100007F",
        "0000000000000000FFFF000000000000",
    )
)


def listening_uids(port: int) -> set[int]:
    """The uids owning a TCP socket that listens on ``port`` where a connection to
    ``127.0.0.1:port`` reaches it: on 127.0.0.1 or the any address, IPv4 or IPv6
    (``/proc/net/tcp``, ``/proc/net/tcp6`` of this network namespace).

    A socket on another address (``[::1]``, ``127.0.0.2``) receives none of what the proxy
    sends to ``127.0.0.1`` and is not counted (review 73 D: counted, a student listening on
    ``[::1]`` at a classmate's port had the classmate's every start refused). Only the lines
    holding the port are split (a student's 57,000 sockets had made each read of the whole
    table slow).

    Examples
    --------
    >>> import os, socket
    >>> with socket.socket() as s:
    ...     s.bind(("127.0.0.1", 0)); s.listen()
    ...     listening_uids(s.getsockname()[1]) == {os.getuid()}
    True
    """
    needle = f":{port:04X} "
    uids: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            text = Path(table).read_text()
        except OSError:
            continue
        start = text.find(needle)
        while start != -1:
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", start)
            fields = text[line_start : len(text) if line_end == -1 else line_end].split()
            # sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
            if len(fields) > 7 and fields[3] == _LISTEN and fields[1].endswith(needle[:-1]):
                address = fields[1].rsplit(":", 1)[0]
                if address in _TO_LOOPBACK:
                    uids.add(int(fields[7]))
            start = text.find(needle, start + 1) if line_end == -1 else text.find(needle, line_end)
    return uids
