"""JupyterHub configuration for a resistlab class on one machine (docs/jupyterhub.md).

Every hub user is a Linux user; single-user servers run as that user (LocalProcessSpawner)
from the Python environment the hub runs in, which holds ``resistlab[hub]``. Users are
allowed from two lists, read when the hub starts:

* ``RESISTLAB_HUB_INSTRUCTORS``: comma-separated usernames of the instructors;
* ``RESISTLAB_HUB_ROSTER``: the class roster, a CSV with an ``id`` column (the Linux
  username), the same file ``nbgrader db student import`` reads.

Each server starts with a role configuration folder on ``JUPYTER_CONFIG_PATH`` (this file's
``student/`` or ``instructor/`` folder): students get the Assignment List (fetch, submit,
fetch feedback) without Formgrader or Create Assignment, instructors get everything and their
course in ``~/resistlab``. Both see the nbgrader exchange at ``RESISTLAB_EXCHANGE``
(default ``/srv/nbgrader/exchange``), a folder with mode 1777 that must exist.

The hiding is of the interface only: a student who edits their own Jupyter configuration can
switch Formgrader back on, and it then shows their own files, never the instructor's course
or gradebook (those stay in the instructor's home, mode 0700: the hub refuses to start while
another user may enter an instructor's or a student's home). What protects the course is
file ownership, not this configuration.

Every user's server is served from a subdomain of its own: ``RESISTLAB_HUB_URL`` (default
``http://localhost``) is the hub's address, a user's server is at ``USER.`` that name,
so a page one user's server serves runs on an origin of its own, never on another user's.
The name must be a DNS name with a wildcard entry (and certificate, over TLS); on one
machine, browsers resolve every name under ``localhost`` themselves. The proxy listens on
``RESISTLAB_HUB_BIND_URL`` (default ``http://127.0.0.1:PORT``, PORT that of the hub's address
or 80), its API and the hub on the ports of ``RESISTLAB_HUB_INTERNAL_PORTS`` (default
``801,881``): all three below 1024, which only root may listen on (the hub refuses others:
every student has a shell, and may listen on any free port from 1024 on).

Authentication is JupyterHub's default (PAM: the users' Linux passwords); put your
institution's authenticator here instead.
"""

import csv
import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

c = get_config()  # noqa: F821 - provided by traitlets when JupyterHub loads this file

HERE = Path(__file__).resolve().parent
# Role folders must be readable by every user: keep this folder world-readable.
ROLE_DIRS = {"instructor": HERE / "instructor", "student": HERE / "student"}
EXCHANGE = os.environ.get("RESISTLAB_EXCHANGE", "/srv/nbgrader/exchange")
ENV_BIN = str(Path(sys.executable).parent)  # the hub's environment serves every user


def _usernames(text):
    return [name.strip() for name in text.split(",") if name.strip()]


def _roster_ids(path):
    if not path:
        return []
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if rows and "id" not in rows[0]:
        raise ValueError(f"roster {path}: expected an 'id' column (the Linux username)")
    return [row["id"].strip() for row in rows if row["id"].strip()]


INSTRUCTORS = _usernames(os.environ.get("RESISTLAB_HUB_INSTRUCTORS", ""))
STUDENTS = [s for s in _roster_ids(os.environ.get("RESISTLAB_HUB_ROSTER")) if s not in INSTRUCTORS]

# The course's folder in the exchange is the first instructor's before any student can
# make it (a student who made it first received the class's submissions).
if INSTRUCTORS:
    from resistlab.course.exchange import claim_course_folder

    claim_course_folder(EXCHANGE, "resistlab", INSTRUCTORS)

# No home that other users may enter: the instructor's holds the course (hidden tests,
# gradebook), a student's their work and the secret that fetches their feedback.
from resistlab.course.ports import check_root_ports  # noqa: E402
from resistlab.course.privacy import check_private_homes  # noqa: E402

check_private_homes([*INSTRUCTORS, *STUDENTS])


def _subdomain_host(url: str) -> str:
    """``url`` checked as the hub's public address, whose subdomains serve the users."""
    parsed = urlsplit(url)
    host = parsed.hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        host = ""
    if parsed.scheme not in ("http", "https") or not host or parsed.path.strip("/"):
        raise ValueError(
            f"RESISTLAB_HUB_URL={url!r}: expected the hub's address as http(s)://NAME[:PORT], "
            "NAME a DNS name (each user's server is served at USER.NAME, so not an IP "
            "address; on one machine: http://localhost)"
        )
    return f"{parsed.scheme}://{parsed.netloc}"


# Each user's server on a subdomain of its own, USER.NAME: a page a student serves from her
# server runs on her origin, not on the one of a classmate's or the instructor's server
# (review 72: on one origin its script read the visitor's cookies and acted as the visitor).
HUB_URL = _subdomain_host(os.environ.get("RESISTLAB_HUB_URL", "http://localhost"))
c.JupyterHub.subdomain_host = HUB_URL
BIND_URL = os.environ.get(
    "RESISTLAB_HUB_BIND_URL", f"http://127.0.0.1:{urlsplit(HUB_URL).port or 80}"
)
c.JupyterHub.bind_url = BIND_URL
# The hub's own ports below 1024, which only root may listen on: every student has a shell,
# and a student's process had taken the proxy's ports while the hub restarted (review 73).
INTERNAL_PORTS = os.environ.get("RESISTLAB_HUB_INTERNAL_PORTS", "801,881")
try:
    API_PORT, HUB_PORT = (int(p) for p in INTERNAL_PORTS.split(","))
except ValueError:
    raise ValueError(
        f"RESISTLAB_HUB_INTERNAL_PORTS={INTERNAL_PORTS!r}: expected two port numbers, the "
        "proxy's API's and the hub's, as API,HUB (default 801,881)"
    ) from None
check_root_ports(
    [
        ("the hub's address (RESISTLAB_HUB_BIND_URL)", urlsplit(BIND_URL).port or 80),
        ("the proxy's API (RESISTLAB_HUB_INTERNAL_PORTS)", API_PORT),
        ("the hub (RESISTLAB_HUB_INTERNAL_PORTS)", HUB_PORT),
    ]
)
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{API_PORT}"
c.JupyterHub.hub_port = HUB_PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.Authenticator.allowed_users = set(INSTRUCTORS) | set(STUDENTS)
c.Authenticator.admin_users = set()
c.JupyterHub.load_groups = {
    "instructors": {"users": INSTRUCTORS},
    "students": {"users": STUDENTS},
}

# JupyterHub's local-process spawner, that routes a server's port only when that user's own
# server, and no one else, listens there (review 73: a student took the port chosen for the
# instructor's server before it bound it).
c.JupyterHub.spawner_class = "resistlab.course.spawner.OwnPortSpawner"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [os.path.join(ENV_BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def role_of(user) -> str:
    """``instructor`` for a member of the instructors group, ``student`` otherwise."""
    groups = {group.name for group in user.groups}
    return "instructor" if "instructors" in groups else "student"


def pre_spawn_hook(spawner):
    """Give the server its role's Jupyter configuration and the exchange."""
    role = role_of(spawner.user)
    spawner.environment.update(
        {
            # The environment's bin/ first: nbgrader runs `alembic` by name.
            "PATH": os.pathsep.join([ENV_BIN, "/usr/local/bin", "/usr/bin", "/bin"]),
            "JUPYTER_CONFIG_PATH": str(ROLE_DIRS[role]),
            "RESISTLAB_EXCHANGE": EXCHANGE,
            "RESISTLAB_ROLE": role,
        }
    )


c.Spawner.pre_spawn_hook = pre_spawn_hook
