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


def test_a_listening_socket_is_reported_with_its_owner_on_any_address():
    with _listener() as v4, _listener(socket.AF_INET6, "::") as v6:
        for s in (v4, v6):
            assert listening_uids(s.getsockname()[1]) == {os.getuid()}


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
        check_root_ports([("the proxy's API", first), ("the hub", 80), ("the site", 65535)])
    message = str(err.value)
    assert f"the proxy's API: port {first}; the site: port 65535 " in message
    assert "the hub: port" not in message and f"expected ports below {first}" in message
