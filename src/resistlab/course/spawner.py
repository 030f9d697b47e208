"""The hub's spawner: JupyterHub's local-process spawner, that hands the hub a server's port
only once that user's own server, and no one else, listens there.

JupyterHub's local-process spawner chooses a free port and the server binds it seconds later:
review 73's student, listening on every free loopback port as the instructor's server
started, took it; the hub routed the instructor's own address to her process for the 30 s
until its next poll (the instructor's server had failed on the taken port). Here the start
waits until a socket listens on the port and refuses the server when any socket listening on
it where the proxy's connections to ``127.0.0.1`` arrive is another user's
(:func:`resistlab.course.ports.listening_uids`). Once the user's server
listens on ``127.0.0.1:PORT`` no other user can listen there (Linux refuses a second socket
on a port in use unless both are the same user's).

Imported by the hub only (it needs JupyterHub): ``deploy/jupyterhub/jupyterhub_config.py``
names it.
"""

from __future__ import annotations

import asyncio
import pwd
import time

from jupyterhub.spawner import LocalProcessSpawner

from resistlab.course.ports import listening_uids

__all__ = ["OwnPortSpawner"]


class OwnPortSpawner(LocalProcessSpawner):
    """:class:`~jupyterhub.spawner.LocalProcessSpawner` whose server's port, when the hub
    gets it, is listened on by that user's sockets only."""

    async def start(self):
        ip, port = await super().start()
        uid = pwd.getpwnam(self.user.name).pw_uid
        deadline = time.monotonic() + self.start_timeout
        # (read in a thread: a table of many sockets is slow to read, and the hub's event
        # loop serves every user meanwhile)
        owners = await asyncio.to_thread(listening_uids, port)
        while not owners and self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            owners = await asyncio.to_thread(listening_uids, port)
        if owners != {uid}:
            await self.stop(now=True)
            whose = f"uid(s) {sorted(owners)}" if owners else "no one"
            raise RuntimeError(
                f"the port chosen for {self.user.name}'s server, {port}, is listened on by "
                f"{whose}, not by that server (uid {uid}) alone: another user of the machine "
                "may have taken it; the server is not started (start it again)"
            )
        return ip, port
