"""A throwaway PostgreSQL server on loopback for the tests (Debian's packages, never a mock).

``.ci/apt-install.sh postgresql`` (run by ``make e2e``) installs the server. The cluster lives
in a temporary folder owned by the ``postgres`` system user when the tests run as root
(PostgreSQL refuses to run as root), listens on 127.0.0.1 on a free port and accepts the
``postgres`` role without a password from loopback only (``trust`` in its own pg_hba.conf).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def server_bin(name: str) -> str | None:
    """Path of a PostgreSQL server program (initdb, pg_ctl), newest Debian version first."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(Path(folder) / name, os.X_OK):
            return str(Path(folder) / name)
    return shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_server(folder: Path):
    """Start a cluster in ``folder``; yield its SQLAlchemy base URL (no database name)."""
    initdb, pg_ctl = server_bin("initdb"), server_bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise RuntimeError(
            "PostgreSQL's server programs are not installed: run `make e2e` (it installs "
            "Debian's postgresql package) or `apt-get install postgresql`."
        )
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        os.chmod(folder, 0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
        # The temporary folder's parents must be traversable by the postgres user.
        for parent in folder.parents:
            if parent == Path("/"):
                break
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
    port = _free_port()
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
         "--no-sync"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (data / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\nlocal all all trust\n")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w",
         "start"],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip


def create_database(base_url: str, name: str) -> str:
    """Create database ``name`` on the server; return its SQLAlchemy URL."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{base_url}/{name}"
