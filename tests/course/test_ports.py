"""Who listens on a hub's ports (resistlab.course.ports)."""

import os
import shutil
import socket
import subprocess
import time

import pytest

from resistlab.course.ports import check_root_ports, first_open_port, listening_uids


def _listener(family=socket.AF_INET, address="127.0.0.1"):
    s = socket.socket(family)
    s.bind((address, 0))
    s.listen()
    return s


def test_a_listener_is_reported_with_its_owner_where_connections_to_127_0_0_1_reach_it():
    with (
        _listener() as v4,
        _listener(socket.AF_INET6, "::") as any6,
        _listener(address="0.0.0.0") as any4,
    ):
        for s in (v4, any6, any4):
            assert listening_uids(s.getsockname()[1]) == {os.getuid()}


def test_a_listener_no_connection_to_127_0_0_1_reaches_is_not_counted():
    """Review 73 D: a student's socket on ``[::1]`` (or ``127.0.0.2``) at a classmate's port
    receives nothing the proxy sends to ``127.0.0.1``, but counted, it had the classmate's
    every start refused."""
    with _listener(socket.AF_INET6, "::1") as loop6, _listener(address="127.0.0.2") as other:
        for s in (loop6, other):
            assert listening_uids(s.getsockname()[1]) == set()
        # the same port, then listened on at 127.0.0.1 too: that socket alone is counted
        port = other.getsockname()[1]
        with socket.socket() as mine:
            mine.bind(("127.0.0.1", port))
            mine.listen()
            assert listening_uids(port) == {os.getuid()}


def test_a_socket_bound_but_not_listening_and_a_free_port_are_not():
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        assert listening_uids(bound.getsockname()[1]) == set()


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("runuser") or not os.path.exists("/usr/bin/python3"),
    reason="needs root, runuser and a Python the user nobody can run",
)
def test_another_users_listener_is_reported_as_theirs():
    """What the hub's spawner refuses: the port listened on by a uid not the server's."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        "import socket, time; s = socket.socket(); "
        f"s.bind(('127.0.0.1', {port})); s.listen(); print('up', flush=True); time.sleep(30)"
    )
    proc = subprocess.Popen(
        ["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", code],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "up"
        deadline = time.monotonic() + 10
        while not (owners := listening_uids(port)) and time.monotonic() < deadline:
            time.sleep(0.05)
        import pwd

        assert owners == {pwd.getpwnam("nobody").pw_uid}
    finally:
        proc.kill()
        proc.wait()


def test_ports_any_user_may_take_are_refused_by_name():
    first = first_open_port()
    check_root_ports([("the proxy's API", first - 1), ("the hub", 1)])
    with pytest.raises(ValueError) as err:
        check_root_ports(
            [("the proxy's API", first), ("the hub", 80), ("the site", 65535), ("any", 0)]
        )
    message = str(err.value)
    assert f"the proxy's API: port {first}; the site: port 65535; any: port 0 " in message
    assert "the hub: port" not in message and f"expected ports below {first}" in message
