"""Execute one notebook in a sandboxed kernel and survive what student code does to it.

:class:`GradingExecute` is nbgrader's own ``Execute`` preprocessor (same timeout,
interrupt-on-timeout, error handling and ``on_cell_executed`` bookkeeping, so an honest
notebook gets exactly the outputs ``nbgrader autograde`` would record) with these additions:

* the kernel is started through the :mod:`~resistlab.course.grading.sandbox` launcher, talks to the
  grader over UNIX sockets (``transport="ipc"``) in its own scratch folder, and gets a clean
  environment (no variable of the grader's leaks in);
* a kernel that dies (``os._exit``, a crash, memory exhausted) or stops answering interrupts
  costs only the cell it was running: the kernel is restarted, the cells before it are run
  again silently to rebuild the state, and grading goes on with the next cell (at most
  ``max_restarts`` times; after that the remaining cells are marked as not run);
* no part of a message larger than :data:`MAX_MESSAGE_BYTES` is read from the kernel (ZeroMQ
  drops it, and the kernel is restarted as a hung one); while the notebook runs, this
  process may grow by at most :data:`EXECUTE_MEMORY_BYTES` (``memory_bytes``: a message of
  many parts is received whole, and JSON is decoded before it is counted); every output
  message (stream, display, update, result, error) is counted as it arrives, per cell
  (``max_output_bytes``) and per notebook (``max_notebook_bytes``); past a cap only a short
  form of errors, results and stderr is kept, so the cap can never turn a failing test into a
  pass; no cell runs past the submission's ``deadline`` (replays included);
* what the kernel writes to its scratch folder is measured every 0.2 s by a process of the
  worker's own (``_DiskWatch``): past
  :data:`MAX_SCRATCH_BYTES` or :data:`MAX_SCRATCH_ENTRIES` the kernel is stopped, the rest of
  the notebook is not run, and what it added is removed;
* test cells are handed to the :mod:`~resistlab.course.grading.sealed` runner (``sealed``): they
  run in the grader and never in the kernel, not even when cells are replayed after a restart;
* a restarted kernel gets fresh configuration folders (``fresh_home``): what an earlier kernel
  wrote there (an IPython startup file, a kernel config) is never run.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_client.session import Session
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Any, Dict, DottedObjectName, Float, Integer, List, Type, Unicode, default

from .flags import Flag
from .memory import memory_bound, unbounded_child
from .sandbox import (
    _BATCH,
    AUDIT_CHECK,
    TRAMPOLINE,
    _batches,
    kernel_command,
    remove_path,
    status_path,
    subordinate_ids,
)
from .sealed_agent import MAX_BYTES as ANSWER_BYTES

__all__ = ["GradingExecute", "GradingKernelManager", "WarmKernels", "remove_tree"]

_TEMPLATE_SCRIPT = str(Path(__file__).with_name("kernel_template.py"))
_SANDBOX_SCRIPT = str(Path(__file__).with_name("sandbox.py"))
#: Largest part of one message the grader reads from a kernel (bytes). The largest honest one
#: is a sealed test's answer: at most ``sealed_agent.MAX_BYTES`` of JSON, escaped twice (its
#: ``repr``, then the message's JSON), which doubles each backslash twice.
MAX_MESSAGE_BYTES = 4 * ANSWER_BYTES + 2**20
#: Address space the grader may add to its own process while a notebook runs (bytes): what a
#: kernel sends is held before it can be counted (a message of many parts, each under
#: MAX_MESSAGE_BYTES, is received whole; JSON of millions of empty lists decodes to 28 times
#: its size). Past it the message is dropped or the cell fails with ``MemoryError``, and the
#: kernel is restarted. An honest notebook adds under 0.2 GiB; a sealed test's answer of 63 MB
#: of JSON (30 million backslashes, each escaped again in the message) took the worker to
#: 689 MiB resident.
EXECUTE_MEMORY_BYTES = 2 * 2**30
_DEBUG = bool(os.environ.get("RESISTLAB_GRADING_DEBUG"))


# --- warm kernels (see kernel_template.py) ---------------------------------------------------


class _ForkedKernel:
    """A ``subprocess.Popen`` look-alike for a kernel forked by a template.

    The kernel is the template's child, not ours: it is watched and signalled through a
    process file descriptor (``pidfd``), which cannot reach another process that later
    reuses the id. Its exit status goes to the template, so ``returncode`` is ``-1`` once it
    has exited.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self._exited()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self._pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            self._exited()
        return self.returncode

    def _exited(self) -> None:
        self.returncode = -1
        os.close(self._pidfd)

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def __del__(self):
        if self.returncode is None:
            try:
                os.close(self._pidfd)
            except OSError:
                pass


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (``/proc/PID/task/*/children``; at most 10,000)."""
    found, todo, seen = [], [pid], set()
    while todo and len(found) < 10_000:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return found


def _host_pid(root: int, inner: int, timeout: float = 5.0) -> int | None:
    """The process id, as the grader sees it, of process ``inner`` of the PID namespace
    whose processes descend from ``root`` (bubblewrap's process)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        for pid in _descendants(root)[1:]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                line = next(ln for ln in status.splitlines() if ln.startswith("NSpid:"))
                if int(line.split()[-1]) == inner and len(line.split()) > 2:
                    return pid
            except (OSError, StopIteration, ValueError):
                continue
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)


def _drain(fd: int, path: str, limit: int = 1 << 20) -> threading.Thread:
    """Copy what a kernel writes on its audit pipe to ``path`` (the first ``limit`` bytes),
    in a thread; the kernel can add lines, never rewrite or remove one.

    The pipe's first line is the launcher's status, written before the kernel ran: it goes
    to :func:`~.sandbox.status_path` alone, so a status the kernel writes later is no more
    than a line of its audit (read as tampering)."""

    def run():
        written, first = 0, b""
        with open(path, "ab") as out:
            while True:
                try:
                    block = os.read(fd, 65536)
                except OSError:
                    break
                if not block:
                    break
                if first is not None:  # the status line is not complete yet
                    first += block
                    if b"\n" not in first and len(first) < limit:
                        continue
                    status, _, block = first.partition(b"\n")
                    with open(status_path(path), "ab") as report:
                        report.write(status[:65536] + b"\n")
                    first = None
                if written < limit:
                    out.write(block[: limit - written])
                    out.flush()
                    written += len(block)
        os.close(fd)

    thread = threading.Thread(target=run, name="resistlab-audit", daemon=True)
    thread.start()
    return thread


class WarmKernels:
    """A worker's warm kernel templates: one per kernel Python, started on first use.

    Parameters
    ----------
    folder : path-like
        The templates' home (their matplotlib configuration lives here). Kernels may read it:
        add it to their sandbox policy.
    env : dict
        The templates' complete environment (variables read at import time, such as
        ``MPLBACKEND`` and the thread counts, must match the kernels').
    preload : list of str
        Modules each template imports once (empty: every kernel imports afresh).
    start_timeout : float
        Seconds a template may take to import ``preload``.
    bwrap : str, optional
        The ``bwrap`` program: the template (and so every kernel forked from it) runs in a
        bubblewrap sandbox made of ``read`` (read only) and ``slot`` (read-write), with its
        own PID, network and IPC namespaces, as ``uid`` when the grader is root, in a group
        with ``memory_bytes``/``processes`` limits (:class:`~.sandbox.GroupLimits`; with
        ``cgroups=False`` only the per-process and per-uid rlimits, the fallback).
    """

    def __init__(
        self,
        folder,
        env: dict,
        preload,
        start_timeout: float = 120,
        *,
        bwrap: str | None = None,
        read=(),
        slot: str | None = None,
        uid: int | None = None,
        memory_bytes: int | None = None,
        processes: int | None = None,
        cgroups: bool = True,
    ):
        self.folder = Path(folder)
        self.env = dict(env)
        self.preload = list(preload)
        self.start_timeout = start_timeout
        self.bwrap = bwrap
        self.read = list(read)
        self.slot = slot
        self.uid = uid
        self.memory_bytes, self.processes = memory_bytes, processes
        self.cgroups = cgroups  # False: rlimits only, as where no cgroup can be made
        self.templates: dict[str, tuple | None] = {}
        self.starting: dict[str, tuple] = {}  # started, not yet ready (:meth:`start`)
        self.launched = 0  # templates started so far
        self.groups: dict[str, object] = {}
        self.notes: list[str] = []  # why a template could not be used (kernels start cold)
        self.forked = 0  # kernels forked so far
        self.outside: dict = {"applied": [], "missing": {}}
        self.audits: list[threading.Thread] = []

    @staticmethod
    def available() -> bool:
        """Warm kernels need ``fork`` and process file descriptors (Linux 5.3 or later)."""
        return sys.platform.startswith("linux") and hasattr(os, "pidfd_open")

    def spawn(self, python: str, argv: list[str], *, env: dict, cwd: str, policy: str, again=True):
        """Fork a kernel (``python ARGV``) from the template; ``None`` if there is none.

        A template that no longer forks (one a kernel killed) is replaced, once per call."""
        self.clean(python)  # a sandbox left as it cannot be given to the next is replaced
        template = self._template(python)
        if template is None:
            return None
        process, channel = template
        content = None
        fds = []
        if policy:
            content = json.loads(Path(policy).read_text(encoding="utf-8"))
            if self.bwrap:
                content["namespaces"] = False
                content["outside"] = self.outside
            # A socket, not a pipe: a kernel under the grader's own uid had reopened its
            # pipe's write end through /proc/self/fd for reading and taken the records it
            # chose before the worker read them; a socket cannot be reopened so, and the
            # kernel's end is shut for reading
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            ours.shutdown(socket.SHUT_WR)
            theirs.shutdown(socket.SHUT_RD)
            read_end, write_end = ours.detach(), theirs.detach()
            fds = [write_end]
            self.audits.append(_drain(read_end, content["audit_path"]))
        request = {"argv": argv, "env": env, "cwd": str(cwd), "policy": content}
        try:
            socket.send_fds(channel, [json.dumps(request).encode()], fds)
            reply = json.loads(channel.recv(1 << 16) or b"{}")
        except (OSError, ValueError) as err:
            reply = {"error": f"{type(err).__name__}: {err}"}
        finally:
            for fd in fds:
                os.close(fd)
        pid = reply.get("pid")
        if pid is not None and self.bwrap:
            pid = _host_pid(process.pid, pid)
            if pid is None:
                reply = {"error": "the forked kernel could not be found"}
        if pid is None:
            self._stop(python)
            if again:  # a fresh template for this kernel
                self.templates.pop(python, None)
                return self.spawn(python, argv, env=env, cwd=cwd, policy=policy, again=False)
            self.notes.append(f"kernel template for {python}: {reply.get('error', 'no reply')}")
            return None
        if self.preload:  # forked from a template that preloaded modules (a warm kernel)
            self.forked += 1
        return _ForkedKernel(pid)

    def sandbox_pid(self, python: str) -> int | None:
        """The process every process of the template's sandbox descends from (bubblewrap's),
        or ``None`` where kernels run in no sandbox of the template's."""
        template = self.templates.get(python)
        return template[0].pid if template is not None and self.bwrap else None

    def clean(self, python: str) -> None:
        """Kill every process a kernel left in the template's sandbox (daemons included) and
        empty its ``/dev/shm``; a sandbox that cannot be emptied is stopped (the next kernel
        starts in a fresh one)."""
        template = self.templates.get(python)
        if template is None or not self.bwrap:
            return
        _process, channel = template
        try:
            channel.send(json.dumps({"op": "clean"}).encode())
            reply = json.loads(channel.recv(1 << 16) or b"{}")
        except (OSError, ValueError):  # the template died (or no longer answers)
            reply = {}
        if reply.get("emptied") is not True:
            self._stop(python)
            self.templates.pop(python, None)  # the next kernel starts a fresh template

    def start(self, python: str) -> None:
        """Begin starting the template of ``python`` without waiting for it: its imports run
        while the worker does other work; the first :meth:`spawn` waits until it is ready."""
        if python not in self.templates and python not in self.starting:
            launched = self._launch(python)
            if launched is not None:
                self.starting[python] = launched

    def _template(self, python: str):
        if python in self.templates:
            return self.templates[python]
        launched = self.starting.pop(python, None) or self._launch(python)
        if launched is None:
            return None
        process, ours = launched
        ours.settimeout(self.start_timeout)
        try:
            ready = json.loads(ours.recv(1 << 16) or b"{}")
        except (OSError, ValueError):
            ready = {}
        if "ready" not in ready:
            self.notes.append(f"kernel template for {python} did not start")
            process.kill()
            process.wait()
            ours.close()
            self.templates[python] = None
            return None
        ours.settimeout(30)
        self.templates[python] = (process, ours)
        return self.templates[python]

    def _launch(self, python: str):
        """Start the template's process: ``(process, channel)``, or ``None`` (noted)."""
        from .sandbox import GroupLimits, bwrap_argv, own_again

        if self.launched:  # a kernel under the template's uid may have taken its home's
            own_again(self.folder)  # modes away: no later template could start there
        self.launched += 1

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [
            python,
            _TEMPLATE_SCRIPT,
            "serve",
            str(theirs.fileno()),
            json.dumps(self.preload),
        ]
        preexec = unbounded_child  # not the worker's bound while it receives messages
        if self.bwrap:
            command += [str(self.uid) if self.uid is not None else "-", "--pidns"]
            # The template's home is writable by the template (matplotlib's caches); the
            # kernels' Landlock rules let them write only their own scratch folder.
            read = [*self.read, _TEMPLATE_SCRIPT]
            command = bwrap_argv(read, [self.slot, str(self.folder)], bwrap=self.bwrap) + command
            group = GroupLimits(
                f"resistlab-{Path(self.slot).parent.name}-{os.getpid()}-{len(self.groups)}",
                self.memory_bytes if self.cgroups else None,
                self.processes if self.cgroups else None,
            )
            self.groups[python] = group
            applied = ["bwrap", "pidns", "netns", "mountns", "ipcns", "no_fds"]
            missing = {}
            if group.applied:
                applied.append(group.applied)
                preexec = functools.partial(_enter_group, group)
            elif self.memory_bytes or self.processes:
                # No cgroup here: the documented fallback is RLIMIT_AS per process and
                # RLIMIT_NPROC, counted on the kernels' own uid when the grader is root.
                applied.append("rlimits_fallback")
            if self.uid is not None:
                applied.append("own_uid")
            self.outside = {"applied": applied, "missing": missing}
        try:
            process = subprocess.Popen(
                command,
                pass_fds=[theirs.fileno()],
                env=self.env,
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL if self.bwrap else None,
                stderr=subprocess.DEVNULL if self.bwrap and not _DEBUG else None,
                start_new_session=True,
                preexec_fn=preexec,
            )
        except OSError as err:
            self.notes.append(f"kernel template for {python}: {err}")
            ours.close()
            self.templates[python] = None
            return None
        finally:
            theirs.close()
        return process, ours

    def _stop(self, python: str) -> None:
        template = self.templates.get(python)
        self.templates[python] = None
        group = self.groups.pop(python, None)
        starting = self.starting.pop(python, None)
        if starting is not None:  # started, never used: nothing of it to wait for
            process, channel = starting
            process.kill()
            process.wait()
            channel.close()
        if template is not None:
            process, channel = template
            channel.close()  # EOF: the template exits (and its sandbox with it)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if group is not None:
            group.remove()

    def close(self) -> None:
        """Stop every template (their kernels are already gone), those still starting too."""
        for python in [*self.templates, *self.starting]:
            self._stop(python)


def _enter_group(group) -> None:
    """``preexec_fn`` of a template: the worker's limits, then the sandbox's group."""
    unbounded_child()
    group.enter()


class _WarmProvisioner(LocalProvisioner):
    """Launch the kernel by forking the worker's template; fall back to ``Popen`` (without
    the worker's memory bound, :func:`~.memory.unbounded_child`)."""

    async def launch_kernel(self, cmd, **kwargs):
        km = self.parent
        plain = km.plain_cmd
        process = None
        if km.warm is not None and plain[1:3] == ["-m", "ipykernel_launcher"]:
            # As jupyter_client's launch_kernel: the kernel exits if its parent goes away.
            env = {**(kwargs.get("env") or {}), "JPY_PARENT_PID": str(os.getpid())}
            process = km.warm.spawn(
                plain[0],
                plain[1:],
                env=env,
                cwd=str(kwargs.get("cwd") or os.getcwd()),
                policy=km.policy_path,
            )
        if process is None:
            if km.warm is not None and km.warm.bwrap and km.policy_path:
                raise RuntimeError(
                    "the sandboxed kernel could not start: " + "; ".join(km.warm.notes[-1:])
                )
            return await super().launch_kernel(cmd, preexec_fn=unbounded_child, **kwargs)
        self._python = plain[0]
        self.process = process
        self.pid = self.pgid = process.pid  # the kernel leads its own session
        self.cwd = kwargs.get("cwd")
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        # Whatever the kernel left running in its sandbox (double-forked daemons) dies now.
        python = getattr(self, "_python", None)
        if python and self.parent.warm is not None:
            self.parent.warm.clean(python)
        await super().cleanup(restart)


_TRUNCATION_NOTE = "\n... output truncated by the grader (more than {limit} bytes) ...\n"
#: What nbclient says when a cell's reply came but its output never finished arriving (after
#: a message past MAX_MESSAGE_BYTES, ZeroMQ drops the connection for good).
_IOPUB_TIMEOUT = "Timeout waiting for IOPub output"


def _bounded_context():
    """A ZeroMQ context whose sockets take no message part larger than
    :data:`MAX_MESSAGE_BYTES`: a larger one is never read into the grader's memory. ZeroMQ
    drops it and, for good, the connection it came on: the cell's output or reply stops
    arriving and the kernel is restarted as a hung one. Output is capped as it arrives
    (``GradingExecute.max_output_bytes``); this bounds what one message can make arrive."""
    import zmq
    import zmq.asyncio

    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    return context


class _GradingSession(Session):
    """A session whose messages that cannot be decoded are dropped, not raised: a kernel signs
    what it likes, and a JSON integer of 5,000 digits (past Python's limit) or nesting past
    the recursion limit raised out of the message loop and scored the notebook 0. A message
    dropped so answers no request (a cell waiting for it times out)."""

    def deserialize(self, msg_list, content=True, copy=True):
        try:
            msg = super().deserialize(msg_list, content=content, copy=copy)
            if all(isinstance(msg.get(k), dict) for k in ("header", "parent_header", "metadata")):
                return msg
        except (ValueError, TypeError, KeyError, RecursionError):  # MemoryError: see _run
            pass
        return {
            "header": {"msg_id": "", "msg_type": "undecodable"},
            "msg_id": "",
            "msg_type": "undecodable",
            "parent_header": {},
            "metadata": {},
            "content": {},
            "buffers": [],
        }


class GradingKernelClient(AsyncKernelClient):
    """The grader's client of a kernel: its sockets are bounded (:func:`_bounded_context`)."""

    def _context_default(self):
        self._created_context = True
        return _bounded_context()


class GradingKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` that starts its kernel through the sandbox launcher.

    ``policy_path`` empty means no sandbox (the plain kernel command).
    """

    policy_path = Unicode("", help="sandbox policy file ('' for no sandbox)").tag(config=True)
    warm = Any(None, allow_none=True, help="WarmKernels to fork the kernel from (or None)")
    plain_cmd = List(help="the kernel command before the sandbox launcher wraps it")

    client_class = DottedObjectName(f"{__name__}.GradingKernelClient")
    client_factory = Type(GradingKernelClient, klass=AsyncKernelClient)

    def _context_default(self):
        self._created_context = True
        return _bounded_context()

    def _session_default(self):
        return _GradingSession(parent=self)

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = _WarmProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        uid = getattr(self.warm, "uid", None) if self.warm is not None else None
        if uid is not None and self.warm.bwrap and self.policy_path:
            os.chown(self.connection_file, uid, uid)  # the kernel's own uid reads it

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        self.plain_cmd = list(cmd)
        if not self.policy_path:
            return cmd
        if cmd[1:3] != ["-m", "ipykernel_launcher"]:
            raise RuntimeError(
                "the grading sandbox only runs Python (ipykernel) kernels; this kernel's "
                f"command is {cmd!r}. Use `--sandbox off` to grade it unconfined."
            )
        return kernel_command(self.policy_path, cmd)


#: What a kernel may write to its scratch folder (bytes, above what the folder held when the
#: kernel started), and the most files and folders it may hold; past either, the kernel is
#: stopped and the rest of the notebook is not run. The folder is on the host's disk: 10 GB
#: were written in 15 s before this bound.
MAX_SCRATCH_BYTES = 2**30
MAX_SCRATCH_ENTRIES = 10_000


#: Most descriptors and mapping lines the disk watch reads in one check (every thread of every
#: process of the kernel's sandbox): past it the kernel is stopped. 100 processes holding
#: 19,900 descriptors and 20,000 mappings each made one check take more than 15 s, while the
#: kernel wrote three times the bound. An honest kernel holds a few thousand. A mapping line
#: costs one more for every :data:`MAPS_LINE_BYTES` of it: paths of 3.8 KB mapped 1,500
#: times in each of 5 processes slowed checks enough to write 1.49 GB under a 1 GiB bound.
MAX_WATCHED_ITEMS = 100_000
MAPS_LINE_BYTES = 128
#: Longest a check of the disk watch may take: past it the kernel is stopped, for what it
#: writes between two checks is not seen (review 58: one check had lasted 64 s, and 2.5 GB
#: stayed in the folder unseen for 40 s). An honest kernel's check takes milliseconds.
MAX_CHECK_SECONDS = 10.0


#: Listings of a kernel's processes one check makes, each reading the processes that the
#: last did not show, before it stops the kernel (see :func:`_written`).
MAX_LISTINGS = 50


def _written(folder: str, pids, most: int, items: int | None = None):
    """``(bytes, entries, unread)``: what is held under ``folder`` (walked without following
    links, at most ``most`` entries) plus the bytes of removed files that processes ``pids``
    (a list, or a function that lists them: called after the walk, then again until it
    shows no process not yet read, at most :data:`MAX_LISTINGS` times) keep open, in any
    thread's descriptor table (a process whose first thread ended shows none), or keep
    mapped from ``folder`` or as a memfd (the file's blocks, read through ``map_files``; a
    grader without CAP_SYS_ADMIN cannot, and such a mapping stops the kernel). The removed
    files count among the entries. ``unread`` says why not everything could be counted:
    processes that kept appearing, more than ``items``
    (:data:`MAX_WATCHED_ITEMS`) descriptors and mapping lines to read (the rest were not),
    or a folder the grader cannot list or that lies too deep (:func:`_entries`); else
    ``""``."""
    paths, unread = _entries(folder, most + 1, paths=False)
    if unread:  # nothing below that folder can be counted
        return 0, len(paths), unread
    size = sum(paths.values())
    seen: set[tuple[int, int]] = set()  # (device, inode) of the files counted
    budget = [MAX_WATCHED_ITEMS if items is None else items]
    # review 64: the processes had been listed before the walk, and a process that holds
    # removed files and forks when the walk starts (the folder's access time tells it), its
    # parent exiting, was never read: 3 GB were held so under a 1 GiB bound
    listing = pids if callable(pids) else lambda: pids
    done: set[int] = set()
    for _ in range(MAX_LISTINGS):
        new = [pid for pid in listing() if pid not in done]
        if not new:
            break
        done.update(new)
        held = _held_by(new, folder, seen, budget)
        if isinstance(held, str):
            return size, len(paths), held
        size += held
    else:
        return size, len(paths), "kept starting processes while it was checked"
    # the removed files it holds count among its files (review 62: 40,000 of them, each
    # kept by a mapping, had passed the bound on files and folders)
    return size, len(paths) + len(seen), ""


def _held_by(pids, folder: str, seen: set, budget: list[int]) -> int | str:
    """Bytes of the removed files ``pids`` hold (see :func:`_written`), or why they could not
    be counted."""
    size = 0
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        # the threads share the process's descriptor table (the sandbox refuses a thread
        # its own) and its mappings: each read once, through one thread that shows it
        readers = (
            lambda task: _removed_open(task, seen, budget),
            lambda task: _mapped_removed(task, folder, seen, budget),
        )
        try:
            for read in readers:
                for task in tasks:
                    held = read(f"/proc/{pid}/task/{task}")
                    if held is not None:
                        size += held
                        break
        except PermissionError:  # review 59: a kernel made itself not dumpable, under the
            # grader's own uid, and 2.5 GB of removed files and memfds were counted as none
            if _ended(pid):  # review 64: a child ended, not yet waited for, holds nothing
                continue
            return "hid its descriptors and mappings from the grader"
        except _Unmeasured:  # (an unprivileged grader: fail closed)
            return "mapped a removed file whose size the grader cannot read"
        if budget[0] < 0:
            return f"held more than {MAX_WATCHED_ITEMS:,} descriptors and mappings"
    return size


def _ended(pid: int) -> bool:
    """Whether every thread of process ``pid`` has ended or is ending (a zombie, or a thread
    that has released its memory on the way out: no ``VmSize`` in its status; review 65: an
    honest ``multiprocessing`` child caught so, not yet a zombie, had stopped its kernel), or
    it is gone: Linux then shows its descriptors and mappings to no one but root. A zombie
    has released its memory too, so one look at each thread's status serves both."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return True
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/status", "rb") as fh:
                if b"\nVmSize:" in fh.read():
                    return False  # (a thread with memory: alive)
        except OSError:
            continue
    return True


def _removed_open(task: str, seen: set, budget: list[int]) -> int | None:
    """Bytes of removed regular files in ``task``'s descriptor table (files not in ``seen``,
    by device and inode: review 60, a memfd given a removed file's inode number had hid the
    file; added to it), or None if it shows none (a thread that ended). Each descriptor
    listed costs one of ``budget[0]``, read or not: read once a thread, 6,000 open files had
    cost a kernel of 15 threads the whole budget (review 57), and listed once a thread, 241
    threads sharing 19,900 descriptors had made one check last 64 s (review 58)."""
    try:
        fds = os.listdir(f"{task}/fd")
    except PermissionError:  # a process the grader may not inspect: told to _written
        raise
    except OSError:
        return None
    if not fds:
        return None
    room = max(0, budget[0]) + 1
    budget[0] -= len(fds)
    size = 0
    for fd in fds[:room]:
        try:
            info = os.stat(f"{task}/fd/{fd}")
        except OSError:
            continue
        key = (info.st_dev, info.st_ino)
        if info.st_nlink == 0 and stat.S_ISREG(info.st_mode) and key not in seen:
            seen.add(key)
            size += info.st_blocks * 512
    return size


def _mapped_removed(task: str, folder: str, seen: set, budget: list[int]) -> int | None:
    """Bytes of the removed files under ``folder``, and memfds, that ``task`` maps (each file's
    blocks, once by device and inode, not in ``seen``; added to it), or None if it shows no
    mapping (a thread that ended); :class:`_Unmeasured` where the grader may not read one. A
    file mapped, closed and removed is in no folder and no descriptor table, but its pages
    still reach the disk. Each line read costs one of ``budget[0]``, and the text read one more
    per :data:`MAPS_LINE_BYTES`."""
    try:  # read whole (in C): at most what the budget allows, the rest is not needed
        with open(f"{task}/maps", "rb") as maps:
            data = maps.read((max(0, budget[0]) + 1) * MAPS_LINE_BYTES)
    except PermissionError:  # a process the grader may not inspect: told to _written
        raise
    except OSError:
        return None
    if not data:
        return None
    budget[0] -= data.count(b"\n") + len(data) // MAPS_LINE_BYTES
    kept = (os.fsencode(folder.rstrip("/") + "/"), b"/memfd:")
    files = (task.rpartition("/task/")[0] or task) + "/map_files/"  # (not per thread)
    mapped: dict[tuple[int, int], int] = {}
    if b" (deleted)\n" in data:
        for line in data.splitlines():
            if not line.endswith(b" (deleted)"):
                continue
            fields = line.split(maxsplit=5)
            if len(fields) < 6 or not fields[5].startswith(kept):
                continue
            try:
                start, end = (int(x, 16) for x in fields[0].split(b"-"))
                major, minor = (int(x, 16) for x in fields[3].split(b":"))
                inode = (os.makedev(major, minor), int(fields[4]))
            except ValueError:
                continue
            if inode in seen or inode in mapped:
                continue
            # review 62: the file's own blocks, not the mapping's length (one page of a
            # 500 MB file, its descriptors closed, had counted 4 KB); Linux shows a mapped
            # file only to a grader with CAP_SYS_ADMIN (root): another cannot measure it
            budget[0] -= 1
            try:
                info = os.stat(files + fields[0].decode("ascii"))
            except PermissionError:
                raise _Unmeasured from None
            except OSError:  # unmapped meanwhile
                continue
            mapped[inode] = max(info.st_blocks * 512, end - start)
    seen.update(mapped)
    return sum(mapped.values())


class _Unmeasured(Exception):
    """A kernel maps a removed file whose size the grader may not read."""


class _DiskWatch:
    """Stop a kernel that writes more than ``limit`` bytes (or ``entries`` files and folders)
    to its scratch folder, counting deleted files its processes keep open or mapped (the processes
    below ``root``, the kernel's sandbox, so that daemons it orphaned count too; the kernel
    by default); checked every ``interval`` seconds. ``why`` says what was exceeded.
    ``baseline``: the first watch's of the notebook (``.baseline``): what a kernel that died
    left counts against the next kernel in the same folder (each restarted kernel had a
    fresh 1 GiB: 3.6 GB were held so).

    The checks run in a process of their own, forked from the worker: in a thread of the
    worker, they had waited on everything the worker did with Python's global lock held
    (review 66: messages of 12 MB of empty lists, which the worker decodes in one call of
    0.9 s, kept a check waiting while the kernel put 3.1 GB on the disk under a 1 GiB bound).
    It writes why it stopped the kernel to a pipe before it kills it, and ends when the
    worker closes its end of another pipe (or ends)."""

    def __init__(
        self,
        folder: str,
        process,
        limit: int,
        entries: int,
        interval: float = 0.2,
        root: int | None = None,
        baseline: tuple | None = None,
    ):
        self.folder, self.process, self.limit, self.entries = folder, process, limit, entries
        self.root = root or process.pid
        self._why = ""
        if baseline is None:
            held, _ = _entries(folder, entries + 1)
            baseline = (sum(held.values()), frozenset(held))
        self.baseline = baseline
        self._start, self._held = baseline
        try:  # the kernel by a descriptor of its own: never another process given its id
            target = os.pidfd_open(process.pid)
        except (AttributeError, OSError):
            target = None
        stop_r, self._stop_w = os.pipe()
        self._why_r, why_w = os.pipe()
        with warnings.catch_warnings():  # (Python 3.12 warns of a fork with threads)
            warnings.simplefilter("ignore", DeprecationWarning)
            self._child = os.fork()
        if self._child == 0:
            try:  # it keeps no descriptor of the worker's but its three (a pipe's write end
                # held here would keep a reader of the worker's waiting for its end)
                low = 3
                for fd in sorted({stop_r, why_w, target} - {None}):
                    os.closerange(low, fd)
                    low = fd + 1
                os.closerange(low, os.sysconf("SC_OPEN_MAX"))
                self._run(interval, stop_r, why_w, target)
            except BaseException as err:  # (a watch that fails stops its kernel)
                with contextlib.suppress(BaseException):
                    os.write(why_w, f"could not be checked ({type(err).__name__})".encode())
                    self._stop_kernel(target)
            finally:
                os._exit(0)
        for fd in (stop_r, why_w, target):
            if fd is not None:
                os.close(fd)

    @property
    def why(self) -> str:
        """Why the kernel was stopped ("" while it was not)."""
        if not self._why and self._why_r is not None:
            poller = select.poll()
            poller.register(self._why_r, select.POLLIN)
            if poller.poll(0):  # written (then the kernel killed, and the watcher ends)
                self._read()
        return self._why

    def _read(self) -> None:
        chunks = []
        while chunk := os.read(self._why_r, 4096):
            chunks.append(chunk)
        os.close(self._why_r)
        self._why_r = None
        self._why = self._why or b"".join(chunks).decode()

    def _run(self, interval: float, stop: int, report: int, target: int | None) -> None:
        """The watcher's loop (in its own process)."""
        poller = select.poll()
        poller.register(stop, select.POLLIN)
        while not poller.poll(interval * 1000):  # (the worker closed its end: done)
            began = time.monotonic()
            why = ""
            try:
                listing = functools.partial(_descendants, self.root)
                size, entries, unread = _written(self.folder, listing, self.entries)
            except Exception as err:  # review 61: a MemoryError had ended the watch, unseen
                size, entries, unread = 0, 0, f"could not be checked ({type(err).__name__})"
            if unread:
                why = unread
            elif time.monotonic() - began > MAX_CHECK_SECONDS:
                why = f"took more than {MAX_CHECK_SECONDS:g} s to check"
            elif size - self._start > self.limit:
                why = f"wrote more than {self.limit // 2**20} MiB to its folder"
            elif entries > self.entries:
                why = f"made more than {self.entries} files and folders in its folder"
            if why:
                os.write(report, why.encode())
                self._stop_kernel(target)
                return

    def _stop_kernel(self, target: int | None) -> None:
        """Kill the kernel and every process of its sandbox, the PID namespace's first among
        them (whose end ends the rest): review 67, the kernel alone killed, its other
        processes wrote 3.7 GB while the worker was held before it stopped them. They are
        listed before the kernel dies (outside a PID namespace of its own, its children then
        leave its tree) and again after."""
        below = _descendants(self.root)
        with contextlib.suppress(OSError):  # it may have ended meanwhile
            if target is not None:
                signal.pidfd_send_signal(target, signal.SIGKILL)
            else:
                os.kill(self.process.pid, signal.SIGKILL)
        for pid in dict.fromkeys(below + _descendants(self.root)):
            if pid != self.root or self.root == self.process.pid:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self._stop_w is not None:
            os.close(self._stop_w)
            self._stop_w = None
            if self._why_r is not None:
                self._read()  # (until the watcher ends)
            with contextlib.suppress(ChildProcessError):
                _, status = os.waitpid(self._child, 0)
                if os.WIFSIGNALED(status) and not self._why:  # (fail closed)
                    self._why = "could not be checked (its watcher was killed)"

    def clean(self, bounded: bool = True) -> None:
        """Remove what the kernel added to its folder (what the folder held when the watch
        started stays: the submission's files, the kernel's configuration and sockets): the
        topmost added entries, found by listing the folder and the sub-folders it held
        (through folder descriptors, never following a link), removed :data:`_BATCH` at a
        time by :func:`remove_tree` (a folder goes with what it holds). ``bounded``: at
        most ten times the bound on entries are looked at, as processes the kernel left may
        still be adding to the folder (the rest goes with the scratch folder); ``False``
        once a sandbox's processes are all stopped (:meth:`WarmKernels.clean`): nothing can
        be added any longer, and all of it goes."""
        batch: list[str] = []
        looked = 0
        most = 10 * self.entries if bounded else None

        def empty(path: str, name: str, parent: int | None) -> None:
            nonlocal looked
            try:
                fd, _ = _open_folder(name, parent)
            except OSError:  # a link, gone, or unreadable still
                return
            try:
                with os.scandir(fd) as scan:
                    for entry in scan:
                        looked += 1
                        if most is not None and looked > most:
                            break
                        child = f"{path}/{entry.name}"
                        if child not in self._held:
                            batch.append(child)
                            if len(batch) >= _BATCH:
                                remove_tree(*batch)
                                batch.clear()
                        elif entry.is_dir(follow_symlinks=False):
                            empty(child, entry.name, fd)
            except OSError:
                pass
            finally:
                os.close(fd)

        empty(self.folder, self.folder, None)
        remove_tree(*batch)


def remove_tree(*paths) -> None:
    """Remove each of ``paths`` and everything under it, however deep: a kernel can nest
    folders past Python's recursion limit, where ``shutil.rmtree`` (one call per level)
    fails. ``rm -rf`` on POSIX (it walks with descriptors, at any depth), after ``chmod -R
    u+rwX``; errors are ignored, as ``ignore_errors`` does."""
    if not paths:
        return
    if os.name == "posix":
        # folders a kernel under the grader's own uid made unreadable (chmod 0o300) are the
        # owner's again first: rm cannot empty them (1.6 GB had stayed in /tmp); chmod -R
        # follows no link
        remove_path(*paths)
        left = [p for p in paths if os.path.lexists(p)]
        if left and os.getuid() != 0 and subordinate_ids() is not None:
            # what kernels left under the account's subordinate uids (a worker that was
            # killed could not remove it): removed as root of a namespace mapping them
            for batch in _batches(left):
                subprocess.run(
                    [sys.executable, _SANDBOX_SCRIPT, "remove", *batch],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
    else:
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)


def _readable(path: str, dir_fd: int | None = None) -> None:
    """Give the owner back read, write and search on folder ``path`` (relative to folder
    descriptor ``dir_fd``, if given) if it is ours: a kernel running under the grader's own
    uid (an unprivileged grader) can take them away (``chmod 0o300``), which hid 1.6 GB from
    the disk watch and from the clean-up."""
    with contextlib.suppress(OSError):
        info = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid():
            os.chmod(path, stat.S_IMODE(info.st_mode) | stat.S_IRWXU, dir_fd=dir_fd)


def _open_folder(name: str, dir_fd: int | None, use=None) -> tuple[int, object]:
    """``(fd, use(fd))``: a descriptor of folder ``name`` (relative to folder descriptor
    ``dir_fd``, never through a link) and what ``use`` made of it. Refused (in the open or in
    ``use``: a folder of mode ``0o600`` opens but its entries cannot be examined), the folder
    is made readable (:func:`_readable`) and tried once more; then ``PermissionError`` is
    raised, and so is any other ``OSError`` (a link, gone), the descriptor closed."""

    def attempt():
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
        try:
            return fd, use(fd) if use else None
        except BaseException:
            os.close(fd)
            raise

    try:
        return attempt()
    except PermissionError:
        _readable(name, dir_fd=dir_fd)
    return attempt()


#: Deepest nesting of folders the disk watch walks (it holds one descriptor per level): a
#: kernel that nests folders deeper in its scratch folder is stopped.
MAX_WATCHED_DEPTH = 100


def _entries(folder: str, most: int, paths: bool = True) -> tuple[dict, str]:
    """``(entries, unread)``: the paths under ``folder`` (not following links; at most
    ``most``) with the disk space each takes (``paths=False``: numbered, not named: review
    61's 9,899 entries of 100 KB names had cost each check 1 GB of path strings), and why not
    everything could be read (a folder
    the grader cannot list, or folders nested deeper than :data:`MAX_WATCHED_DEPTH`; else
    ``""``). The walk goes through folder descriptors (``openat``, ``fstatat``), never
    through a whole path: past ``PATH_MAX`` (4,096 bytes) a path can no longer be opened,
    and a kernel had written 1.3 GB unseen 17 folders of 250-character names down. A folder
    that cannot be listed, or whose entries cannot be examined (mode ``0o600``), is made
    readable (:func:`_readable`) and read again."""
    found: dict[str, int] = {}

    def listing(path: str, fd: int) -> list[str]:
        """Record the entries of folder ``fd``; its sub-folders' names."""
        folders, entries = [], {}
        with os.scandir(fd) as scan:
            for entry in scan:
                if len(found) + len(entries) >= most:
                    break
                try:
                    info = entry.stat(follow_symlinks=False)  # PermissionError: no search
                except FileNotFoundError:  # removed meanwhile: the rest still counts
                    continue
                key = f"{path}/{entry.name}" if paths else len(found) + len(entries)
                entries[key] = info.st_blocks * 512
                if stat.S_ISDIR(info.st_mode):
                    folders.append(entry.name)
        found.update(entries)
        return folders

    def enter(path: str, name: str, parent: int | None):
        """Open and list one folder: ``(path, fd, sub-folders)``, or None with a reason."""
        try:
            fd, folders = _open_folder(name, parent, lambda fd: listing(path, fd))
        except PermissionError:
            return None, "made a folder the grader cannot read in its folder"
        except OSError:  # gone meanwhile
            return None, ""
        return (path, fd, folders), ""

    top, unread = enter(folder, folder, None)
    frames = [top] if top else []
    try:
        while frames and not unread and len(found) < most:
            path, fd, folders = frames[-1]
            if not folders:
                os.close(fd)
                frames.pop()
                continue
            name = folders.pop()
            if len(frames) >= MAX_WATCHED_DEPTH:
                unread = f"nested folders more than {MAX_WATCHED_DEPTH} deep in its folder"
                break
            frame, unread = enter(f"{path}/{name}", name, fd)
            if frame:
                frames.append(frame)
    finally:
        for _path, fd, _folders in frames:
            os.close(fd)
    return found, unread


#: What the notebook keeps of a kernel's ``language_info`` (the fields nbformat names)
_LANGUAGE_FIELDS = (
    "name", "version", "mimetype", "file_extension", "pygments_lexer", "nbconvert_exporter",
)  # fmt: skip
_LANGUAGE_TEXT = 100  # characters of each


def bounded_language_info(info) -> dict:
    """A kernel's ``language_info`` as the autograded notebook keeps it: the fields nbformat
    names, each a string of at most 100 characters (``codemirror_mode`` a name or a name and
    a version); the rest is dropped. No output cap applied to it: a kernel whose language
    version was 120 MiB long had made a 126 MB notebook.

    Examples
    --------
    >>> bounded_language_info({"name": "python", "version": "3" * 10**6, "x": 1})
    {'name': 'python'}
    """
    info = info if isinstance(info, dict) else {}

    def short(value):
        return isinstance(value, str) and len(value) <= _LANGUAGE_TEXT

    kept = {key: info[key] for key in _LANGUAGE_FIELDS if short(info.get(key))}
    mode = info.get("codemirror_mode")
    if short(mode):
        kept["codemirror_mode"] = mode
    elif isinstance(mode, dict) and short(mode.get("name")):
        kept["codemirror_mode"] = {"name": mode["name"]}
        version = mode.get("version")
        if (
            isinstance(version, int) and not isinstance(version, bool) and 0 <= version < 100
        ) or short(version):
            kept["codemirror_mode"]["version"] = version
    return kept


def _cell_name(cell, index: int) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=evalue,
        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"],
    )


#: What one line of output costs against the caps besides its characters (bytes): written back,
#: a line is an item of a JSON list (quotes, comma, indentation) and, while the notebook is
#: written, a string object of its own. 8 MB of bare line breaks wrote 104 MB of notebook and
#: took 0.6 GB in the grader before lines were counted.
LINE_BYTES = 64
#: The characters ``str.splitlines`` (so nbformat) breaks a text at.
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


#: Control characters JSON writes as an escape (``\u0000``: 6 bytes for one character).
_ESCAPED = bytes(c for c in range(32) if c not in (10, 13))


def _weight(text: str) -> int:
    r"""What ``text`` costs against the output caps: its bytes as the notebook holds them
    (UTF-8, a control character as its 6-byte escape, a backslash or a double quote as 2)
    and its lines.

    Examples
    --------
    >>> _weight("abc"), _weight("a\nb\n") == 4 + 2 * LINE_BYTES
    (3, True)
    >>> _weight("\x00"), _weight("é"), _weight('\\"')
    (6, 2, 4)
    """
    raw = text.encode("utf-8", "surrogatepass")
    escaped = len(raw) - len(raw.translate(None, _ESCAPED))
    doubled = raw.count(b"\\") + raw.count(b'"')  # written as \\ and \"
    return len(raw) + 5 * escaped + doubled + LINE_BYTES * sum(text.count(c) for c in _LINE_BREAKS)


#: Output JSON (``application/json``, metadata, widget state) nested deeper than this is not
#: kept: nbformat writes each level indented one space more and walks it recursively (a
#: display nested about 500 levels made the notebook unwritable, scored 0; 440 levels wrote
#: 109 MB of indentation from 16 MiB counted).
MAX_JSON_DEPTH = 64
#: What a value past :data:`MAX_JSON_DEPTH` counts: more than any cap.
_TOO_DEEP = 2**62


def _json_depth(value, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep lists and dicts nest in ``value``, counted without recursion, in memory of
    the depth (not of the items), and only up to ``limit + 1`` (a deeper value stops the
    count there).

    Examples
    --------
    >>> _json_depth({"a": [1, [2]]}), _json_depth("text"), _json_depth([[], {}])
    (3, 0, 2)
    >>> v = []
    >>> for _ in range(100_000):
    ...     v = [v]
    >>> _json_depth(v, limit=64)
    65
    """

    def items(container):
        return iter(container.values() if isinstance(container, dict) else container)

    if not isinstance(value, (list, dict)):
        return 0
    deepest, stack = 1, [items(value)]
    while stack:
        for child in stack[-1]:
            if isinstance(child, (list, dict)):
                stack.append(items(child))
                deepest = max(deepest, len(stack))
                if deepest > limit:
                    return deepest
                break
        else:
            stack.pop()
    return deepest


def _json_weight(value) -> int:
    """What a JSON value costs against the caps as nbformat writes it: each item and each
    opening bracket a line of its own (:data:`LINE_BYTES`) indented by its depth; a value
    nested past :data:`MAX_JSON_DEPTH` more than any cap."""
    depth = _json_depth(value)
    if depth > MAX_JSON_DEPTH:
        return _TOO_DEEP
    text = json.dumps(value, ensure_ascii=False)
    lines = text.count(",") + text.count("[") + text.count("{")
    return _weight(text) + (LINE_BYTES + depth) * lines


#: MIME types whose value is JSON (any value); every other MIME type holds text.
_JSON_MIME = re.compile(r"^application/(.+\+)?json$")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _text(value) -> str | None:
    """``value`` as text nbformat can write (a string, or a list of strings joined; a lone
    surrogate replaced by ``?``), or None if it is not text."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "".join(value)
    if not isinstance(value, str):
        return None
    if value.isascii():
        return value
    return value.encode("utf-8", "replace").decode("utf-8")


def _is_count(value) -> bool:
    """Whether ``value`` is an execution count nbformat accepts (or None)."""
    return value is None or (type(value) is int and 0 <= value < 2**31)


def _json_value(value) -> bool:
    """Whether ``value`` can be written as standard JSON: nested at most
    :data:`MAX_JSON_DEPTH` levels, no NaN or infinity, no lone surrogate, no integer past
    Python's digit limit."""
    if _json_depth(value) > MAX_JSON_DEPTH:
        return False
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, RecursionError):  # UnicodeError is a ValueError
        return False
    return True


def _not_a_verdict(msg):
    """A message the kernel sends while a hidden test, which runs in the grader, calls the
    student's code, made unable to speak for the test: nbgrader scores a test cell by its
    first ``error`` (0) or ``execute_result`` (the partial credit its text states).

    An ``error`` is dropped: the agent returns the student's real exceptions as data, so one
    sent this way is forged (kept, it scored the test 0 and read as its coaching message). An
    ``execute_result`` (``sys.displayhook`` called by the student's code, or by a thread of
    theirs) is kept as a display: it had given every test full marks, and a number above the
    cell's points had made the submission an ``ERROR`` that kept its earlier grade.

    >>> _not_a_verdict({"msg_type": "error", "header": {}, "content": {}}) is None
    True
    >>> shown = _not_a_verdict({"msg_type": "execute_result", "header": {"msg_type":
    ...     "execute_result"}, "content": {"data": {"text/plain": "'ok'"}, "metadata": {},
    ...     "execution_count": 3}})
    >>> shown["msg_type"], shown["header"]["msg_type"], sorted(shown["content"])
    ('display_data', 'display_data', ['data', 'metadata'])
    """
    if msg.get("msg_type") != "execute_result":
        return None
    header = msg.get("header")
    content = {k: v for k, v in msg["content"].items() if k != "execution_count"}
    return {
        **msg,
        "msg_type": "display_data",
        "header": {**(header if isinstance(header, dict) else {}), "msg_type": "display_data"},
        "content": content,
    }


def _well_formed(msg):
    r"""An output message in the shape nbformat's schema requires, or None if nothing of it
    can be kept. A kernel sends whatever bytes it likes: a lone surrogate, a traceback
    nested 600 levels, an ``execution_count`` of ``"zz"`` or a dict where text belongs had
    made the notebook unwritable (an ``ERROR`` that kept an earlier grade, or the notebook
    scored 0). Text fields are made text (or the message dropped), surrogates replaced,
    MIME values that are not text (JSON types: not standard JSON) and metadata that cannot be
    written are left out.

    Examples
    --------
    >>> _well_formed({"msg_type": "stream", "content": {"name": "stdout", "text": "a\udcffb"}})
    {'msg_type': 'stream', 'content': {'name': 'stdout', 'text': 'a?b'}}
    >>> _well_formed({"msg_type": "error", "content": {"ename": "E", "evalue": "v",
    ...                                                 "traceback": [[["deep"]]]}})["content"]
    {'ename': 'E', 'evalue': 'v', 'traceback': []}
    >>> _well_formed({"msg_type": "stream", "content": [1, 2]}) is None
    True

    The grader's frame that ran a signal's handler is left out of a traceback (it ends that
    of every interrupt at a cell's time limit):

    >>> _well_formed({"msg_type": "error", "content": {"ename": "KeyboardInterrupt",
    ...     "evalue": "", "traceback": ["Cell In[3], line 4", f"File x.py:9, in {TRAMPOLINE}"]}}
    ... )["content"]["traceback"]
    ['Cell In[3], line 4']
    """
    content = msg.get("content")
    kind = msg.get("msg_type")
    if not isinstance(content, dict):
        return None
    if kind == "stream":
        name, text = _text(content.get("name")), _text(content.get("text"))
        if name is None or text is None:
            return None
        msg["content"] = {"name": name, "text": text}
        return msg
    if kind == "error":
        traceback = content.get("traceback")
        lines = [_text(line) for line in traceback] if isinstance(traceback, list) else []
        msg["content"] = {
            "ename": _text(content.get("ename")) or "",
            "evalue": _text(content.get("evalue")) or "",
            "traceback": [line for line in lines if line is not None and TRAMPOLINE not in line],
        }
        return msg
    data = content.get("data")
    if not isinstance(data, dict):
        return None
    kept = {}
    for mime, value in data.items():
        if not isinstance(mime, str) or _text(mime) != mime:
            continue
        if mime == _WIDGET_VIEW:  # a feedback page looks the model up by this id
            if isinstance(value, dict) and isinstance(value.get("model_id"), str):
                if _json_value(value):
                    kept[mime] = value
        elif _JSON_MIME.match(mime):
            if _json_value(value):
                kept[mime] = value
        elif (text := _text(value)) is not None:
            kept[mime] = text
    if not kept and data and kind != "execute_result":
        return None  # nothing of the display could be kept
    metadata = content.get("metadata")
    content["data"] = kept
    content["metadata"] = metadata if isinstance(metadata, dict) and _json_value(metadata) else {}
    if kind == "execute_result":
        if not _is_count(content.get("execution_count")):
            content["execution_count"] = None
    transient = content.get("transient")
    if transient is not None and not isinstance(transient, dict):
        content["transient"] = {}
    return msg


def _message_size(msg) -> int:
    """What an output message adds to the notebook (every field a kernel controls), in bytes
    with each line counted as :data:`LINE_BYTES` more (see :func:`_weight`); a JSON value
    counts as :func:`_json_weight`."""

    content = msg.get("content", {})
    kind = msg.get("msg_type")
    if kind == "stream":
        return _weight(str(content.get("text", "")))
    if kind == "error":
        traceback = content.get("traceback") or []
        return (
            _weight(str(content.get("ename", "")))
            + _weight(str(content.get("evalue", "")))
            + sum(
                _weight(str(line)) + LINE_BYTES
                for line in (traceback if isinstance(traceback, list) else [])
            )
        )
    data = content.get("data", {})
    if not isinstance(data, dict):
        return _weight(str(data))
    size = sum(
        _weight(str(key)) + LINE_BYTES + (_weight(v) if isinstance(v, str) else _json_weight(v))
        for key, v in data.items()
    )  # each MIME type a line of its own too
    return size + _json_weight(content.get("metadata") or {})


#: Characters kept of an error, a result or a stderr message once a cap is reached.
_KEEP_CHARS = 2000
#: Messages kept per cell (and per notebook) once a cap is reached (errors, results, stderr).
_KEEP_COUNT_CELL, _KEEP_COUNT_NOTEBOOK = 20, 200


def _shrink(msg):
    """The part of an over-cap output message that is always kept, cut short (or ``None``).

    Errors, the cell's result and stderr are kept (so truncation never turns a failing test
    into a pass), each cut to :data:`_KEEP_CHARS`; display data, updates and stdout go.
    """
    kind, content = msg["msg_type"], msg["content"]
    if kind == "error":
        traceback = content.get("traceback") or []
        traceback = traceback if isinstance(traceback, list) else []
        content["ename"] = (_text(content.get("ename")) or "")[:200]
        content["evalue"] = (_text(content.get("evalue")) or "")[:_KEEP_CHARS]
        lines = [_text(line) for line in traceback[-5:]]
        content["traceback"] = [line[:_KEEP_CHARS] for line in lines if line is not None]
        return msg
    if kind == "execute_result":
        data = content.get("data") if isinstance(content.get("data"), dict) else {}
        content["data"] = {"text/plain": (_text(data.get("text/plain")) or "")[:_KEEP_CHARS]}
        content["metadata"] = {}
        content.pop("transient", None)
        return msg
    if kind == "stream" and content.get("name") == "stderr":
        content["text"] = (_text(content.get("text")) or "")[:_KEEP_CHARS]
        return msg
    return None


def _asyncio_logs_to_the_real_stderr() -> None:
    """Send what asyncio logs in this process to the process's own stderr, never to
    ``sys.stderr`` as it is when the message is written: a sealed test runs with
    ``sys.stderr`` redirected into its cell, and the grader's own messages must not land
    there (a test cell with stderr output scores 0)."""
    import logging

    log = logging.getLogger("asyncio")
    if sys.__stderr__ is None or any(getattr(h, "_resistlab", False) for h in log.handlers):
        return
    handler = logging.StreamHandler(sys.__stderr__)
    handler._resistlab = True
    log.addHandler(handler)
    log.propagate = False


#: Seconds a kernel has to answer the audit check at the end of its notebook.
AUDIT_CHECK_SECONDS = 10
#: Asked with the audit check: what the notebook left patched (``runtime_watch.check``'s
#: answer; the check is installed with the sealed-test agent).
_PATCHED = "getattr(__import__('sys').modules.get('_rl_sealed'), 'found', [])"


def _patched_flags(reply: dict) -> list[Flag]:
    """The ``monkeypatch`` and ``hook_override`` flags of the run-time check's answer; an
    answer that is not a short list of such lines is itself ``hook_override``."""
    import ast

    answer = reply.get("content", {}).get("user_expressions", {}).get("patched", {})
    text = answer.get("data", {}).get("text/plain") if isinstance(answer, dict) else None
    try:
        if not isinstance(text, str) or len(text) > 20_000:
            raise ValueError(text)
        found = ast.literal_eval(text)
        if not isinstance(found, list) or not all(isinstance(f, str) for f in found):
            raise ValueError(text)
        codes = [f.partition(": ") for f in found]
        if any(code not in ("monkeypatch", "hook_override") for code, _, _ in codes):
            raise ValueError(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return [Flag("hook_override", "the run-time check of patches answered something else")]
    return [Flag(code, f"{what} (at the notebook's end)") for code, _, what in codes]


class GradingExecute(Execute):
    """nbgrader's ``Execute``, sandboxed, restartable and output-capped (see the module doc)."""

    scratch = Unicode(help="the kernel's working folder (holds its sockets)").tag(config=True)
    policy_path = Unicode("", help="sandbox policy file ('' for no sandbox)").tag(config=True)
    kernel_env = Dict(help="the complete environment of the kernel process").tag(config=True)
    warm = Any(None, allow_none=True, help="WarmKernels to fork kernels from (or None)")
    max_restarts = Integer(3, help="kernel restarts allowed per notebook").tag(config=True)
    max_output_bytes = Integer(8 * 2**20, help="output kept per cell (bytes)").tag(config=True)
    max_notebook_bytes = Integer(32 * 2**20, help="output kept per notebook (bytes)").tag(
        config=True
    )
    deadline = Float(0.0, help="time.monotonic() by which the notebook must be done (0: none)")
    memory_bytes = Integer(
        help="address space the grader may add while the notebook runs (0: no bound)"
    ).tag(config=True)
    events = List(help="flags raised while executing (timeouts, restarts, truncation)")
    # Sealed tests (see sealed.py): test cells run in the grader, never in the kernel.
    sealed = Any(None, allow_none=True, help="a sealed.SealedRunner for the test cells")
    fresh_home = Any(
        None,
        allow_none=True,
        help="called before every kernel start after the first: gives the kernel fresh "
        "configuration folders (a startup file an earlier kernel wrote there never runs)",
    )

    @default("memory_bytes")
    def _memory_bytes_default(self):
        return EXECUTE_MEMORY_BYTES

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The kernel's state is thrown away: kill it at the end rather than wait for it.
        self.shutdown_kernel = "immediate"
        _asyncio_logs_to_the_real_stderr()

    async def _async_poll_kernel_alive(self) -> None:
        """nbclient's, bound to the kernel client it started with: it ends once that session
        is over. nbclient's own, which it cancels only when a reply arrives, went on to check
        whichever client came next and, once there was none, failed with an AssertionError
        that asyncio printed to stderr when the task was collected: during a sealed test, into
        that test cell's output, which nbgrader scores 0 (an honest answer lost its points)."""
        client = self.kc
        while True:
            await asyncio.sleep(1)
            if client is None or self.kc is not client:
                return
            try:
                await self._async_check_alive()
            except DeadKernelError:
                if self.task_poll_for_reply is not None:
                    self.task_poll_for_reply.cancel()
                return

    def create_kernel_manager(self):
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        self._kernel_starts = getattr(self, "_kernel_starts", 0) + 1
        # UNIX sockets in the scratch folder: the kernel needs no network (POSIX only). Names
        # the kernel cannot guess: one had made a folder where the restarted kernel's
        # connection file was to go, and its submission was an error on every run (keeping
        # an earlier grade)
        ipc = os.name == "posix"
        tag = f"{self._kernel_starts}-{secrets.token_hex(8)}"
        sockets = Path(self.scratch) / f".k{tag}"
        self.km = GradingKernelManager(
            kernel_name=self.kernel_name,
            transport="ipc" if ipc else "tcp",
            ip=str(sockets) if ipc else "127.0.0.1",
            connection_file=str(Path(self.scratch) / f".kernel{tag}.json"),
            policy_path=self.policy_path,
            warm=self.warm,
        )
        return self.km

    # -- output capping ----------------------------------------------------------------------

    def process_message(self, msg, cell, cell_index):
        kind = msg.get("msg_type")
        content = msg.get("content")
        if not isinstance(kind, str) or not isinstance(content, dict):
            return None
        if kind in ("error", "execute_result") and self.sealed is not None:
            if self.sealed.handles(cell):
                msg = _not_a_verdict(msg)
                if msg is None:
                    return None
                kind, content = msg["msg_type"], msg["content"]
        if "execution_count" in content and not _is_count(content["execution_count"]):
            content["execution_count"] = None  # any message sets the cell's count from it
        transient = content.get("transient")
        if transient is not None and not (
            isinstance(transient, dict) and isinstance(transient.get("display_id", ""), str)
        ):
            content["transient"] = {}
        if kind in ("stream", "error", "execute_result", "display_data", "update_display_data"):
            msg = self._cap(msg, cell_index)  # first: what is over the cap is not read further
            if msg is not None:
                msg = _well_formed(msg)
            if msg is None:
                return None
        try:
            return super().process_message(msg, cell, cell_index)
        except (TypeError, AttributeError, KeyError, ValueError, RecursionError):
            return None  # a message of a shape nbclient cannot take: it costs only itself

    def _cap(self, msg, cell_index):
        """Count every output message as it arrives; past the per-cell or per-notebook cap,
        keep only a short form of errors, results and stderr (see :func:`_shrink`). A message
        whose size cannot be taken (fields of the wrong type, nested past the recursion limit)
        counts as over the caps."""
        try:
            size = _message_size(msg)
        except (TypeError, ValueError, AttributeError, RecursionError):
            size = _TOO_DEEP
        transient = msg["content"].get("transient") or {}
        display_id = transient.get("display_id") if isinstance(transient, dict) else None
        if display_id:  # an update rewrites every output that shows this display id
            refs = sum(len(v) for v in self._display_id_map.get(display_id, {}).values())
            size *= refs + (msg["msg_type"] != "update_display_data")
        used = self._output_bytes.get(cell_index, 0) + size
        if used <= self.max_output_bytes and self._total_bytes + size <= self.max_notebook_bytes:
            self._output_bytes[cell_index] = used
            self._total_bytes += size
            return msg
        self._note_truncated(cell_index)
        kept = self._kept.get(cell_index, 0)
        if kept >= _KEEP_COUNT_CELL or sum(self._kept.values()) >= _KEEP_COUNT_NOTEBOOK:
            return None
        msg = _shrink(msg)
        if msg is not None:
            self._kept[cell_index] = kept + 1
        return msg

    def _note_truncated(self, cell_index: int) -> None:
        """Note in the cell (once) that output past a cap was not kept, and flag it."""
        if cell_index in self._truncated:
            return
        self._truncated.add(cell_index)
        note = _TRUNCATION_NOTE.format(limit=min(self.max_output_bytes, self.max_notebook_bytes))
        self.nb.cells[cell_index].outputs.append(
            NotebookNode(output_type="stream", name="stdout", text=note)
        )
        self.events.append(
            Flag("output_truncated", _cell_name(self.nb.cells[cell_index], cell_index))
        )

    def handle_comm_msg(self, outs, msg, cell_index):
        """nbclient's, with widget state counted against the notebook's output cap (it is
        written into the notebook's metadata) and checked to be writable: state past the cap,
        or that cannot be written as UTF-8 (a lone surrogate), is not kept (``output_truncated``).
        Four 200 MiB widget messages wrote an 839 MB notebook; one surrogate made the notebook
        unwritable and the submission an ERROR that kept an earlier grade."""
        content = msg.get("content")
        data = content.get("data") if isinstance(content, dict) else None
        if isinstance(data, dict) and "state" in data:
            try:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
                size = _json_weight(data)
                size += sum(len(b) * 4 // 3 for b in msg.get("buffers") or [])  # as base64
            except (TypeError, ValueError, RecursionError):  # UnicodeError is a ValueError
                size = None
            if size is None or self._total_bytes + size > self.max_notebook_bytes:
                self._note_truncated(cell_index)
                return None
            self._total_bytes += size
        return super().handle_comm_msg(outs, msg, cell_index)

    # -- timeouts ----------------------------------------------------------------------------

    async def _async_handle_timeout(self, timeout, cell=None):
        if cell is not None:
            index = next((i for i, c in enumerate(self.nb.cells) if c is cell), None)
            name = "the grader's agent" if index is None else _cell_name(cell, index)
            self.events.append(Flag("timeout", name))
        return await super()._async_handle_timeout(timeout, cell)

    # -- the notebook loop -------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        # What a kernel sends is held by this process before it can be counted (a message of
        # many parts, a channel the grader never reads, JSON that decodes to gigabytes): past
        # the bound, ZeroMQ drops the message or Python raises MemoryError (see _run).
        if not self.memory_bytes:
            return self._run(nb, resources, km)
        with memory_bound(self.memory_bytes):
            return self._run(nb, resources, km)

    def _run(self, nb, resources, km):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.events = []
        self.audit_checks: list[str] = []  # what each kernel was asked to record at its end
        self._output_bytes: dict[int, int] = {}
        self._truncated: set[int] = set()
        self._kept: dict[int, int] = {}
        self._total_bytes = 0
        self.audit_starts = 0
        skip: set[int] = set()  # cells not to replay (they killed or hung the kernel)
        start, restarts = 0, 0
        baseline = None  # what the folder held before the first kernel
        cells = self.nb.cells
        while start < len(cells):
            self.km, self.kc = None, None
            if start and self.fresh_home is not None:
                self.fresh_home()
            with self.setup_kernel(cwd=self.scratch, env=dict(self.kernel_env)):
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = bounded_language_info(
                    info["content"].get("language_info")
                )
                process = getattr(self.km.provisioner, "process", None)
                watch = None
                if process is not None and self.scratch:
                    python = getattr(self.km.provisioner, "_python", None)
                    watch = _DiskWatch(
                        self.scratch,
                        process,
                        MAX_SCRATCH_BYTES,
                        MAX_SCRATCH_ENTRIES,
                        root=self.warm.sandbox_pid(python) if self.warm and python else None,
                        baseline=baseline,
                    )
                    baseline = watch.baseline
                try:
                    if start and not self._replay(start, skip):
                        why = f"the kernel {watch.why}" if watch and watch.why else ""
                        self._give_up(
                            start, why or "the kernel could not be restarted to this point"
                        )
                        break
                    for index in range(start, len(cells)):
                        if self._out_of_time():
                            self._give_up(index, "the submission's time budget is spent")
                            break
                        self.preprocess_cell(cells[index], resources, index)
                    start = len(cells)
                    if self.policy_path:
                        self._check_audit()
                except (DeadKernelError, CellTimeoutError, MemoryError) as err:
                    index = self._current_index
                    if watch is not None and watch.why:  # stopped: nothing more runs
                        self._stopped_for_disk(index, watch.why)
                        break
                    self._record_failure(index, err)
                    skip.add(index)
                    start, restarts = index + 1, restarts + 1
                    if restarts > self.max_restarts:
                        self._give_up(start, f"the kernel died or hung {restarts} times")
                        break
                finally:
                    if watch is not None:
                        watch.stop()
                        if watch.why:  # however the notebook ended, it is flagged and cleaned
                            # its processes stopped first: 20 daemons had kept adding
                            # folders while it was emptied, 10 million (review 52)
                            sandboxed = bool(python) and self.warm is not None
                            sandboxed = sandboxed and self.warm.sandbox_pid(python) is not None
                            if sandboxed:
                                self.warm.clean(python)
                            watch.clean(bounded=not sandboxed)
                            if not any(f.code == "too_large" for f in self.events):
                                self.events.append(Flag("too_large", f"the kernel {watch.why}"))
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _check_audit(self) -> None:
        """Ask the kernel, once its notebook is done, to open a path no one has: its audit
        hook records that, unless the kernel closed or replaced its audit pipe, after which
        its file accesses, processes and calls of forbidden functions went unrecorded. The
        worker looks for the line (``audit_checks``); a check the kernel does not answer
        counts as missing."""
        path = AUDIT_CHECK + secrets.token_hex(8)
        self.audit_checks.append(path)
        code = f"try:\n    __import__('os').open({path!r}, 0)\nexcept OSError:\n    pass\n"
        if self.sealed is not None:
            code += "__import__('sys').modules['_rl_sealed'].check()\n"
        saved, self.timeout = self.timeout, AUDIT_CHECK_SECONDS
        try:
            reply = self.wait_for_reply(
                self.kc.execute(
                    code,
                    silent=True,
                    store_history=False,
                    user_expressions={"patched": _PATCHED},
                )
            )
        except Exception:  # no answer: the line is missing, which the worker flags
            reply = None
        finally:
            self.timeout = saved
        if reply is not None and self.sealed is not None:
            self.events += _patched_flags(reply)

    def _stopped_for_disk(self, index: int, why: str) -> None:
        """The kernel was stopped while cell ``index`` ran for what it wrote to its scratch
        folder: that cell and the rest are not run."""
        name = _cell_name(self.nb.cells[index], index)
        self.events.append(Flag("too_large", f"{name}: the kernel {why}"))
        self.nb.cells[index].outputs.append(
            _error_output("DiskLimitError", f"The kernel {why} and was stopped.")
        )
        self._give_up(index + 1, f"the kernel {why}")

    def _out_of_time(self) -> bool:
        if self.deadline and time.monotonic() >= self.deadline:
            if not any(f.detail == "submission time budget" for f in self.events):
                self.events.append(Flag("timeout", "submission time budget"))
            return True
        return False

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if self.deadline:  # no cell may run past the submission's budget
            left = max(1, int(self.deadline - time.monotonic()) + 1)
            timeout = left if timeout is None else min(timeout, left)
        return timeout

    def preprocess_cell(self, cell, resources, index):
        self._current_index = index
        if self.sealed is not None:
            self.sealed.ensure_installed(self, index)
        if self.sealed is not None and self.sealed.handles(cell):
            return self.sealed.run_cell(self, cell, index), self.resources
        result = super().preprocess_cell(cell, resources, index)
        if self.sealed is not None and self.sealed.defines(cell):
            # The instructor's helpers and data that the tests read come from the grader.
            self.sealed.run_instructor_cell(self, cell, index)
        return result

    def _record_failure(self, index: int, err: Exception) -> None:
        cell = self.nb.cells[index]
        name = _cell_name(cell, index)
        if isinstance(err, MemoryError):  # what the kernel sent; the kernel is restarted
            limit = self.memory_bytes // 2**20
            self.events.append(Flag("too_large", f"{name}: the kernel's messages"))
            cell.outputs.append(
                _error_output(
                    "MemoryError",
                    f"The kernel sent more than the {limit} MiB the grader holds while a "
                    "notebook runs; the kernel was restarted.",
                )
            )
        elif isinstance(err, DeadKernelError):
            self.events.append(Flag("kernel_died", name))
            cell.outputs.append(
                _error_output("DeadKernelError", "The kernel died while running this cell.")
            )
        else:
            self.events.append(Flag("unresponsive_kernel", name))
            why = "No reply from kernel before timeout"
            if _IOPUB_TIMEOUT in str(err):  # e.g. the connection dropped a message past the bound
                why = (
                    "The cell's output stopped arriving (the kernel stopped sending it, or sent "
                    f"a message larger than the {MAX_MESSAGE_BYTES // 2**20} MiB the grader reads)"
                )
            cell.outputs.append(
                _error_output("CellTimeoutError", f"{why}; the kernel was restarted.")
            )

    def _replay(self, upto: int, skip: set[int]) -> bool:
        """Run cells ``0..upto-1`` again (outputs discarded) to rebuild the kernel's state."""
        for index in range(upto):
            cell = self.nb.cells[index]
            if index in skip or cell.cell_type != "code" or not cell.source.strip():
                continue
            if self.sealed is not None and self.sealed.handles(cell):
                continue  # test cells never run in the kernel
            if self._out_of_time():
                return False
            scratch_cell = NotebookNode(
                cell_type="code", source=cell.source, metadata={}, outputs=[], execution_count=None
            )
            saved = (self.nb.cells[index], len(self.events))
            self.nb.cells[index] = scratch_cell
            try:
                self.execute_cell(scratch_cell, index, store_history=True)
            except (DeadKernelError, CellTimeoutError, MemoryError):
                return False
            finally:
                self.nb.cells[index] = saved[0]
                del self.events[saved[1] :]
        return True

    def _give_up(self, start: int, why: str) -> None:
        for index in range(start, len(self.nb.cells)):
            cell = self.nb.cells[index]
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [_error_output("KernelDied", f"Not run: {why}.")]
