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
    open_to_all = [f"{what}: port {port}" for what, port in ports if port >= first]
    if open_to_all:
        raise ValueError(
            "; ".join(open_to_all) + f" (any user of this machine may listen on a free port "
            f"from {first} on, and would receive what is sent there while the hub restarts): "
            f"expected ports below {first}, which only root may listen on"
        )


def listening_uids(port: int) -> set[int]:
    """The uids owning a TCP socket that listens on ``port``, on any address, IPv4 or IPv6
    (``/proc/net/tcp``, ``/proc/net/tcp6`` of this network namespace).

    Examples
    --------
    >>> import os, socket
    >>> with socket.socket() as s:
    ...     s.bind(("127.0.0.1", 0)); s.listen()
    ...     listening_uids(s.getsockname()[1]) == {os.getuid()}
    True
    """
    uids: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
            if len(fields) > 7 and fields[3] == _LISTEN:
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    uids.add(int(fields[7]))
    return uids
