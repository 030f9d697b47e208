"""Confine a grading kernel: Landlock, namespaces and resource limits, from the standard library.

A grading kernel is started as ``python sandbox.py launch POLICY -- -m ipykernel_launcher -f
CONNECTION_FILE`` instead of ``python -m ipykernel_launcher ...``. Before any student code
exists in the process, the launcher applies, in this order and each only if the platform
allows it:

1. **resource limits** (``setrlimit``): address space (memory), file size, CPU seconds, number
   of processes and open files; no core dumps;
2. **namespaces** (``unshare``): a new *user* namespace in which the kernel's user has no
   capabilities (even when the grader runs as root), a new *network* namespace with no
   interface up (no network at all, loopback included), and a new *mount* namespace in which
   ``/run`` and ``/dev/shm`` are private, empty tmpfs mounts (no host sockets, no other
   kernel's shared memory);
3. **no new privileges** (``prctl``), then **Landlock** (``landlock_*`` system calls, kernel
   ABI 1-7): the kernel may read the Python installation, the library paths and the system
   folders it needs, may read and write only its own scratch folder, may not bind or connect
   TCP sockets (ABI 4), may not reach abstract UNIX sockets or signal processes outside the
   sandbox (ABI 6);
4. an **audit hook** (``sys.addaudithook``) that records, for review, every attempt to open,
   list, link or change a path outside the allowed set, every socket connection, process
   creation and process kill. It writes to a file opened before Landlock was applied, which
   the kernel cannot open again by name.

The launcher then ``exec``'s a fresh interpreter (dropping the capabilities that ``unshare``
granted) which installs the audit hook and runs ``ipykernel_launcher`` exactly as ``python -m``
would. What was and was not applied is written, before the kernel runs, to the audit's status
file (:func:`status_path`), which the kernel holds no descriptor of; the grader reads it when
the notebook has run, and a missing layer becomes a loud warning and a flag.

This module uses only the standard library so that it runs in any kernel environment, and it
is importable (by the grader, for :func:`build_policy` and :func:`probe`) without side effects.
"""

from __future__ import annotations

import _thread
import contextlib
import ctypes
import functools
import gc
import itertools
import json
import operator
import os
import platform
import select
import signal
import stat
import subprocess
import sys
import threading
import types
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path

__all__ = [
    "AUDIT_CHECK",
    "BWRAP_LAYERS",
    "LAYERS",
    "GroupLimits",
    "SandboxPolicy",
    "SandboxStatus",
    "build_policy",
    "bwrap_argv",
    "bwrap_path",
    "enter_own_user_namespace",
    "kernel_command",
    "landlock_abi",
    "probe",
    "read_audit",
    "remove_path",
    "sandbox_uid",
    "status_path",
    "subordinate_ids",
]

#: The protection layers, in the order they are reported.
LAYERS = (
    "rlimits",
    "userns",
    "netns",
    "mountns",
    "no_new_privs",
    "landlock",
    "landlock_net",
    "landlock_scope",
    "seccomp",
)

# --- Linux constants -------------------------------------------------------------------------

_SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on every architecture (new syscalls)
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1

_FS_EXECUTE = 1 << 0
_FS_WRITE_FILE = 1 << 1
_FS_READ_FILE = 1 << 2
_FS_READ_DIR = 1 << 3
_FS_REMOVE_DIR = 1 << 4
_FS_REMOVE_FILE = 1 << 5
_FS_MAKE_CHAR = 1 << 6
_FS_MAKE_DIR = 1 << 7
_FS_MAKE_REG = 1 << 8
_FS_MAKE_SOCK = 1 << 9
_FS_MAKE_FIFO = 1 << 10
_FS_MAKE_BLOCK = 1 << 11
_FS_MAKE_SYM = 1 << 12
_FS_REFER = 1 << 13  # ABI 2
_FS_TRUNCATE = 1 << 14  # ABI 3
_FS_IOCTL_DEV = 1 << 15  # ABI 5
_NET_BIND_TCP = 1 << 0  # ABI 4
_NET_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
_SCOPE_SIGNAL = 1 << 1

_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_READ_RIGHTS = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_PR_CAPBSET_DROP = 24
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

#: uid and gid the kernel has inside its user namespace when the grader runs as root.
_ROOT_INSIDE_ID = 1000


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _syscall(number: int, *args) -> int:
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def landlock_abi() -> int:
    """Return the Landlock ABI version the running kernel offers (0 when it has none).

    Examples
    --------
    >>> landlock_abi() >= 0
    True
    """
    if not sys.platform.startswith("linux"):
        return 0
    try:
        return _syscall(
            _SYS_LANDLOCK_CREATE_RULESET,
            ctypes.c_void_p(None),
            ctypes.c_size_t(0),
            ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION),
        )
    except OSError:
        return 0


def _handled_fs(abi: int) -> int:
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= _FS_REFER
    if abi >= 3:
        rights |= _FS_TRUNCATE
    if abi >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


# --- the policy -------------------------------------------------------------------------------


@dataclass
class SandboxPolicy:
    """What one grading kernel may do; written as JSON and read by the launcher.

    Parameters
    ----------
    read : list of str
        Folders and files the kernel may read (and execute): the Python installation, the
        library paths, the dataset folder, system folders.
    write : list of str
        Folders the kernel may read and write: its scratch folder (which holds its private
        temporary folder).
    devices : list of str
        Device files the kernel may read and write (``/dev/null`` and friends).
    audit_path : str
        File the launcher opens before Landlock and hands to the audit hook.
    memory_bytes, file_bytes, cpu_seconds, processes, open_files : int or None
        Resource limits (``None``: leave the grader's own limit).
    network : bool
        Allow the network (default ``False``: a new network namespace and no TCP).
    private_mounts : list of str
        Mount points to cover with a private, empty tmpfs in the kernel's mount namespace.
    namespaces : bool
        Create the namespaces here (``False`` when bubblewrap already made them).
    watched_calls : list of str
        Library functions (``resistlab.pharmacology.hill``) whose calls the kernel reports
        with the place that made them (see :func:`_watch_calls`).
    outside : dict
        Layers applied before this process started (``{"applied": [...], "missing": {...}}``,
        by bubblewrap and the grader), merged into the reported status.
    """

    read: list[str] = field(default_factory=list)
    write: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    audit_path: str = ""
    memory_bytes: int | None = None
    file_bytes: int | None = None
    cpu_seconds: int | None = None
    processes: int | None = None
    open_files: int | None = None
    network: bool = False
    private_mounts: list[str] = field(default_factory=lambda: ["/run", "/dev/shm"])
    namespaces: bool = True
    watched_calls: list[str] = field(default_factory=list)
    outside: dict = field(default_factory=dict)

    def dump(self, path: str | os.PathLike) -> None:
        """Write the policy as JSON to ``path``."""
        Path(path).write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: str | os.PathLike) -> SandboxPolicy:
        """Read a policy written by :meth:`dump`."""
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass
class SandboxStatus:
    """Which layers the launcher applied (``applied``) and why the others failed (``missing``)."""

    applied: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    landlock_abi: int = 0

    @property
    def complete(self) -> bool:
        """True when every layer was applied."""
        return not self.missing

    def to_json(self) -> str:
        return json.dumps({"status": asdict(self)})


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _allow_outside(paths, protected, fences=()) -> list[str]:
    """Drop allowed paths inside a protected one; split allowed folders around the others.

    Landlock can only allow, so a folder such as ``/home/me`` that contains the course root
    (a *fence*) or a protected path cannot be allowed whole: its other entries are allowed one
    by one, recursively. An allowed path inside a fence (the course's virtual environment) is
    kept unless it is, or holds, a protected path.
    """
    out = []
    for raw in paths:
        path = os.path.realpath(raw)
        if not os.path.exists(path):
            continue
        if any(_is_within(path, p) for p in protected):
            continue
        if not any(_is_within(p, path) for p in (*protected, *fences)):
            out.append(path)
            continue
        try:
            children = sorted(entry.path for entry in os.scandir(path))
        except OSError:
            continue
        out.extend(_allow_outside(children, protected, fences))
    return sorted(set(out))


def _system_read_paths() -> list[str]:
    return ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/opt"]


def build_policy(
    *,
    python_paths,
    scratch,
    audit_path,
    protected,
    fences=(),
    extra_read=(),
    memory_bytes=None,
    file_bytes=None,
    cpu_seconds=None,
    processes=None,
    open_files=None,
    watched_calls=(),
) -> SandboxPolicy:
    """Build the policy for one kernel.

    Parameters
    ----------
    python_paths : iterable of path-like
        The kernel interpreter's ``sys.prefix``/``sys.base_prefix`` and ``sys.path`` entries.
    scratch : path-like
        The kernel's own folder (its working directory, home and temporary folder).
    audit_path : path-like
        Where the audit hook writes (outside ``scratch``).
    protected : iterable of path-like
        Folders and files the kernel must never reach (instructor sources, gradebook,
        submissions, grading state); an allowed folder that contains one is split around it.
    fences : iterable of path-like
        Folders never allowed whole (the course root): an allowed folder that contains one is
        split around it, but allowed paths inside one (the course's virtual environment, its
        dataset folder) stay allowed.
    extra_read : iterable of path-like
        More folders to allow read access to (for example the dataset folder).
    watched_calls : iterable of str
        Library functions whose calls the kernel reports (the notebook's forbidden names).
    """
    protected = [os.path.realpath(p) for p in protected]
    fences = [os.path.realpath(p) for p in fences]
    scratch = os.path.realpath(scratch)
    reads = [*_system_read_paths(), *map(str, python_paths), *map(str, extra_read)]
    return SandboxPolicy(
        read=_allow_outside(reads, protected, fences),
        write=[scratch],
        devices=[
            d
            for d in (
                "/dev/null",
                "/dev/zero",
                "/dev/full",
                "/dev/random",
                "/dev/urandom",
                "/dev/shm",
            )
            if os.path.exists(d)
        ],
        audit_path=str(audit_path),
        memory_bytes=memory_bytes,
        file_bytes=file_bytes,
        cpu_seconds=cpu_seconds,
        processes=processes,
        open_files=open_files,
        watched_calls=sorted(watched_calls),
    )


def kernel_command(policy_path: str | os.PathLike, argv: list[str]) -> list[str]:
    """Wrap a kernel's ``argv`` (``[python, -m, ipykernel_launcher, ...]``) in the launcher.

    Examples
    --------
    >>> cmd = kernel_command("/tmp/p.json", ["/usr/bin/python3", "-m", "ipykernel_launcher"])
    >>> cmd[1].endswith("sandbox.py") and cmd[2:5] == ["launch", "/tmp/p.json", "--"]
    True
    """
    return [argv[0], os.path.abspath(__file__), "launch", str(policy_path), "--", *argv[1:]]


# --- bubblewrap: the kernel's own filesystem, process and network namespaces -------------------

#: Layers bubblewrap gives every kernel (reported as applied when the template runs in one).
BWRAP_LAYERS = ("bwrap", "pidns", "netns", "mountns", "ipcns", "no_fds")

#: First uid of the kernels' own uids when the grader runs as root (one uid per worker).
SANDBOX_UID_BASE = 0x40000000


def bwrap_path() -> str | None:
    """The ``bwrap`` program (Debian package ``bubblewrap``), or ``None`` when absent.

    ``RESISTLAB_BWRAP`` overrides the search (an empty value disables bubblewrap).
    """
    if not sys.platform.startswith("linux"):
        return None
    if "RESISTLAB_BWRAP" in os.environ:
        return os.environ["RESISTLAB_BWRAP"] or None
    import shutil

    return shutil.which("bwrap")


def sandbox_uid(key: int) -> int | None:
    """The uid a root grader gives the kernels of worker ``key`` (``None``: not root).

    In a worker that is root of its own user namespace (:func:`enter_own_user_namespace`),
    one of the namespace's other ids: one of the account's subordinate uids outside.
    """
    if os.getuid() != 0:
        return None
    if _MAPPED_IDS[0]:
        if key not in _CLAIMED:
            _CLAIMED[key] = claim_id(_claims_folder(), key, _MAPPED_IDS[0])[0]
        return _CLAIMED[key]
    return SANDBOX_UID_BASE + (key % 0x3FFFFFFF)


#: How many ids besides 0 the worker's own user namespace maps (0: it has none).
_MAPPED_IDS = [0]
_CLAIMED: dict[int, int] = {}


def _claims_folder() -> Path:
    """Where the account's workers claim their kernels' ids: in the account's own cache
    (``$XDG_CACHE_HOME`` or ``~/.cache``), which no other user can make first (a folder of
    that name made in ``/tmp`` by another account had turned the claims off)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "resistlab" / "kernel-ids"


def claim_id(folder: Path, key: int, count: int) -> tuple[int, int | None]:
    """One of the ids 1 to ``count`` that no other living process holds, from ``1 + key %
    count`` on: each is a file of ``folder`` (made 0700 if missing; used only if it is a
    folder of ours) locked with ``flock`` for as long as the holder lives (the descriptor
    is kept). Returns the id and that descriptor (``None``: every id was taken, or the
    folder is not ours, and the id is ``1 + key % count`` unclaimed). Workers of one
    account, in one run or several, so never share a kernel uid: two whose pids agreed
    modulo ``count`` had shared one, and one kernel had taken the other's epoll watches
    (Linux counts them per uid) and killed its kernel.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "ids"
    >>> first, second = claim_id(folder, 7, 10), claim_id(folder, 7, 10)
    >>> first[0], second[0]
    (8, 9)
    """
    import fcntl

    start = key % count
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return 1 + start, None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        return 1 + start, None
    for i in range(count):
        uid = 1 + (start + i) % count
        try:
            fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # another living worker's
            os.close(fd)
            continue
        return uid, fd
    return 1 + start, None


def subordinate_ids(
    uid: int | None = None, files=("/etc/subuid", "/etc/subgid")
) -> tuple[int, int, int] | None:
    """The first subordinate uid and gid of account ``uid`` (this process's by default) and
    how many of both it may use, at most 65536 (``/etc/subuid``, ``/etc/subgid``: the ranges
    Debian's ``useradd`` gives every account where those files exist; ``usermod
    --add-subuids``), when ``newuidmap`` and ``newgidmap`` (Debian package ``uidmap``) exist;
    ``None`` otherwise. An entry names the account or its uid.
    """
    import pwd
    import shutil

    if not sys.platform.startswith("linux"):
        return None
    if not (shutil.which("newuidmap") and shutil.which("newgidmap")):
        return None
    uid = os.getuid() if uid is None else uid
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = None
    ranges = []
    for path in files:
        found = None
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError:
            return None
        for line in lines:
            owner, _, rest = line.strip().partition(":")
            first, _, count = rest.partition(":")
            if owner in (name, str(uid)) and first.isdigit() and count.isdigit():
                found = (int(first), int(count))
                break
        if found is None or found[1] < 2:
            return None
        ranges.append(found)
    (first_uid, uids), (first_gid, gids) = ranges
    return first_uid, first_gid, min(uids, gids, 65536)


def enter_own_user_namespace() -> str:
    """Make this process root of a new user namespace in which 0 is the grader's own uid and
    gid and 1 to N-1 are the first N-1 of the account's subordinate ids (N at most 65536);
    return ``""``, or why not.

    A grader that is not root then gives its kernels a uid of their own, as a root grader
    does (:func:`sandbox_uid`): outside, a kernel is one of the account's subordinate uids,
    so the tables Linux keeps per uid (epoll watches, pipe pages) are not the grader's
    (counts Linux keeps per user namespace, such as inotify instances and processes, are
    charged to the account that made the namespace too). The process keeps the grader's
    access to every file (its uid outside is unchanged) and its capabilities hold only in
    namespaces it creates.
    ``newuidmap``/``newgidmap`` write the maps from outside (a helper forked before the
    ``unshare``). Must be called while the process has a single thread.
    """
    if os.getuid() == 0:
        return "already root"
    ids = subordinate_ids()
    if ids is None:
        return "no subordinate ids (newuidmap, /etc/subuid and /etc/subgid)"
    first_uid, first_gid, count = ids
    uid, gid, me = os.getuid(), os.getgid(), os.getpid()
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    helper = os.fork()
    if helper == 0:  # stays outside: writes the maps once the parent has its namespace
        code = 1
        try:
            os.close(ready_w)
            os.close(done_r)
            if os.read(ready_r, 1) == b"1":
                rest = str(count - 1)
                maps = (
                    ["newuidmap", str(me), "0", str(uid), "1", "1", str(first_uid), rest],
                    ["newgidmap", str(me), "0", str(gid), "1", "1", str(first_gid), rest],
                )
                code = 0
                for argv in maps:
                    run = subprocess.run(
                        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, check=False,
                    )  # fmt: skip
                    code = code or run.returncode
            os.write(done_w, b"0" if code == 0 else b"1")
        finally:
            os._exit(code)
    os.close(ready_r)
    os.close(done_w)
    try:
        failed = _syscall_unshare(_CLONE_NEWUSER)
        os.write(ready_w, b"1" if failed == 0 else b"0")
        os.close(ready_w)
        reply = os.read(done_r, 1)
    finally:
        os.close(done_r)
        os.waitpid(helper, 0)
    if failed != 0:
        return f"unshare(CLONE_NEWUSER): {os.strerror(failed)}"
    if reply != b"0":
        return "newuidmap or newgidmap refused the account's subordinate ids"
    os.setresgid(0, 0, 0)  # (the supplementary groups stay: the grader's access to files)
    os.setresuid(0, 0, 0)
    _MAPPED_IDS[0] = count - 1
    return ""


def own_again(*paths) -> None:
    """``chmod -R u+rwX`` on ``paths``: everything in them is its owner's to read, write and
    search again (no link followed, any depth), errors ignored."""
    for batch in _batches(paths):
        _quietly(["chmod", "-R", "u+rwX", "--", *batch])


def remove_path(*paths) -> None:
    """:func:`own_again`, then ``rm -rf`` on ``paths`` (any depth, no link followed; folders
    made unreadable are the owner's again first), errors ignored; one ``chmod`` and one
    ``rm`` for up to :data:`_BATCH` paths."""
    own_again(*paths)
    for batch in _batches(paths):
        _quietly(["rm", "-rf", "--", *batch])


#: Paths handed to one ``chmod`` or ``rm`` (well within Linux's 2 MiB of arguments for paths
#: of up to 1 KiB).
_BATCH = 1000


def _batches(paths) -> list[list[str]]:
    paths = [str(p) for p in paths]
    return [paths[i : i + _BATCH] for i in range(0, len(paths), _BATCH)]


def _quietly(command: list[str]) -> None:
    subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def _syscall_unshare(flags: int) -> int:
    """``unshare(flags)``: 0, or the errno."""
    libc = _libc()
    return 0 if libc.unshare(flags) == 0 else ctypes.get_errno()


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


#: Size of the sandbox's own ``/dev/shm`` and ``/tmp`` (tmpfs: what a kernel writes there is
#: memory of the host that no address-space limit counts; 5 GB had been held in ``/dev/shm``
#: under the fallback limits). POSIX semaphores and small shared segments need far less.
SHM_BYTES = 64 * 2**20


def bwrap_argv(read, write, *, bwrap: str, root: bool | None = None) -> list[str]:
    """The ``bwrap`` command line that gives a kernel a filesystem made of ``read`` (read
    only) and ``write`` (read-write) and nothing else of the host.

    Inside: ``/usr`` and the other read paths bound read-only at their own path, an empty
    ``/tmp`` (tmpfs), a minimal ``/dev`` and the sandbox's own ``/proc`` (its lists of every
    user's keys, ``keys`` and ``key-users``, empty); new PID, network
    (only its own loopback), IPC, UTS and cgroup namespaces; the sandbox dies with the
    process that started it. A root grader runs bubblewrap privileged and keeps only
    ``CAP_SETUID``/``CAP_SETGID``, which the template uses once to become the kernels' own
    uid (:func:`sandbox_uid`); any other grader runs it in a new user namespace.

    Examples
    --------
    >>> argv = bwrap_argv(["/usr"], ["/tmp/rlg-x/s1"], bwrap="bwrap", root=False)
    >>> argv[0], "--unshare-net" in argv, "--unshare-user" in argv
    ('bwrap', True, True)
    >>> argv[argv.index("--bind") + 1]
    '/tmp/rlg-x/s1'
    """
    root = os.getuid() == 0 if root is None else root
    args = [
        bwrap,
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "grading",
    ]
    if root:
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    for listing in ("/proc/keys", "/proc/key-users"):  # the keys of every user, by name
        if os.path.exists(listing):
            args += ["--ro-bind", "/dev/null", listing]
    args += [
        "--size",
        str(SHM_BYTES),
        "--tmpfs",
        "/tmp",
        "--size",
        str(SHM_BYTES),
        "--tmpfs",
        "/dev/shm",
    ]
    made = {"/", "/proc", "/dev", "/tmp", "/dev/shm"}

    def parents(path):
        out = []
        for folder in _ancestors(path):
            if folder not in made:
                made.add(folder)
                out += ["--perms", "0755", "--dir", folder]
        return out

    skip = ("/proc", "/sys", "/dev", "/run")
    bound: list[str] = []
    for path in sorted({os.path.normpath(p) for p in read}):
        if path in skip or path.startswith(tuple(s + "/" for s in skip)) or path == "/tmp":
            continue
        if any(path.startswith(b + "/") for b in bound) or not os.path.exists(path):
            continue  # already inside a bound folder
        args += [*parents(path), "--ro-bind", path, path]
        made.add(path)
        bound.append(path)
    for link in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):  # merged /usr: /lib -> usr/lib
        if os.path.islink(link) and link not in made:
            args += ["--symlink", os.readlink(link), link]
    for path in sorted({os.path.normpath(p) for p in write}):
        args += [*parents(path), "--bind", path, path]
        made.add(path)
    return args


class GroupLimits:
    """Memory and process limits for a whole sandbox (every process in it, together).

    Uses a cgroup: cgroup v2 (``memory.max``, ``pids.max``) where this process may create a
    child of its own cgroup, else the cgroup v1 ``memory`` and ``pids`` hierarchies (root).
    :attr:`applied` says which; when neither is writable it is ``""`` and the caller falls
    back to per-process limits (``RLIMIT_AS``) and ``RLIMIT_NPROC`` on the kernels' own uid.
    Where the ``cpu`` controller can be had (v1's hierarchy; v2's when the parent delegates
    it), the sandbox is one group of it too, so that its processes share one part of the CPU
    with the grader's threads (review 65: 24 busy processes, each in a session of its own,
    each scheduled as a group of its own, had starved the disk watch, and a kernel wrote
    4.3 GB under a 1 GiB bound).
    """

    def __init__(self, name: str, memory_bytes: int | None, processes: int | None):
        self.dirs: list[str] = []
        self.applied = ""
        self.why = ""
        if not sys.platform.startswith("linux") or (not memory_bytes and not processes):
            self.why = "no limit asked" if sys.platform.startswith("linux") else "not Linux"
            return
        try:
            self._make(name, memory_bytes, processes)
        except OSError as err:
            self.remove()
            self.why = f"cgroup: {err}"

    @staticmethod
    def _own(controller: str) -> str | None:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _num, names, path = line.split(":", 2)
            if controller in names.split(",") or (controller == "" and names == ""):
                return path
        return None

    def _make(self, name, memory_bytes, processes) -> None:
        base = "/sys/fs/cgroup"
        if os.path.exists(f"{base}/cgroup.controllers"):  # unified (v2) hierarchy
            own = self._own("")
            parent = f"{base}{own}".rstrip("/")
            available = Path(f"{parent}/cgroup.controllers").read_text().split()
            if not {"memory", "pids"} <= set(available):
                raise OSError(f"cgroup v2 controllers at {parent}: {available}")
            path = f"{parent}/{name}"
            os.mkdir(path)
            self.dirs.append(path)
            if memory_bytes:
                _write(f"{path}/memory.max", str(memory_bytes))
                if os.path.exists(f"{path}/memory.swap.max"):
                    _write(f"{path}/memory.swap.max", "0")
            if processes:
                _write(f"{path}/pids.max", str(processes))
            self.applied = "cgroup2"  # (cpu: a group of it where the parent delegates it)
            return
        for controller, limit, value in (
            ("memory", "memory.limit_in_bytes", memory_bytes),
            ("pids", "pids.max", processes),
        ):
            own = self._own(controller)
            if own is None or not os.path.isdir(f"{base}/{controller}"):
                raise OSError(f"no cgroup v1 {controller} hierarchy")
            path = f"{base}/{controller}{own}".rstrip("/") + f"/{name}"
            os.mkdir(path)
            self.dirs.append(path)
            if value:
                _write(f"{path}/{limit}", str(value))
        own = self._own("cpu")
        if own is not None and os.path.isdir(f"{base}/cpu"):
            path = f"{base}/cpu{own}".rstrip("/") + f"/{name}"
            with contextlib.suppress(OSError):
                os.mkdir(path)
                self.dirs.append(path)
        memsw = f"{self.dirs[0]}/memory.memsw.limit_in_bytes"
        # cgroup v1 counts TCP buffers only once they have a limit of their own (a kernel
        # had queued 403 MiB on its loopback outside --memory); v2 counts them with the rest
        tcp = f"{self.dirs[0]}/memory.kmem.tcp.limit_in_bytes"
        for limit in (memsw, tcp):
            if memory_bytes and os.path.exists(limit):
                try:
                    _write(limit, str(memory_bytes))
                except OSError:
                    pass
        self.applied = "cgroup1"

    @classmethod
    def sweep(cls, prefix: str) -> int:
        """Kill and remove every group of this process's cgroups whose name starts with
        ``prefix`` (groups a worker could not remove because it was killed); returns how many."""
        parents = []
        try:
            if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
                parents.append("/sys/fs/cgroup" + (cls._own("") or ""))
            for controller in ("memory", "pids", "cpu"):
                own = cls._own(controller)
                if own is not None and os.path.isdir(f"/sys/fs/cgroup/{controller}"):
                    parents.append(f"/sys/fs/cgroup/{controller}{own}")
        except OSError:
            return 0
        group = cls.__new__(cls)
        group.dirs = []
        for parent in parents:
            try:
                names = [n for n in os.listdir(parent) if n.startswith(prefix)]
            except OSError:
                continue
            group.dirs += [f"{parent.rstrip('/')}/{n}" for n in names]
        count = len(group.dirs)
        group.remove()
        return count

    def enter(self, pid: int | None = None) -> None:
        """Move process ``pid`` (this one by default) into the group; its children follow."""
        for path in self.dirs:
            _write(f"{path}/cgroup.procs", str(pid or os.getpid()))

    def remove(self) -> None:
        """Kill what is left in the group and remove it."""
        import signal
        import time

        for path in self.dirs:
            for _ in range(50):
                try:
                    pids = Path(f"{path}/cgroup.procs").read_text().split()
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.02)
            try:
                os.rmdir(path)
            except OSError:
                pass
        self.dirs = []


# --- applying the layers (run in the launcher process) ---------------------------------------


def _set_rlimits(policy: SandboxPolicy) -> None:
    import resource  # POSIX only

    limits = [
        (resource.RLIMIT_AS, policy.memory_bytes),
        (resource.RLIMIT_FSIZE, policy.file_bytes),
        (resource.RLIMIT_CPU, policy.cpu_seconds),
        (resource.RLIMIT_NPROC, policy.processes),
        (resource.RLIMIT_NOFILE, policy.open_files),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in limits:
        if value is None:
            continue
        _soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _unshare(policy: SandboxPolicy, status: SandboxStatus) -> None:
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    wanted_net = not policy.network
    flags = _CLONE_NEWUSER | _CLONE_NEWNS | (_CLONE_NEWNET if wanted_net else 0)
    if libc.unshare(ctypes.c_int(flags)) == 0:
        inside_uid = _ROOT_INSIDE_ID if uid == 0 else uid
        inside_gid = _ROOT_INSIDE_ID if gid == 0 else gid
        try:
            _write("/proc/self/uid_map", f"{inside_uid} {uid} 1\n")
            _write("/proc/self/setgroups", "deny\n")
            _write("/proc/self/gid_map", f"{inside_gid} {gid} 1\n")
        except OSError as err:
            status.missing["userns"] = f"uid/gid map: {err}"
        else:
            status.applied.append("userns")
        if wanted_net:
            _loopback_up(status)
        _private_mounts(libc, policy, status)
        return
    err = ctypes.get_errno()
    status.missing["userns"] = f"unshare(CLONE_NEWUSER): {os.strerror(err)}"
    # Without a user namespace, root can still isolate network and mounts.
    flags = _CLONE_NEWNS | (_CLONE_NEWNET if wanted_net else 0)
    if libc.unshare(ctypes.c_int(flags)) == 0:
        if wanted_net:
            _loopback_up(status)
        _private_mounts(libc, policy, status)
    else:
        err = ctypes.get_errno()
        if wanted_net:
            status.missing["netns"] = f"unshare(CLONE_NEWNET): {os.strerror(err)}"
        status.missing["mountns"] = f"unshare(CLONE_NEWNS): {os.strerror(err)}"


def _loopback_up(status: SandboxStatus) -> None:
    """Bring up the new network namespace's own loopback (ipykernel pipes its subprocess
    output through it); nothing outside the namespace is reachable."""
    import fcntl
    import socket
    import struct

    siocsifflags, iff_up_loopback_running = 0x8914, 0x1 | 0x8 | 0x40
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            fcntl.ioctl(
                sock, siocsifflags, struct.pack("16sH14s", b"lo", iff_up_loopback_running, b"")
            )
    except OSError:
        pass  # no loopback: still no network; only subprocess output capture is lost
    status.applied.append("netns")


def _private_mounts(libc, policy: SandboxPolicy, status: SandboxStatus) -> None:
    if libc.mount(b"none", b"/", None, ctypes.c_ulong(_MS_REC | _MS_PRIVATE), None) != 0:
        status.missing["mountns"] = f"make / private: {os.strerror(ctypes.get_errno())}"
        return
    for target in policy.private_mounts:
        if not os.path.isdir(target):
            continue
        rc = libc.mount(
            b"tmpfs",
            target.encode(),
            b"tmpfs",
            ctypes.c_ulong(_MS_NOSUID | _MS_NODEV),
            b"mode=1777,size=64m",
        )
        if rc != 0:
            status.missing["mountns"] = f"tmpfs on {target}: {os.strerror(ctypes.get_errno())}"
            return
    status.applied.append("mountns")


def _landlock(policy: SandboxPolicy, status: SandboxStatus) -> None:
    abi = landlock_abi()
    status.landlock_abi = abi
    if abi < 1:
        status.missing["landlock"] = "the running kernel offers no Landlock (needs Linux >= 5.13)"
        return
    handled = _handled_fs(abi)
    attr = _RulesetAttr(handled_access_fs=handled)
    tcp_rules = abi >= 4 and not policy.network and "netns" not in status.applied
    if tcp_rules:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
    ruleset = _syscall(
        _SYS_LANDLOCK_CREATE_RULESET,
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
        ctypes.c_uint32(0),
    )
    try:
        rules = [(p, _READ_RIGHTS) for p in policy.read]
        # no symbolic link anywhere: the worker connects to the kernel's sockets by their
        # paths in its folder, and ZeroMQ reconnects by path: a kernel that put a link there
        # had made its worker dial, outside the sandbox, any socket the grader could reach
        made = _FS_MAKE_CHAR | _FS_MAKE_BLOCK | _FS_MAKE_SYM
        rules += [(p, handled & ~made) for p in policy.write]
        rules += [
            (
                p,
                _FS_READ_FILE
                | _FS_WRITE_FILE
                | _FS_READ_DIR
                | _FS_MAKE_REG
                | _FS_REMOVE_FILE
                | _FS_TRUNCATE,
            )
            for p in policy.devices
        ]
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    rights &= _FILE_RIGHTS
                rule = _PathBeneathAttr(allowed_access=rights & handled, parent_fd=fd)
                _syscall(
                    _SYS_LANDLOCK_ADD_RULE,
                    ctypes.c_int(ruleset),
                    ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH),
                    ctypes.byref(rule),
                    ctypes.c_uint32(0),
                )
            finally:
                os.close(fd)
        _syscall(_SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
    status.applied.append("landlock")
    if tcp_rules:
        status.applied.append("landlock_net")
    elif not policy.network and "netns" not in status.applied:
        status.missing["landlock_net"] = f"Landlock ABI {abi} has no TCP rules (needs 4)"
    if abi >= 6:
        status.applied.append("landlock_scope")
    else:
        status.missing["landlock_scope"] = f"Landlock ABI {abi} has no scoping (needs 6)"


def apply(policy: SandboxPolicy, audit_fd: int | None = None) -> SandboxStatus:
    """Apply every layer of ``policy`` to the calling process (irreversibly) and report.

    ``audit_fd``: the audit descriptor, which the seccomp filter keeps pointing where it
    points now (see :func:`_seccomp`). Call this only in a process created for the purpose
    (the launcher, or a probe).
    """
    status = SandboxStatus()
    if not sys.platform.startswith("linux"):
        for layer in LAYERS:
            status.missing[layer] = f"not available on {platform.system()}"
        return status
    status.applied += list(policy.outside.get("applied", []))
    status.missing.update(policy.outside.get("missing", {}))
    try:
        _set_rlimits(policy)
        status.applied.append("rlimits")
    except (OSError, ValueError) as err:
        status.missing["rlimits"] = str(err)
    if policy.namespaces:
        _unshare(policy, status)
    if _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
        status.applied.append("no_new_privs")
    else:
        status.missing["no_new_privs"] = os.strerror(ctypes.get_errno())
    try:
        _landlock(policy, status)
    except OSError as err:
        status.missing["landlock"] = f"Landlock failed: {err}"
    _leave_session_keyring()
    _seccomp(status, audit_fd)
    _drop_capabilities(status)
    return status


def _leave_session_keyring() -> None:
    """Join a new, empty session keyring (before the seccomp filter refuses ``keyctl``): the
    kernel no longer possesses the grader's, whose keys ``/proc/keys`` had listed by name
    onto a student's feedback page (review 51). Nothing where Linux has no keyrings."""
    keyctl = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
    if keyctl is not None:
        with contextlib.suppress(OSError):
            _syscall(keyctl, 1, None)  # KEYCTL_JOIN_SESSION_KEYRING, anonymous


#: ``fallocate`` by architecture (``AUDIT_ARCH_*``): it takes disk space in one call, without
#: writing (8 GiB at once), and with ``FALLOC_FL_KEEP_SIZE`` past ``RLIMIT_FSIZE``.
_FALLOCATE = {0xC000003E: 285, 0xC00000B7: 47}  # x86_64, aarch64
_EOPNOTSUPP = 95  # glibc's posix_fallocate then writes the zeros itself (bounded as writes)
#: io_uring_setup, io_uring_enter, io_uring_register (one number on every architecture): a ring
#: runs fallocate (and holds removed files) past the filter's other checks.
_IO_URING = (425, 426, 427)
#: sendmsg and sendmmsg (x86_64, aarch64): the only way to pass a descriptor to a socket
#: (``SCM_RIGHTS``), where a removed file is in no folder and no process's descriptor table,
#: so no disk watch can see it (6 GiB were held so). ZeroMQ and ipykernel send with ``send``.
_SENDMSG = {0xC000003E: (46, 307), 0xC00000B7: (211, 269)}
#: splice, tee, vmsplice, sendfile and copy_file_range (x86_64, aarch64): a splice from a file
#: blocked on a full pipe keeps the file after its last descriptor is closed, in no table
#: and no mapping (2 GB of removed files were held so, unseen). ``shutil`` copies with
#: ``sendfile`` and falls back to ``read``/``write`` when the first call fails.
_SPLICE = {0xC000003E: (275, 276, 278, 40, 326), 0xC00000B7: (76, 77, 75, 71, 285)}
#: shmget, semget and msgget (x86_64, aarch64): System V objects outlive the kernel that made
#: them and are shared by every kernel of a worker's sandbox (one IPC namespace): a segment
#: left by one student was read by the next, and 1.85 GB of them were charged to the next
#: students' kernels. Python, NumPy and ipykernel use none (``multiprocessing`` uses POSIX
#: semaphores in ``/dev/shm``).
_SYSV_IPC = {0xC000003E: (29, 64, 68), 0xC00000B7: (194, 190, 186)}
#: add_key, request_key and keyctl (x86_64, aarch64): the kernel keyrings are no namespace's.
#: A kernel possessed the session keyring of whoever ran the grader (read the instructor's
#: keys into its outputs, and left a key the next student's kernel read). Python, NumPy and
#: ipykernel use none; Flatpak and Docker refuse them too.
_KEYRING = {0xC000003E: (248, 249, 250), 0xC00000B7: (217, 218, 219)}
#: io_setup (x86_64, aarch64): Linux AIO contexts come from one allowance for the whole
#: machine (``fs.aio-max-nr``), which a kernel had taken whole for as long as it ran. Python,
#: NumPy and ipykernel use none (glibc's POSIX AIO uses threads).
_AIO_SETUP = {0xC000003E: (206,), 0xC00000B7: (0,)}
#: mq_open, inotify_init, inotify_init1 and fanotify_init (x86_64, aarch64): POSIX message
#: queues outlive the kernel in the sandbox's IPC namespace (a channel to the next student)
#: and, like inotify watches and fanotify groups, are counted on the account that made the
#: namespace: under an unprivileged grader one kernel took the account's whole allowance of
#: each, and inotify on the shared read-only folders showed which files the other kernels
#: opened. Python, NumPy and ipykernel use none.
_NOTIFY_MQ = {0xC000003E: (240, 253, 294, 300), 0xC00000B7: (180, 26, 262)}
#: socket and socketpair (x86_64, aarch64), and the one address family a kernel may open:
#: UNIX (ZeroMQ's ``ipc`` sockets, asyncio's self-pipe, multiprocessing). ``AF_INET`` and
#: ``AF_INET6`` fail with ``EAFNOSUPPORT``, as on a system without them (libraries that probe
#: for IPv6 take it so): the sandbox's network namespace holds only its loopback, so no
#: notebook has a use for them, and what an IP socket holds in the kernel lies partly outside
#: every cgroup v1 count (review 55: TCP signing keys, 2.2 GB; review 56: connections queued
#: on a listener and reset, 2.2 GB with no descriptor held, sticky IPv6 options, 128 KiB a
#: socket, and IPv6 flow labels, which outlived the kernel and carried a note to the next
#: student). Any other family fails with ``EPERM``: ``AF_VSOCK`` belongs to no network
#: namespace, and on a virtual machine reaches the host's services; under a root grader the
#: sandbox's network namespace belongs to the host's user namespace, to which Linux sends
#: every device event (a kernel had watched the host's devices come and go through
#: ``NETLINK_KOBJECT_UEVENT``); and the replies ``NETLINK_ROUTE`` queues, each a copy of a
#: refused request, are memory no cgroup v1 counts (review 54: 400 sockets held 3.2 GB under
#: a 1 GiB ``--memory``). A netlink socket fails with ``EOPNOTSUPP``, not ``EPERM``: glibc's
#: ``getifaddrs`` then fails with it, on which ZeroMQ, which reads the interface list when it
#: binds, goes on with the address as given (``EPERM`` aborts it); glibc's ``getaddrinfo``
#: assumes both IPv4 and IPv6.
_SOCKET = {0xC000003E: (41, 53), 0xC00000B7: (198, 199)}
_AF_UNIX, _AF_INET, _AF_INET6, _AF_NETLINK = 1, 2, 10, 16
_EAFNOSUPPORT = 97
#: close, dup2 (x86_64 only) and dup3 (x86_64, aarch64), and close_range (both): the calls
#: that make a descriptor number point elsewhere. On the audit descriptor they fail with
#: ``EPERM``: a kernel that pointed it at a file, or at a pipe of its own relayed by a
#: thread that dropped some lines, and restored it before its notebook ended, lost those
#: records unseen.
_CLOSE = {0xC000003E: 3, 0xC00000B7: 57}
#: unshare and clone (x86_64, aarch64; the flags are the first argument of both) with
#: ``CLONE_NEWUSER`` fail with ``EPERM``, and clone3 (whose flags the filter cannot read)
#: with ``ENOSYS``, so glibc falls back to clone for threads and processes: a new user
#: namespace holds every capability inside it (a root grader's kernel had made one with a
#: network namespace and opened netfilter's netlink socket, nf_tables' way in). A thread
#: with a descriptor table of its own (``unshare(CLONE_FILES)``, or ``clone`` with
#: ``CLONE_THREAD`` and without ``CLONE_FILES``) is refused too (``EPERM``): each such
#: thread's table is read apart by the disk watch, and 100 threads of 3,000 descriptors
#: each, spinning, had starved the check and held 300,000 descriptors (1.5 million with 150
#: threads, 61% of the host's ``fs.file-max``) for a whole cell (review 53).
_NEW_USERNS = {0xC000003E: (272, 56), 0xC00000B7: (97, 220)}
_CLONE_FILES, _CLONE_THREAD = 0x400, 0x10000
_CLONE3 = 435
#: prlimit64 (x86_64, aarch64) on another process than the caller (a first argument other
#: than 0; glibc's getrlimit and setrlimit pass 0) fails with ``EPERM``: a kernel had lowered
#: the memory limit of the template its successors are forked from (every later student of
#: that worker scored 0). Scheduling calls take a thread id (ZeroMQ sets its own threads'),
#: so they stay open: the template checks its own settings before each kernel instead.
_OTHER_PID = {0xC000003E: (302,), 0xC00000B7: (261,)}
#: setpriority and ioprio_set (x86_64, aarch64) only for the caller itself (``PRIO_PROCESS``
#: and ``IOPRIO_WHO_PROCESS`` with who 0; ``os.nice`` is that), else ``EPERM``: ``PRIO_USER``
#: reaches every process of the uid, the template included.
_PRIORITY = {0xC000003E: ((141, 0), (251, 1)), 0xC00000B7: ((140, 0), (30, 1))}
#: setxattr, lsetxattr, fsetxattr and setxattrat (x86_64, aarch64) fail with ``EOPNOTSUPP``
#: (``shutil.copystat`` then skips the attributes): attributes of the sandbox's folders
#: outlive the kernel (a note left on ``/dev/shm`` for the next student of the worker) and
#: their values are kernel memory no limit counts (1 GiB had been held so).
_SETXATTR = {0xC000003E: (188, 189, 190, 463), 0xC00000B7: (5, 6, 7, 463)}
#: userfaultfd, memfd_secret, perf_event_open, bpf (x86_64, aarch64) and modify_ldt (x86_64:
#: a process's own segment table, another old way into the kernel) fail with ``EPERM``:
#: kernel interfaces no notebook needs (Python, NumPy and ipykernel use none). userfaultfd
#: (open to any user in its user-mode form) pauses the kernel's own copies at a chosen page,
#: the usual first step of exploits of the kernel's races; memfd_secret makes memory that
#: even the kernel's direct map no longer holds, outside every inspection of the grader;
#: perf_event_open and bpf are large kernel surfaces that container runtimes refuse too.
_KERNEL_SURFACE = {0xC000003E: (323, 447, 298, 321, 154), 0xC00000B7: (282, 447, 241, 280)}
#: mbind, set_mempolicy and set_mempolicy_home_node (x86_64, aarch64) fail with ``ENOSYS``,
#: as on a Linux built without NUMA: a memory policy set on shared memory is kept page by
#: page (about 336 bytes a page) in kernel memory no cgroup v1 count, address-space limit or
#: disk watch sees, 1.85 GB beside a 1 GiB ``--memory`` (review 58). Libraries that ask
#: (OpenBLAS, libnuma) take ``ENOSYS`` for a machine of one node.
_NUMA_POLICY = {0xC000003E: (237, 238, 450), 0xC00000B7: (235, 237, 450)}
#: landlock_create_ruleset, landlock_add_rule, landlock_restrict_self (one number on every
#: architecture) fail with ``EPERM`` once the kernel is confined: a rule holds its file's inode,
#: and a removed file so held kept 2.4 GB, and 30,000 files, past the disk watch, with no
#: descriptor, mapping or folder entry to count (review 60).
_LANDLOCK = (444, 445, 446)
#: file_setattr (Linux 6.17, one number on every architecture): the inode flags of the
#: ioctl requests below, set through a path (refused with them, ``EPERM``).
_FILE_SETATTR = 469
#: ioctl (x86_64, aarch64) with a request that sets what an owner may write on an inode
#: without writing the file fails with ``EPERM``: its flags (``FS_IOC_SETFLAGS``, also in
#: its 32-bit form, and ``FS_IOC_FSSETXATTR``), its generation number (``FS_IOC_SETVERSION``,
#: 32 bits any owner sets on ext4), an encryption policy and fs-verity. The template's home
#: is the kernel's own: a kernel had left a note in its entries' generation numbers and
#: flags that the next student of the worker read, past the modes and times given back.
_IOCTL = {0xC000003E: 16, 0xC00000B7: 29}
#: fcntl (x86_64, aarch64) with ``F_SET_RW_HINT`` or ``F_SET_FILE_RW_HINT``: a write-life
#: hint kept on the inode while it is cached, a note in the template's home too (review 52);
#: and ``F_NOTIFY`` (dnotify, the older way to watch a folder, beside the refused inotify):
#: a kernel had read another worker's kernel's reads of a shared read-only folder, a channel
#: between students graded at the same time (review 57); and a byte-range lock (``F_SETLK``,
#: ``F_SETLKW`` and their open-file-description forms, 37 and 38): each is kernel memory no
#: cgroup has counted since Linux 6.3 and no limit bounds (``RLIMIT_LOCKS`` is unused), 1.5 GB
#: of them held beside a 1 GiB ``--memory`` (review 57). No kernel of a notebook locks a
#: record: IPython's history, SQLite, is kept in memory (``worker.grade_notebook``). And a
#: write lease (``F_SETLEASE``, 1024): under an unprivileged grader without subordinate ids a
#: kernel of the grader's uid had leased the environment's files it owns, and every other
#: kernel's ``open`` of them waited 45 s (review 60).
_FCNTL = {0xC000003E: 72, 0xC00000B7: 25}
_FCNTL_REFUSED = (1036, 1038, 1026, 6, 7, 37, 38, 1024)
#: prctl (:data:`_FILTERS`) with ``PR_FUTEX_HASH`` (Linux 6.16): one call allocates up to
#: 1 GiB of kernel memory for the process's private futex hash, which under an unprivileged
#: grader's fallback (no cgroup) no limit counts (review 57: 2 GiB beside a 1 GiB
#: ``--memory``); and with ``PR_SET_DUMPABLE``: a kernel that made itself not dumpable
#: under an unprivileged grader without subordinate ids (its own uid) hid its descriptors and
#: mappings from the disk watch, and 2.5 GB of removed files and memfds with them (review 59).
_PRCTL_REFUSED = (78, 4)  # PR_FUTEX_HASH, PR_SET_DUMPABLE
#: setsockopt (x86_64, aarch64) of a socket filter (``SOL_SOCKET``: ``SO_ATTACH_FILTER``,
#: ``SO_ATTACH_REUSEPORT_CBPF``) fails with ``EPERM``: a classic BPF program is kernel memory
#: outside the cgroup v1 count, about 36 KB a socket (review 56). No notebook filters its
#: own UNIX sockets.
_SETSOCKOPT = {0xC000003E: 54, 0xC00000B7: 208}
_SOL_SOCKET = 1
_SOCKET_FILTERS = (26, 51)
_INODE_SETTERS = (
    0x40086602,  # FS_IOC_SETFLAGS
    0x40046602,  # FS_IOC32_SETFLAGS
    0x40087602,  # FS_IOC_SETVERSION
    0x40047602,  # FS_IOC32_SETVERSION
    0x40086604,  # EXT4_IOC_SETVERSION (ext4's own number for it: review 52)
    0x40046604,  # EXT4_IOC32_SETVERSION
    0x401C5820,  # FS_IOC_FSSETXATTR
    0x800C6613,  # FS_IOC_SET_ENCRYPTION_POLICY
    0x40806685,  # FS_IOC_ENABLE_VERITY
)
_DUP_ONTO = {0xC000003E: (33, 292), 0xC00000B7: (24,)}
_CLOSE_RANGE = 436
_EPERM = 1


#: execve and execveat (x86_64, aarch64) fail with ``EACCES`` once the kernel runs (a second
#: filter, :func:`_refuse_exec`, as the launcher without a template execs the kernel after
#: confining itself): Python raises no audit event for ``_posixsubprocess.fork_exec``, under
#: ``subprocess``, and a kernel had run the library's function in a child Python started so
#: for every call, unflagged (and from a sub-interpreter, which no audit hook watches).
_EXEC = {0xC000003E: (59, 322), 0xC00000B7: (221, 281)}
_EACCES = 13
#: seccomp and prctl (x86_64, aarch64): that same last filter refuses another filter with
#: ``EPERM`` (``seccomp``, and ``prctl`` with ``PR_SET_SECCOMP``): a kernel had stacked one
#: whose user notifications handed its writes to the audit socket to a thread of its own,
#: which dropped the records it chose (``dynamic_code``, ``file_access`` and ``subprocess``
#: vanished, the check at the end passed).
_FILTERS = {0xC000003E: (317, 157), 0xC00000B7: (277, 167)}


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def _seccomp(status: SandboxStatus, audit_fd: int | None = None) -> None:
    """A seccomp filter (after ``no_new_privs``): ``fallocate`` fails with ``EOPNOTSUPP``,
    ``sendmsg`` and ``sendmmsg`` (descriptors parked in a socket), ``splice``, ``tee``,
    ``vmsplice``, ``sendfile``, ``copy_file_range`` (a file held by a blocked splice) and
    ``shmget``, ``semget``, ``msgget`` (System V objects outlive the kernel) and
    ``add_key``, ``request_key``, ``keyctl`` (the grader's keyrings), ``io_setup`` (the
    machine's whole AIO allowance), ``mq_open``, ``inotify_init*`` and ``fanotify_init`` (the
    grader account's allowances, and a channel between kernels) and a socket of another
    family than UNIX, INET, INET6 and NETLINK (``AF_VSOCK`` reaches a virtual machine's
    host from any network namespace), or of netlink with another protocol than
    ``NETLINK_ROUTE`` (the host's device events), ``userfaultfd``, ``memfd_secret``,
    ``perf_event_open``, ``bpf`` and ``modify_ldt`` (kernel surfaces no notebook needs),
    ``ioctl`` setting
    an inode's flags, generation number, encryption policy or fs-verity (a note for the
    next student in the template's home), and
    ``unshare``/``clone`` of a new user namespace (every capability inside it) and
    ``prlimit64``, ``setpriority`` and ``ioprio_set`` on another process (its template's
    limits) with ``EPERM``, and the ``setxattr`` family with ``EOPNOTSUPP`` (attributes
    outlive the kernel), and io_uring (which runs fallocate and the rest past this filter)
    and ``clone3`` (whose flags it cannot read) with ``ENOSYS``; system calls of another ABI
    (x32, or 32-bit ``int 0x80`` on x86-64) fail with ``ENOSYS`` (they would reach it by
    another number). With ``audit_fd``, ``close`` of it, ``dup2``/``dup3`` onto it and a
    ``close_range`` that covers it fail with ``EPERM``: the descriptor stays the audit pipe
    for the process's life (and its children's, until ``exec`` closes it). Everything else
    is allowed."""
    import platform as _platform

    arch = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(_platform.machine())
    if arch is None:
        status.missing["seccomp"] = f"no filter for {_platform.machine()}"
        return
    ld_arch, ld_nr = (0x20, 0, 0, 4), (0x20, 0, 0, 0)  # BPF_LD|W|ABS: seccomp_data.arch, .nr
    allow, enosys = (0x06, 0, 0, 0x7FFF0000), (0x06, 0, 0, 0x00050000 | 38)  # RET ALLOW, ERRNO
    deny = (0x06, 0, 0, 0x00050000 | _EOPNOTSUPP)
    eperm = (0x06, 0, 0, 0x00050000 | _EPERM)
    refused = []  # each: JEQ nr -> EPERM
    for nr in (
        *_SENDMSG[arch],
        *_SPLICE[arch],
        *_SYSV_IPC[arch],
        *_KEYRING[arch],
        *_AIO_SETUP[arch],
        *_NOTIFY_MQ[arch],
        *_KERNEL_SURFACE[arch],
        *_LANDLOCK,
        _FILE_SETATTR,
    ):
        refused += [(0x15, 0, 1, nr), eperm]
    for nr in _SETXATTR[arch]:
        refused += [(0x15, 0, 1, nr), deny]
    for nr in _NUMA_POLICY[arch]:
        refused += [(0x15, 0, 1, nr), enosys]
    others = []  # another process's limits or priority: EPERM
    for nr in _OTHER_PID[arch]:  # the pid (first argument) must be 0, the caller
        others += [ld_nr, (0x15, 0, 3, nr), (0x20, 0, 0, 16), (0x15, 1, 0, 0), eperm]
    for nr, which in _PRIORITY[arch]:  # (which, who): the caller's own kind, and who 0
        others += [
            ld_nr,
            (0x15, 0, 5, nr),
            (0x20, 0, 0, 16),
            (0x15, 0, 2, which),
            (0x20, 0, 0, 24),
            (0x15, 1, 0, 0),
            eperm,
        ]
    families = []  # socket(domain, ...), socketpair(domain, ...): the low word of domain
    no_family = (0x06, 0, 0, 0x00050000 | _EAFNOSUPPORT)
    for nr in _SOCKET[arch]:
        families += [ld_nr, (0x15, 0, 8, nr), (0x20, 0, 0, 16)]  # the block is 10 long
        families += [(0x15, 6, 0, _AF_UNIX)]  # JEQ UNIX: past the refusals
        families += [(0x15, 1, 0, _AF_INET), (0x15, 0, 1, _AF_INET6), no_family]
        families += [(0x15, 0, 1, _AF_NETLINK), deny, eperm]  # netlink: EOPNOTSUPP
    n = len(_INODE_SETTERS)  # ioctl(fd, request, ...): the block is 3 + n + 2 long
    setters = [ld_nr, (0x15, 0, n + 3, _IOCTL[arch]), (0x20, 0, 0, 24)]
    for i, request in enumerate(_INODE_SETTERS):  # JEQ request (the low word): EPERM
        setters.append((0x15, n - i, 0, request))
    setters += [(0x05, 0, 0, 1), eperm]  # JA past the refusal: no setter
    for request in _FCNTL_REFUSED:  # fcntl(fd, F_SET_RW_HINT, F_NOTIFY, F_SETLK...): EPERM
        setters += [ld_nr, (0x15, 0, 3, _FCNTL[arch]), (0x20, 0, 0, 24), (0x15, 0, 1, request)]
        setters.append(eperm)
    prctl = _FILTERS[arch][1]
    for option in _PRCTL_REFUSED:  # prctl(PR_FUTEX_HASH or PR_SET_DUMPABLE, ...): EPERM
        setters += [ld_nr, (0x15, 0, 3, prctl), (0x20, 0, 0, 16), (0x15, 0, 1, option)]
        setters.append(eperm)
    k = len(_SOCKET_FILTERS)  # setsockopt(fd, level, option, ...): the block is 5 + k + 1 long
    attach = [ld_nr, (0x15, 0, 4 + k, _SETSOCKOPT[arch]), (0x20, 0, 0, 24)]
    attach += [(0x15, 0, 2 + k, _SOL_SOCKET), (0x20, 0, 0, 32)]  # the level, then the option
    for i, option in enumerate(_SOCKET_FILTERS):  # JEQ option: EPERM
        attach.append((0x15, k - 1 - i, 0 if i < k - 1 else 1, option))
    attach.append(eperm)
    unshare, clone = _NEW_USERNS[arch]
    userns = [  # unshare(flags): CLONE_NEWUSER or CLONE_FILES set -> EPERM
        *(ld_nr, (0x15, 0, 3, unshare), (0x20, 0, 0, 16)),
        *((0x45, 0, 1, _CLONE_NEWUSER | _CLONE_FILES), eperm),
    ]
    userns += [  # clone(flags, ...): CLONE_NEWUSER, or CLONE_THREAD without CLONE_FILES: EPERM
        *(ld_nr, (0x15, 0, 5, clone), (0x20, 0, 0, 16), (0x45, 2, 0, _CLONE_NEWUSER)),
        (0x54, 0, 0, _CLONE_THREAD | _CLONE_FILES),  # A &= THREAD | FILES
        *((0x15, 0, 1, _CLONE_THREAD), eperm),
    ]
    kept = []  # the audit descriptor: each block reloads nr, then the argument
    if audit_fd is not None:
        arg = [(0x20, 0, 0, 16 + 8 * i) for i in range(2)]  # low words of args[0], args[1]
        for nr, i in [(_CLOSE[arch], 0)] + [(nr, 1) for nr in _DUP_ONTO[arch]]:
            kept += [ld_nr, (0x15, 0, 3, nr), arg[i], (0x15, 0, 1, audit_fd), eperm]
        kept += [  # close_range(first, last): first <= fd <= last
            ld_nr,
            (0x15, 0, 5, _CLOSE_RANGE),
            arg[0],
            (0x25, 3, 0, audit_fd),  # JGT: first > fd, next block
            arg[1],
            (0x35, 0, 1, audit_fd),  # JGE: last >= fd, EPERM
            eperm,
        ]
    program = [
        ld_arch,
        (0x15, 1, 0, arch),  # JEQ arch: go on; another ABI (int 0x80): ENOSYS
        enosys,
        ld_nr,
        (0x35, 0, 1, 0x40000000),  # JGE the x32 bit: ENOSYS
        enosys,
        (0x15, 0, 1, _FALLOCATE[arch]),  # JEQ fallocate
        deny,
        *refused,  # sendmsg, splice, SysV IPC, keyrings, AIO, kernel surfaces, xattrs, mbind
        (0x35, 0, 2, _IO_URING[0]),  # io_uring_setup .. io_uring_register: ENOSYS
        (0x35, 1, 0, _IO_URING[-1] + 1),
        enosys,
        (0x15, 0, 1, _CLONE3),  # JEQ clone3: ENOSYS (glibc then uses clone)
        enosys,
        *families,  # IP sockets: EAFNOSUPPORT; netlink: EOPNOTSUPP; another but UNIX: EPERM
        *setters,  # ioctl setting an inode's flags..., fcntl hints, dnotify, locks, futex hash
        *userns,  # a new user namespace, a thread's own descriptor table: EPERM
        *attach,  # a socket filter attached: EPERM
        *others,  # another process's limits or priority: EPERM
        *kept,
        allow,
    ]
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    prog = _SockFprog(len(program), filters)
    if _libc().prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0:
        status.applied.append("seccomp")
    else:
        status.missing["seccomp"] = os.strerror(ctypes.get_errno())


def _refuse_exec() -> bool:
    """The last seccomp filter, on top of the kernel's: no program can be started from it
    (:data:`_EXEC`), and no filter added after it (:data:`_FILTERS`); True if it was
    installed. Needs ``no_new_privs`` (set by :func:`confine`)."""
    import platform as _platform

    arch = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(_platform.machine())
    if arch is None:
        return False
    execve, execveat = _EXEC[arch]
    seccomp, prctl = _FILTERS[arch]
    program = [
        (0x20, 0, 0, 4),  # seccomp_data.arch
        (0x15, 0, 7, arch),  # another ABI: the kernel's own filter refuses it
        (0x20, 0, 0, 0),  # seccomp_data.nr
        (0x15, 6, 0, execve),  # -> EACCES
        (0x15, 5, 0, execveat),
        (0x15, 5, 0, seccomp),  # -> EPERM
        (0x15, 0, 2, prctl),
        (0x20, 0, 0, 16),  # prctl's option (the low word of its first argument)
        (0x15, 2, 0, _PR_SET_SECCOMP),
        (0x06, 0, 0, 0x7FFF0000),  # allow
        (0x06, 0, 0, 0x00050000 | _EACCES),
        (0x06, 0, 0, 0x00050000 | _EPERM),
    ]
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    prog = _SockFprog(len(program), filters)
    return _libc().prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_capabilities(status: SandboxStatus) -> None:
    """Give up every capability, for good: the bounding set, then the process's own sets.

    ``unshare(CLONE_NEWUSER)`` grants every capability inside the new namespace (enough to
    undo the private mounts); a grader running as root has them all. ``exec`` would drop them
    only for a non-root user, and a kernel forked from a warm template never ``exec``'s.
    """
    libc = _libc()
    for cap in range(64):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            if ctypes.get_errno() == 22:  # EINVAL: past the last capability of this kernel
                break
    header = _CapHeader(version=_LINUX_CAPABILITY_VERSION_3, pid=0)
    data = (_CapData * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        why = f"capset: {os.strerror(ctypes.get_errno())}"
        status.missing["no_new_privs"] = status.missing.get("no_new_privs", why)


# --- the audit hook (installed in the kernel's own interpreter) ------------------------------

_PATH_EVENTS = frozenset(
    "open os.listdir os.scandir os.chdir os.symlink os.link os.rename os.remove os.rmdir "
    "os.mkdir os.truncate os.chmod os.chown".split()
)
#: Objects taken from the garbage collector, and functions and code objects made by hand
#: (``types.FunctionType``, ``code.replace(co_filename=...)``, ``marshal.loads``), and code
#: compiled under a file name of the library (``compile(src, "resistlab/...", "exec")``) or
#: of a notebook cell (the setup's, from ``linecache``: its calls counted as the setup's):
#: how the kernel's call reporting is taken apart, which the scan sees only when written out
#: (``getattr`` with a built name hid them). Recorded when the code that asked is not the
#: standard library's or an installed package's (IPython, hypothesis and the import system
#: make code objects of their own).
_INTROSPECTION = frozenset(
    "gc.get_objects gc.get_referrers gc.get_referents code.__new__ function.__new__ "
    "marshal.loads compile pickle.find_class".split()
)
#: A trace or profile function installed (for one thread, for all threads of Python 3.12,
#: or a ``sys.monitoring`` callback of Python 3.12): it sees every frame's locals and could
#: rewrite them, the wrappers of forbidden functions too.
_TRACE_EVENTS = (
    "sys.settrace",
    "sys.setprofile",
    "sys._settraceallthreads",
    "sys._setprofileallthreads",
    "sys.monitoring.register_callback",
)
_WATCHED = (
    _PATH_EVENTS
    | _INTROSPECTION
    | frozenset(
        "socket.__new__ socket.connect socket.bind socket.sendto subprocess.Popen os.system "
        "os.exec os.posix_spawn os.spawn os.fork os.forkpty os.kill os.killpg sys.addaudithook "
        # a sub-interpreter: the kernel's audit hook is not among its hooks; a function of
        # the interpreter's C API looked up through ctypes (PyRun_SimpleString)
        "cpython.PyInterpreterState_New ctypes.dlsym".split()
    )
    | frozenset(_TRACE_EVENTS)
)
_MAX_EVENTS = 200
#: The runners of code given as text (module -> its functions that run it, None: any), and
#: the names under which they hold that text: text they run at run time counts as asked by
#: the student unless it is part of the cell being run (a ``%time`` or ``%prun`` line of
#: the cell), for no kernel of its own runs any of them (review 51: ``timeit.timeit`` handed
#: to an executor, IPython's ``ex``, ``run_code`` and ``%time`` called through built names
#: had run text from a file the notebook wrote, unflagged).
_TEXT_RUNNERS = {
    "timeit": None,
    "code": None,
    "profile": None,
    "cProfile": None,
    "trace": None,
    "doctest": None,
    "pdb": None,
    "bdb": None,
    "IPython.core.interactiveshell": ("ex", "ev", "run_code"),
    "IPython.core.magics.execution": ("time", "timeit"),
    # review 53: fileConfig evaluates its handlers' arguments (a file the notebook wrote
    # had patched numpy through it)
    "logging.config": None,
}
_TEXT_ARGUMENTS = ("line", "cell", "cmd", "expr", "stmt", "setup")
#: The names by which code calls the builtins that run text: a caller that names none of them
#: was handed one as a value (a thread's target, an executor's or a finalizer's callable).
_RUNNER_NAMES = frozenset(("exec", "eval", "compile"))


#: Functions of libc whose lookup through ``ctypes`` (the ``ctypes.dlsym`` audit event) is
#: recorded: a socket opened, or any system call made by number, where Python's ``socket``
#: module and its audit event are not used (review 57: an IP socket asked for so was refused,
#: unflagged).
_LIBC_RECORDED = frozenset({"socket", "socketpair", "syscall"})


#: Paths the grader asks a kernel to open at its end (``GradingExecute._check_audit``): the
#: audit hook records them whatever else it has recorded.
AUDIT_CHECK = "/rl-audit-check-"
#: Name the sealed-test agent's code is compiled under (``sealed._INSTALL``).
_AGENT_FILE = "_rl_sealed"
#: Most ``call`` records one kernel writes (then one ``!`` record per function).
_MAX_CALLS = 400


#: Largest source (or cached ``.pyc``) file whose code objects the hook reads to tell them apart.
_MAX_SOURCE = 8 << 20
#: Most files whose code objects one kernel reads (past it, code of other files is unverified).
_MAX_FILES = 512
#: ipykernel names a cell's code ``ipykernel_PID/HASH.py``: HASH is this murmur2 of its text.
_CELL_SEED = 0xC70F6907


def cell_name(source: str) -> str:
    """The file name ipykernel gives the code of a cell (``HASH.py``, where HASH is the murmur2
    hash, seed ``0xC70F6907``, of the cell's UTF-8 text, as ``ipykernel.compiler``), by which
    the kernel's record of calls names cells and the grader finds them.

    Examples
    --------
    >>> cell_name("x = 1")
    '3427300630.py'
    """
    data = source.encode("utf-8")
    m, length = 0x5BD1E995, len(data)
    h = _CELL_SEED ^ length
    end = length & ~3
    for i in range(0, end, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = data[end:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return f"{h}.py"


def _code_checker(installed=()):
    """Tell code objects that are what their file name says from code made to look so.

    Returns a namespace with

    ``genuine(code)``
        whether ``code`` equals (code objects compare by value, their file name aside) a code
        object of the file its ``co_filename`` names, as that file is on disk: loaded from the
        file's fresh ``__pycache__`` entry (the import system's check: the source's mtime and
        size), else compiled from the source, or of the interpreter's frozen module for a
        ``<frozen NAME>`` file. Code a student made under such a name (a sourceless ``.pyc``
        imported, ``code.replace``, ``_imp._fix_co_filename``) is not, whatever its name;
    ``trusted(code)``
        ``genuine(code)`` for a file under ``installed`` (the standard library's and the
        installed packages' folders, ``<frozen ``);
    ``same_as_cell(code, raw, transformed, index, mode, flags)``
        whether ``code`` is what IPython compiles for node ``index`` of a cell whose text is
        ``raw`` (without its leading blank lines, which IPython drops; where that is not
        Python, IPython's ``transformed`` text), in ``mode``
        with the compiler's ``flags``: parsed and compiled here again and compared, so a
        compiler, AST transformer or input transformer the student replaced or added is
        seen (and so is a class of the ``_ast`` module changed since the hook was made);
    ``own``
        this checker's code objects, whose reads and compiles the hook does not record.

    Verdicts are kept per code object (kept alive, so that its id stays its own). Every
    function and constant is taken when the checker is made, before any student code runs.
    """
    import _ast
    import _imp
    import importlib.util
    import marshal

    compile_, open_, stat, loads = compile, open, os.stat, marshal.loads
    from_bytes, is_ = int.from_bytes, operator.is_
    compress, repeat = itertools.compress, itertools.repeat
    frozen_names, get_frozen = _imp._frozen_module_names, _imp.get_frozen_object
    magic = bytes(importlib.util.MAGIC_NUMBER)
    optimize = sys.flags.optimize
    suffix = f".{sys.implementation.cache_tag}{f'.opt-{optimize}' if optimize else ''}.pyc"
    code_type, module, interactive = types.CodeType, _ast.Module, _ast.Interactive
    only_ast, top_level_await = 0x400, 0x2000  # PyCF_ONLY_AST, PyCF_ALLOW_TOP_LEVEL_AWAIT
    installed = tuple(installed)
    classes = [c for c in vars(_ast).values() if isinstance(c, type) and issubclass(c, _ast.AST)]
    # each class's attributes, by identity (compared in C: a cell's every statement checks
    # about a hundred classes' thousands of attributes)
    shapes = [(c, len(vars(c)), tuple(vars(c)), tuple(vars(c).values())) for c in classes]
    sources: dict = {}  # file -> the set of its code objects
    known: dict = {}  # id -> (code, verdict)
    frozen: dict = {}
    parsed: list = [None, None]  # (text, flags) -> its top-level nodes, for the last cell

    def tree(top) -> set:
        codes, todo = set(), [top]
        while todo:
            code = todo.pop()
            codes.add(code)
            consts = code.co_consts  # (its code objects, chosen in C, as :func:`_of_type`)
            todo.extend(compress(consts, map(is_, map(type, consts), repeat(code_type))))
        return codes

    def read(file) -> set:
        if file.startswith("<frozen ") and file.endswith(">"):
            if not frozen:
                frozen[""] = set()
                for name in frozen_names():
                    try:
                        top = get_frozen(name)
                    except Exception:
                        continue
                    frozen.setdefault(top.co_filename, set()).update(tree(top))
            return frozen.get(file, set())
        if not file.endswith(".py") or "\0" in file:
            return set()
        try:
            info = stat(file)
            if info.st_size > _MAX_SOURCE:
                return set()
            folder, _, name = file.rpartition("/")
            try:
                with open_(f"{folder}/__pycache__/{name[:-3]}{suffix}", "rb") as cached:
                    data = cached.read(_MAX_SOURCE)
                if (
                    data[:4] == magic
                    and from_bytes(data[4:8], "little") == 0
                    and from_bytes(data[8:12], "little") == int(info.st_mtime) & 0xFFFFFFFF
                    and from_bytes(data[12:16], "little") == info.st_size & 0xFFFFFFFF
                ):
                    top = loads(data[16:])
                    if type(top) is code_type:
                        return tree(top)
            except (OSError, ValueError, EOFError, TypeError):
                pass
            with open_(file, "rb") as source:
                return tree(compile_(source.read(), file, "exec", dont_inherit=True))
        except Exception:  # unreadable, not Python, nested too deep
            return set()

    def genuine(code) -> bool:
        seen = known.get(id(code))
        if seen is not None and seen[0] is code:
            return seen[1]
        file = code.co_filename
        verdict = type(file) is str and code in codes(file)
        known[id(code)] = (code, verdict)
        return verdict

    def trusted(code) -> bool:
        file = code.co_filename
        return type(file) is str and file.startswith(installed) and genuine(code)

    def same_as_cell(code, raw, transformed, index, mode, flags) -> bool:
        if type(index) is not int or mode not in ("exec", "single") or type(flags) is not int:
            return False
        for cls, size, names, values in shapes:  # the AST's classes as they were (compile
            now = vars(cls)  # reads through them; a class's names are exact strings)
            if len(now) != size or not all(map(is_, map(now.get, names), values)):
                return False
        if type(raw) is str:  # IPython drops a cell's leading blank lines, nothing else of Python
            lines = raw.splitlines(keepends=True)
            first = next((i for i, line in enumerate(lines) if line and not line.isspace()), 0)
            raw = "".join(lines[first:])
        for text in (raw, transformed):
            if type(text) is not str:
                continue
            if parsed[0] != (text, flags):
                try:
                    tree_ = compile_(
                        text,
                        "<cell>",
                        "exec",
                        flags | only_ast | top_level_await,
                        dont_inherit=True,
                    )
                except Exception:  # IPython's syntax: its transformed text is parsed instead
                    continue
                parsed[:] = [(text, flags), list(tree_.body)]
            break
        else:
            return False
        nodes = parsed[1]
        if not 0 <= index < len(nodes):
            return False
        wrapped = module([nodes[index]], []) if mode == "exec" else interactive([nodes[index]])
        for extra in (0, top_level_await):
            try:
                again = compile_(wrapped, code.co_filename, mode, flags | extra, dont_inherit=True)
            except Exception:  # (``await`` compiles only with the second)
                continue
            if again == code:
                return True
        return False

    texts: dict = {}  # file -> its source lines (the library's files)

    def span(code, offset):
        """The source text of the instruction at byte ``offset`` of ``code`` (a genuine
        code object's: its file is read), or None where positions are not kept."""
        positions = getattr(code, "co_positions", None)
        if positions is None or type(offset) is not int or offset < 0:
            return None
        where = next(islice(positions(), offset // 2, None), None)
        if where is None:
            return None
        first, last, start, end = where
        file = code.co_filename
        if file not in texts:
            try:
                with open_(file, "rb") as source:
                    texts[file] = source.read(_MAX_SOURCE).decode("utf-8").splitlines()
            except Exception:
                texts[file] = []
        lines = texts[file][first - 1 : last] if first and last else []
        if not lines or start is None or end is None:
            return ""
        if len(lines) == 1:
            return lines[0][start:end]
        return "\n".join([lines[0][start:], *lines[1:-1], lines[-1][:end]])

    def codes(file) -> set:
        """Every code object of ``file`` as it is on disk (the same cache as ``genuine``)."""
        found = sources.get(file)
        if found is None:
            found = read(file) if len(sources) < _MAX_FILES else set()
            sources[file] = found
        return found

    own = {  # by id: hashing a code object hashes its names, which may run a subclass's code
        id(f.__code__): f.__code__
        for f in (tree, read, genuine, trusted, same_as_cell, span, codes)
    }
    return types.SimpleNamespace(
        genuine=genuine, trusted=trusted, same_as_cell=same_as_cell, span=span, own=own,
        codes=codes,
    )  # fmt: skip


def _same_code(a, b, depth: int = 0) -> bool:
    r"""Whether code objects ``a`` and ``b`` are the same code wherever each was compiled:
    equal instructions, names, variables and constants (nested code compared the same way),
    file name, first line and positions aside.

    Examples
    --------
    >>> first = compile("def f(x):\n    return x + 1\n", "a.py", "exec").co_consts[0]
    >>> again = compile("\n\ndef f(x):\n    return x + 1\n", "<b>", "exec").co_consts[0]
    >>> other = compile("def f(x):\n    return x + 2\n", "a.py", "exec").co_consts[0]
    >>> _same_code(first, again), _same_code(first, other)
    (True, False)
    """
    if (
        a.co_code != b.co_code
        or a.co_names != b.co_names
        or a.co_varnames != b.co_varnames
        or a.co_freevars != b.co_freevars
        or a.co_cellvars != b.co_cellvars
        or len(a.co_consts) != len(b.co_consts)
        or depth > 50
    ):
        return False
    for x, y in zip(a.co_consts, b.co_consts, strict=True):
        if type(x) is types.CodeType or type(y) is types.CodeType:
            if type(x) is not type(y) or not _same_code(x, y, depth + 1):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


def _has_word(text: str, name: str) -> bool:
    """Whether ``name`` occurs in ``text`` as a whole identifier (``str`` methods only: the
    hook calls it while student code may have changed ``re``).

    Examples
    --------
    >>> _has_word("curve_fit(hill, x)", "hill"), _has_word("float(hill_x)", "hill")
    (True, False)
    """
    start = text.find(name)
    while start >= 0:
        before = text[start - 1 : start]
        after = text[start + len(name) : start + len(name) + 1]
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        start = text.find(name, start + 1)
    return False


def _installed_folders() -> tuple:
    """The standard library's and the installed packages' folders (and ``<frozen ``, the
    interpreter's frozen modules): code there asks for its own reasons."""
    import sysconfig

    layout = sysconfig.get_paths()
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    return tuple({layout[k].rstrip("/") + "/" for k in keys} | {"<frozen "})


def _cell_file(file, str_=str) -> bool:
    """Whether ``file`` is what ipykernel names a cell's code (``.../ipykernel_PID/HASH.py``),
    read with ``str``'s own methods only (no call the hook's alarm sees, and none of a
    subclass's).

    >>> _cell_file("/tmp/ipykernel_12/3456.py"), _cell_file("/tmp/x/ipykernel_12.py")
    (True, False)
    """
    if type(file) is not str_:
        return False
    folder = file[: file.rfind("/")]
    return folder[folder.rfind("/") + 1 :].startswith("ipykernel_")


_STOPPERS: dict = {}  # process id -> its ``stop`` and ``later`` (one thread that signals)


def _stopper():
    """The functions that keep an exception or a signal out of the audit hook and wrappers.

    Returns ``(stop, later)``. ``later(signum)`` asks, from a thread of its own, for the
    signal to be raised again in the main thread (``_thread.interrupt_main``), where its
    handler then runs once the grader's code it landed in is done (one called inside the
    hook fires at once, inside it). ``stop(error)``: review 72 B, a ``BaseException`` of the
    student's raised inside them had left them, its traceback holding their frames (and the
    wrappers' originals in their locals); it clears the exception's traceback, cause and
    context, asks for the grader's interrupt (``KeyboardInterrupt``) again, and returns
    whether the exception was that interrupt.
    """
    pid = os.getpid()
    if pid not in _STOPPERS:
        lock = _thread.allocate_lock()
        lock.acquire()
        pending: set = set()  # the signals to raise again

        def run(acquire=lock.acquire, interrupt=_thread.interrupt_main, pop=pending.pop):
            while True:
                acquire()
                while pending:
                    try:
                        interrupt(pop())
                    except (ValueError, KeyError):  # (a number no longer handled)
                        pass

        def later(signum, release=lock.release, add=pending.add) -> None:
            add(signum)
            try:
                release()
            except RuntimeError:  # (one is asked for already)
                pass

        clear = tuple(
            getattr(BaseException, name).__set__
            for name in ("__traceback__", "__context__", "__cause__")
        )

        def stop(error, clear=clear, interrupt=KeyboardInterrupt, sigint=signal.SIGINT) -> bool:
            for attribute in clear:
                try:
                    attribute(error, None)
                except Exception:
                    pass
            if type(error) is not interrupt:
                return False
            later(sigint)
            return True

        _thread.start_new_thread(run, ())
        _STOPPERS.clear()
        _STOPPERS[pid] = (stop, later)
    return _STOPPERS[pid]


def _of_type(values, kind, compress=itertools.compress, is_=operator.is_, repeat=itertools.repeat):
    """The items of ``values`` whose type is exactly ``kind``, chosen in C: the audit hook
    runs under a trace function, which a Python loop over a module's constants would call
    once per item.

    >>> list(_of_type((1, "a", True, 2), int))
    [1, 2]
    """
    return compress(values, map(is_, map(type, values), repeat(kind)))


def _watch_calls(record, watched, checker=None, ran_text=None, wrapper_set=None):
    """Report each call of a ``watched`` library function with the place that made it.

    Each watched function is replaced, in every loaded ``resistlab`` module and in the
    notebook's namespace (``__main__``), and a watched method (``module.Class.method``) in
    its class, by a wrapper that, before calling it, walks the
    caller's frames outwards: frames of the ``resistlab`` package are walked through, the
    outermost one before the caller's code naming the library function that was called
    (``via:pharmacology.HillFit.predict:PLACE``: the method computes ``hill``; another
    watched function's wrapper names that function); the first frame of a
    notebook cell is the place (``HASH.py``: the file name ipykernel gives the cell's code,
    :func:`cell_name`, which the grader recomputes from each cell's source), and the
    sealed-test agent is ``test`` (a
    hidden test called the function as the student's answer); while a hidden test runs,
    the place ends with ``@`` and the test's grade id (from the request the agent is
    answering; the agent is the code of the first module run under its name, which the
    grader installs before any student cell, and another thread's call reads the request
    on the main thread's stack); a thread with no cell on its stack adds ``+`` and the
    cell the kernel ran last. Frames of other code (the standard library, NumPy) are
    walked through, so ``map(f, xs)`` or ``df.apply(f)`` is the cell that called them; a
    walk that meets neither is ``?``. Each function and place is
    written once, as ``["call", "DOTTED PLACE"]``, to the audit pipe, at the moment of the
    call, so nothing the kernel does later removes it; past ``_MAX_CALLS`` of them, one
    ``!`` per function.

    A frame counts for what its code is, never for the file name the code carries
    (``checker``, :func:`_code_checker`): the library's when its code is the library
    file's own and runs in its module's namespace; a cell's when its code is what IPython
    compiled from that cell's text (checked at each ``exec`` by IPython's ``run_code``,
    whose frames are recognised at the first cell; where they are not, as in a kernel
    without IPython, cells are told by their file names). Code before the first cell that
    is neither the library's, a cell's, nor an installed module's (a function from a
    ``.pyc`` the student wrote, code carrying another's file name, ``exec``'d strings)
    adds ``+made``. A call made inside another watched function's call (``hill`` computes
    with ``_occupancy``) adds ``+in:`` and that function's dotted name.

    Returns the audit hook's part: called on ``import`` and ``exec`` events (and on
    ``resistlab.wrap``, which the grader's agent raises once it has imported the watched
    functions' modules, before the notebook's first cell), it wraps a
    watched function as soon as its module has defined it (and where the library's own
    functions keep it as a default argument), and on each cell's ``exec``
    replaces references to the unwrapped function bound since (``from m import f`` in the
    cell that first imported ``m``). The code of a module holding a wrapped function run
    again (its loader's ``exec_module`` into a module of the student's, a reload: a copy of
    the function no wrapper reaches) is reported as ``copy`` for each of its functions.

    ``wrapper_set``: a set to hold every wrapper made (the caller's, to tell them apart).
    """
    # cells run from text no cell holds are written by ``ran_text`` (the hook's writer), which
    # no wrapper's closure reaches, the calls by ``record``
    ran_text = ran_text if ran_text is not None else record
    pending: dict[str, list[str]] = {}
    for dotted in watched:
        module, _, attr = str(dotted).rpartition(".")
        if module and attr:
            pending.setdefault(module, []).append(attr)
    wrappers: dict[int, tuple] = {}  # id(original) -> (original, wrapper)
    # review 66 B#1: what a wrapper's closure reaches holds no original (the walk's helpers
    # know the functions by id; the wrapper keeps its original as a keyword default, whose
    # read the hook sees), else a notebook took it out of the closure and called it unseen
    by_name: dict[str, tuple] = {}  # dotted name -> (id(original), id(wrapper))
    wrapper_ids: dict[int, str] = {}  # id(wrapper) -> dotted name
    getframe, basename, dirname = sys._getframe, os.path.basename, os.path.dirname
    # review 67 B#2: a wrapper reports a call as an audit event, which the hook records: the
    # record's state (what was written, the count) is reached from no wrapper, where a cell
    # had filled it through the wrapper's closure and silenced every later call
    audit = sys.audit
    # what the wrappers and the hook read while the kernel runs, taken now: the wrappers'
    # ``__globals__`` are this module's, which a kernel can reach (review 64 B#4)
    modules, realpath, sep = sys.modules, os.path.realpath, os.sep
    code_type, function_type, module_type = types.CodeType, types.FunctionType, types.ModuleType
    of_type, compress, is_, repeat = _of_type, itertools.compress, operator.is_, itertools.repeat
    stop, _ = _stopper()
    # review 66 B#2: a helper kept behind functools.cache (an explorer's computation)
    cached_type = type(functools.cache(len))
    join = os.path.join
    get_ident = threading.get_ident
    library: list[tuple] = []  # the resistlab package folder(s), once it is loaded
    calls: set = set()
    over: set = set()  # the functions whose ``!`` record (past _MAX_CALLS) is written
    wrapper_code: list = [None]  # the wrappers' code object (one for all of them)
    copies: dict[str, list[str]] = {}  # a wrapped module's file -> its watched names
    current: list = [None]  # the file of the cell the kernel ran last (for other threads)
    main_thread = threading.get_ident()
    current_frames = sys._current_frames
    agent: dict = {}  # id -> code object of the grader's agent (the first module so named)
    checker = checker if checker is not None else _code_checker(_installed_folders())
    genuine, trusted = checker.genuine, checker.trusted
    cells: dict = {}  # id -> (code, cell name): the code IPython ran for a cell, and its own
    verified: list = [None]  # whether cells are told by their code (IPython's frames were seen)

    def report(dotted, where) -> None:
        if (dotted, where) in calls:
            return
        if len(calls) >= _MAX_CALLS:  # past the count: once per function, ``!``
            if dotted in over:
                return
            over.add(dotted)
            where = "!"
        calls.add((dotted, where))
        record("call", f"{dotted} {where}", force=True)

    def ours(frame) -> bool:
        """A frame of the library's code runs in its module's namespace (the library's code
        run in a dictionary of the student's, a copy, does not). Only plain dictionaries,
        names and modules are read: no method of an object of the student's runs here."""
        space = frame.f_globals
        name = space.get("__name__") if type(space) is dict else None
        module = modules.get(name) if type(name) is str else None
        return type(module) is module_type and module.__dict__ is space

    def request_of(frame):
        """The test named by the request the grader's agent answers in ``frame`` or a frame
        that called it (``""`` if it names none), or None when no agent's ``handle`` is
        there. Only the agent's own code counts: code a student compiles under its file
        name is not it."""
        while frame is not None:
            code = frame.f_code
            if code.co_name == "handle" and agent.get(id(code)) is code:
                request = frame.f_locals.get("request")
                test = request.get("cell") if isinstance(request, dict) else ""
                return test if isinstance(test, str) else ""
            frame = frame.f_back
        return None

    def cell_of(code):
        """The cell whose code ``code`` is (IPython ran it for that cell), or None."""
        if verified[0]:
            seen = cells.get(id(code))
            return seen[1] if seen is not None and seen[0] is code else None
        file = code.co_filename
        return basename(file) if _cell_file(file) else None

    def names(frame, dotted) -> bool:
        """Whether the library code running in ``frame`` calls ``dotted`` itself: the
        expression it is evaluating (the source span of its current instruction) names the
        function (``hill(...)``, ``binding.fraction_inhibited(...)``, ``curve_fit(hill,
        ...)``, an alias bound to it), not only an argument it converts (``float(x)``,
        ``np.asarray(x)``: a callable the student built runs there)."""
        code = frame.f_code
        leaf = dotted.rpartition(".")[2]
        known = by_name.get(dotted, ())
        aliases = {leaf} | {n for n in code.co_names if id(frame.f_globals.get(n)) in known}
        if not aliases & set(code.co_names):
            return False
        text = checker.span(code, frame.f_lasti)
        if text is None:  # (no positions before Python 3.11: the names alone)
            return True
        return any(_has_word(text, alias) for alias in aliases)

    def place(frame, dotted="") -> str:
        found, entry, running, made, innermost = None, None, None, False, None
        within = None  # the innermost other watched function whose call this one is inside
        while frame is not None:
            code = frame.f_code
            file = code.co_filename
            cell = cell_of(code)
            if cell is not None:
                running = cell  # the outermost: the cell being run
            if found is None:
                if code is wrapper_code[0]:  # inside another watched function's call
                    innermost = innermost or frame
                    caller = frame.f_locals.get("dotted")
                    if isinstance(caller, str) and caller.startswith("resistlab."):
                        entry = caller[len("resistlab.") :]
                        within = within or caller
                elif cell is not None:
                    found = cell
                elif file == _AGENT_FILE and agent.get(id(code)) is code:
                    pass
                elif library and isinstance(file, str) and file.startswith(library[0]):
                    if not genuine(code):  # made to pass for the library's
                        made = True
                    elif ours(frame):  # the library's own code: the place is who called it
                        module = frame.f_globals.get("__name__")
                        if isinstance(module, str) and module.startswith("resistlab."):
                            name = getattr(code, "co_qualname", code.co_name)
                            entry = f"{module[len('resistlab.') :]}.{name}"
                            if innermost is None:  # the library code that made the call
                                innermost = frame
                elif not trusted(code):  # no cell's, no installed module's: the student's
                    made = True
            if file == _AGENT_FILE and agent.get(id(code)) is code:  # a hidden test runs
                test = request_of(frame)
                break
            frame = frame.f_back
        else:
            # no agent on this thread's stack: a thread the student's code started works for
            # the test the agent answers on the kernel's main thread (a ThreadPoolExecutor),
            # or else for the cell the kernel is running
            test, found = None, found or "?"
            if get_ident() != main_thread:
                test = request_of(current_frames().get(main_thread))
                running = current[0] if current[0] is not None else running
        if innermost is not None and innermost.f_code is not wrapper_code[0]:
            if not names(innermost, dotted):  # the library did not call it: a callable the
                entry = within = None  # student built ran while the library converted it
        where = found or "test"
        if entry is not None:  # through the library, for code at WHERE
            where = f"via:{entry}:{where}"
        if made:  # code of no cell and no installed module ran on the way
            where += "+made"
        if within is not None:  # computed inside that function's own (reported) call
            where += f"+in:{within}"
        if running is not None and running != found:  # in the RUNNING cell
            where += f"+{running}"
        return f"{where}@{test}" if isinstance(test, str) and test else where

    def wrap(dotted, original):
        def watched_call(*args, _rl_call=original, **kwargs):
            __tracebackhide__ = True  # IPython leaves this frame out of tracebacks
            try:
                try:
                    where = place(getframe(1), dotted)
                except Exception:  # review 65: a walk made to fail (a module's name or a
                    # file name whose methods raise) had reported nothing: the call is
                    # reported made by unknown code in the cell the kernel runs
                    last = current[0]
                    where = "?+made" + (f"+{last}" if type(last) is str else "")
                audit("resistlab.call", dotted, where)
            except BaseException as error:  # review 72 B: an interrupt landing here had
                # carried this frame (its function in its locals) out, the call unreported
                try:
                    audit("resistlab.call", dotted, "?+made")
                except BaseException:
                    pass
                stop(error)  # (the interrupt is delivered again, past this frame)
            return _rl_call(*args, **kwargs)

        wrapper_code[0] = watched_call.__code__
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(watched_call, attr, getattr(original, attr, None))
        # (never ``__wrapped__``: it would hand out an unwatched function)
        watched_call.__dict__.update(
            {k: v for k, v in original.__dict__.items() if k != "__wrapped__"}
        )
        inspect = modules.get("inspect")
        if inspect is not None:  # curve_fit and help() read the original's parameters
            try:
                watched_call.__signature__ = inspect.signature(original)
            except (TypeError, ValueError):
                pass
        return watched_call

    def ipython(frame):
        """IPython's ``run_code``, ``run_ast_nodes`` and ``run_cell_async`` frames, outwards
        from ``frame`` (the code that called ``exec``), each of IPython's genuine code; or
        None."""
        frames = []
        for name in ("run_code", "run_ast_nodes", "run_cell_async"):
            if frame is None or frame.f_code.co_name != name or not trusted(frame.f_code):
                return None
            frames.append(frame)
            frame = frame.f_back
        return frames

    named: list = [None, None]  # the last cell's text and name
    name_of, mro_of = type.__dict__["__name__"].__get__, type.__dict__["__mro__"].__get__
    compiler_type: list = []  # IPython's compiler's class, as the first cell found it

    def compiler_flags(compiler):
        """The flags of IPython's compiler, read from the object's own attributes (a class
        of the student's, or a property set on IPython's, is not read: review 68)."""
        if not compiler_type:
            compiler_type.append(type(compiler))
        if type(compiler) is not compiler_type[0]:
            return None
        try:
            space = object.__getattribute__(compiler, "__dict__")
        except AttributeError:
            return None
        return space.get("flags") if type(space) is dict else None

    def macro(run_code, raw) -> bool:
        """Whether IPython ran, for a cell that names an IPython macro (``%macro``: the
        prefilter puts the macro's text in its place), text no cell holds (review 50)."""
        word = raw.split(None, 1)[0] if type(raw) is str and raw.strip() else ""
        space = getattr(run_code.f_locals.get("self"), "user_ns", None)
        if not word.isidentifier() or type(space) is not dict:
            return False
        # (through ``type``'s own descriptors: a metaclass of the student's may define others)
        return any(name_of(c) == "Macro" for c in mro_of(type(space.get(word))))

    def nested(run_cell, raw) -> bool:
        """Whether this cell is run from inside another cell (``%run`` of an ``.ipy`` or
        ``.ipynb`` file, the shell's ``run_cell``: text no cell holds; review 50), not the
        body of the outer cell's own cell magic (``%%capture``), which is its text."""
        frame = run_cell.f_back
        while frame is not None:
            if frame.f_code.co_name == "run_cell_async" and trusted(frame.f_code):
                outer = frame.f_locals.get("raw_cell")
                if type(raw) is not str or type(outer) is not str:
                    return True
                magic, _, body = outer.lstrip().partition("\n")
                return not (magic.startswith("%%") and body.strip() == raw.strip())
            frame = frame.f_back
        return False

    def ran_cell(code, caller):
        """The name of the cell whose code IPython runs now (``exec`` called by ``caller``),
        recorded with every code object in it; None for any other ``exec``.

        Once IPython's frames are seen at the first cell, a cell's code is recorded only
        when it is what IPython compiles from the cell's text (``checker.same_as_cell``),
        named by that text (:func:`cell_name`), never by the file name code carries."""
        if verified[0] is None:
            if not _cell_file(code.co_filename):
                return None
            verified[0] = ipython(caller) is not None
        if verified[0]:
            frames = ipython(caller)
            if frames is None:
                return None
            nodes, cell = frames[1].f_locals, frames[2].f_locals
            nodelist, node, raw = nodes.get("nodelist"), nodes.get("node"), cell.get("raw_cell")
            index = None
            if type(nodelist) is list:
                index = next((i for i, n in enumerate(nodelist) if n is node), None)
            flags = compiler_flags(nodes.get("compiler"))
            transformed, mode = cell.get("transformed_cell"), nodes.get("mode")
            if not checker.same_as_cell(code, raw, transformed, index, mode, flags):
                if macro(frames[0], raw):
                    ran_text("exec.text", "")
                return None
            if nested(frames[2], raw):
                ran_text("exec.text", "")
            if named[0] != raw:
                named[:] = [raw, cell_name(raw)]
            name = named[1]
        elif _cell_file(code.co_filename):
            name = basename(code.co_filename)
        else:
            return None
        todo = [code]
        while todo:
            inner = todo.pop()
            cells[id(inner)] = (inner, name)
            todo += of_type(inner.co_consts, code_type)
        return name

    watched_leaves: dict[str, list[str]] = {}  # function name -> watched dotted names
    for dotted in watched:
        module, _, attr = str(dotted).rpartition(".")
        if module.startswith("resistlab.") and attr:
            watched_leaves.setdefault(attr, []).append(str(dotted))

    def library_codes(dotted) -> list:
        """The code objects of watched function ``dotted`` in its module's file on disk
        (read, never imported)."""
        package = getattr(modules.get("resistlab"), "__file__", None)
        if not isinstance(package, str):
            return []
        module, _, leaf = dotted.rpartition(".")
        parts = module.split(".")[1:]
        found = []
        for end in range(len(parts), -1, -1):  # a method's module is a shorter prefix
            base = join(dirname(package), *parts[:end])
            for file in (base + ".py", join(base, "__init__.py")):
                found += [c for c in checker.codes(file) if c.co_name == leaf]
            if found:
                break
        return found

    def recompiled(code) -> list:
        """The watched functions whose code ``code`` holds (same instructions, names and
        constants wherever it was compiled, under whatever file name and first line): the
        library's source compiled again into a namespace of the student's, where no wrapper
        reaches (``exec(compile(source, "<x>", "exec"), namespace)``, an interpreter of the
        ``code`` module, a module in a zip archive)."""
        hits, todo, seen = [], [code], 0
        while todo and seen < 5000:
            inner = todo.pop()
            seen += 1
            consts = inner.co_consts  # (as :func:`_of_type`, inline: no call the alarm sees)
            todo += compress(consts, map(is_, map(type, consts), repeat(code_type)))
            for dotted in watched_leaves.get(inner.co_name, ()):
                if dotted not in hits and any(
                    _same_code(inner, original) for original in library_codes(dotted)
                ):
                    hits.append(dotted)
        return hits

    # (by the function itself: a function's hash is its identity, which no class of the
    # student's changes, and ``id``, an audit event, costs a call of the hook each)
    by_original: dict = {}  # original -> wrapper
    wrapper_set = wrapper_set if wrapper_set is not None else set()

    def plain_function(value) -> bool:  # (by identity: a metaclass's ``__eq__`` never runs)
        kind = type(value)
        return kind is function_type or kind is cached_type

    def wrapped(value):
        return by_original.get(value, value) if plain_function(value) else value

    def sweep(defaults: bool = False) -> None:
        """Put the wrappers where the library's modules and the notebook's namespace hold
        the functions; ``defaults``: in the library's own functions' default arguments too
        (``precision.evaluate_recommender`` keeps ``recommend`` so). Without ``defaults``
        (no function newly wrapped: the library's modules hold the wrappers already, and
        what they import since is those) the notebook's namespace alone."""
        named = list(modules.items()) if defaults else [("__main__", modules.get("__main__"))]
        for name, module in named:
            if type(name) is not str or type(module) is not module_type:
                continue  # (review 68 B: no method of an object of the student's runs here)
            if name != "__main__" and not name.startswith("resistlab"):
                continue
            namespace = module.__dict__
            for key, value in list(namespace.items()):
                kind = type(value)  # (as plain_function, inline: no call the alarm sees)
                if kind is not function_type and kind is not cached_type:
                    continue
                found = by_original.get(value)
                if found is not None:
                    namespace[key] = found
                elif (
                    defaults
                    and name != "__main__"
                    and type(value) is function_type
                    and value not in wrapper_set
                ):
                    given = value.__defaults__
                    if given and any(wrapped(d) is not d for d in given):
                        value.__defaults__ = tuple(wrapped(d) for d in given)
                    given = value.__kwdefaults__
                    if given and any(wrapped(d) is not d for d in given.values()):
                        value.__kwdefaults__ = {k: wrapped(d) for k, d in given.items()}

    def on_event(event, args) -> None:
        if event == "resistlab.call":  # a wrapper's report (or one the student raised, which
            if len(args) == 2 and type(args[0]) is str and type(args[1]) is str:  # counts
                report(args[0], args[1])  # against the student)
            return
        if event == "object.__getattr__":  # a wrapper's keyword defaults read: its original
            dotted = wrapper_ids.get(id(args[0]))  # taken out, to be called unseen
            if dotted is None:  # (any other function's: the frame is not asked for, whose
                return  # event calls the hook once more: the sweep reads every library one's)
            frame = getframe(2)  # (this, the hook, then the code that read them)
            code = frame.f_code if frame is not None else None
            if not (code is not None and agent.get(id(code)) is code):
                report(dotted, place(frame, dotted))
            return
        new = False
        for module_name in list(pending):
            # a class of a module, holding a watched method (``m.LQFit.dose_for``), or a module
            parent, _, class_name = module_name.rpartition(".")
            module = modules.get(parent)  # (a module of the interpreter's type only: anything
            # the notebook put in ``sys.modules`` under that name is not read)
            space = module.__dict__ if type(module) is module_type else None
            owner = space.get(class_name) if type(space) is dict else None
            if type(owner) is not type:
                owner, module = None, modules.get(module_name)
            namespace = module.__dict__ if type(module) is module_type else None
            if type(namespace) is not dict:
                continue
            if not library:
                package = modules.get("resistlab")
                path = getattr(package, "__file__", None)
                if not isinstance(path, str):
                    continue
                folders = {dirname(path) + sep, dirname(realpath(path)) + sep}
                library.append(tuple(folders))
            waiting = []
            for attr in pending[module_name]:
                original = (namespace if owner is None else vars(owner)).get(attr)
                if not plain_function(original):
                    waiting.append(attr)  # not defined yet (or not a plain function)
                    continue
                dotted = f"{module_name}.{attr}"
                wrapper = wrap(dotted, original)
                if owner is not None:  # a method: its class holds the wrapper
                    try:
                        setattr(owner, attr, wrapper)
                    except (AttributeError, TypeError):
                        waiting.append(attr)
                        continue
                wrappers[id(original)] = (original, wrapper)
                by_original[original] = wrapper
                wrapper_set.add(wrapper)
                by_name[dotted] = (id(original), id(wrapper))
                wrapper_ids[id(wrapper)] = dotted
                new = True
                file = namespace.get("__file__")
                if isinstance(file, str):
                    for path in {file, realpath(file)}:
                        copies.setdefault(path, []).append(f"{module_name}.{attr}")
            if waiting:
                pending[module_name] = waiting
            else:
                del pending[module_name]
        code = args[0] if event == "exec" and args else None
        file = getattr(code, "co_filename", "")
        ran = None
        if type(code) is code_type and get_ident() == main_thread:
            ran = ran_cell(code, getframe(1).f_back)  # (the hook's frame, then exec's caller)
        elif type(code) is code_type and ipython(getframe(1).f_back) is not None:
            ran_text("exec.text", "")  # IPython runs a cell in another thread: the shell's
            # run_cell, started there by the student's code (review 52), runs text no cell holds
        if ran is not None:
            current[0] = ran
        elif file == _AGENT_FILE and not agent and getattr(code, "co_name", "") == "<module>":
            todo = [args[0]]  # the grader installs its agent before any student cell runs
            while todo:
                code = todo.pop()
                agent[id(code)] = code
                todo += of_type(code.co_consts, code_type)
        if file in copies and getattr(args[0], "co_name", "") == "<module>":
            for dotted in copies[file]:  # the module's code run again: a copy, unwatched
                report(dotted, "copy")
        elif ran is None and type(code) is code_type and watched_leaves:
            package = getattr(modules.get("resistlab"), "__file__", None)
            ours_ = (
                isinstance(package, str)
                and isinstance(file, str)
                and file.startswith(dirname(package) + sep)
            )
            if not (ours_ and genuine(code)):  # (the library's module itself, imported)
                for dotted in recompiled(code):  # its source compiled again, elsewhere
                    report(dotted, "copy")
        if wrappers and (new or ran is not None or (isinstance(file, str) and _cell_file(file))):
            sweep(defaults=new)

    return on_event


def _audit_writer(fd: int):
    """A ``record(event, detail, force=False)`` that writes ``[event, detail]`` as one line to
    the audit descriptor ``fd``, each distinct record once; past :data:`_MAX_EVENTS` of them,
    only the first record of each kind of event (a flood of 200 listings of missing folders
    had hidden a later ``exec`` of text, a ``fork`` and a trace function: review 52).
    ``force``: written whatever was written before (the calls keep their own count)."""
    seen, kinds, most = set(), set(), _MAX_EVENTS
    write, writable_soon = os.write, select.select
    # json.dumps goes through json's module state (``json._default_encoder``), which code in
    # the kernel can replace: the string encoder itself is taken once, here
    quote = json.encoder.encode_basestring_ascii

    def record(event, detail, force=False):
        key = (event, detail)
        if not force:
            if key in seen or (len(seen) >= most and event in kinds):
                return
            seen.add(key)
            kinds.add(event)
        line = ("[" + quote(event) + ", " + quote(detail) + "]\n").encode()
        while line:  # a kernel that made the pipe non-blocking waits here, and loses nothing
            try:
                line = line[write(fd, line) :]
            except BlockingIOError:
                writable_soon([], [fd], [], 1.0)

    return record


_KEPT = frozenset(  # what the hook reads of its own: no code of the notebook's runs there
    {
        type(None), bool, int, float, str, bytes, types.CodeType, types.FrameType,
        types.TracebackType, types.GeneratorType, types.CoroutineType,
        types.AsyncGeneratorType, types.FunctionType, types.BuiltinFunctionType,
        types.MethodType, types.ModuleType, type(functools.cache(len)),
    }
)  # fmt: skip


class _Unread:
    """What the audit hook sees in place of an object of another type than :data:`_KEPT`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<an object the audit hook does not read>"


_UNREAD = _Unread()
_KEPT_BY_ADDRESS = {object.__hash__(kind): kind for kind in _KEPT}


def _plain(args, depth: int = 0, whole=slice(None)) -> tuple:
    """``args`` of an audit event as the hook reads them: ``str``, ``bytes``, ``int`` and
    ``float`` subclasses as plain copies (made by the base type's own slot: no method of the
    subclass runs), tuples and lists as tuples of such (two levels), the types of
    :data:`_KEPT` as they are, anything else as one placeholder. Review 68 B: the hook's
    ``abspath`` had run a ``str`` subclass's ``startswith``, the notebook's code, inside it.

    Examples
    --------
    >>> class Name(str):
    ...     def startswith(self, *args):
    ...         raise AssertionError("ran")
    >>> copy = _plain((Name("/tmp/x"), [1, object()]))
    >>> type(copy[0]) is str, copy[0], copy[1]
    (True, '/tmp/x', (1, <an object the audit hook does not read>))
    """
    if type(args) is not tuple and type(args) is not list:
        return ()
    out = []
    for value in args:
        kind = type(value)  # (looked up by the type's address, compared by identity: the
        # hash or ``__eq__`` of a metaclass of the student's never runs; review 71 B)
        if _KEPT_BY_ADDRESS.get(object.__hash__(kind)) is kind:
            out.append(value)
        elif issubclass(kind, str):
            out.append(str.__getitem__(value, whole))
        elif issubclass(kind, bytes):
            out.append(bytes.__getitem__(value, whole))
        elif issubclass(kind, int) and kind is not bool:
            out.append(int.__index__(value))
        elif issubclass(kind, float):
            out.append(float.__float__(value))
        elif (kind is tuple or kind is list) and depth < 2:
            out.append(_plain(value, depth + 1))
        else:
            out.append(_UNREAD)
    return tuple(out)


def _code_tree(roots) -> dict:
    """Every code object of ``roots`` and every code object nested in their constants, by id
    (kept alive in the table, so that no id is reused by another object)."""
    found: dict = {}
    todo = list(roots)
    while todo:
        code = todo.pop()
        found[id(code)] = code
        todo += [c for c in code.co_consts if type(c) is types.CodeType]
    return found


#: The qualified name of the function that runs a kernel's signal handlers
#: (:func:`_guard_signals`): the grader's frame at the end of an interrupt's traceback, which
#: the notebook is not shown.
TRAMPOLINE = "_guard_signals.<locals>.guard.<locals>.trampoline"


def _guard_signals(own_codes: dict, wrapper_codes: dict):
    """Put every signal handler the kernel's code sets behind a trampoline that hands it,
    for the frame the signal interrupted, the frame that entered the kernel's own code (the
    audit hook's, a wrapper's, the writer's: ``own_codes``, by id) when it interrupted that
    code. Review 69 B: a handler is handed the frame it interrupts, with no audit event; a
    built-in one (``list.insert``), fired by ``_thread.interrupt_main`` while the hook ran, had
    kept the hook's frame, and with it the wrappers' originals and the writers. A signal that
    lands while that code runs (a wrapper's own lines, or the hook or the writer anywhere
    below, which always return soon; not the function a wrapper called, ``wrapper_codes``) is
    raised again once it is done (:func:`_stopper`): the grader's interrupt at a cell's time
    limit had raised ``KeyboardInterrupt`` inside the hook, which then flagged its own alarm
    as changed, and a notebook's handler run there would be flagged as code run inside it.
    The original
    ``signal`` is kept as a keyword default, whose read the hook records, and a copy of
    ``_signal`` (or of ``_imp``) that ``_imp.create_builtin`` makes, with no audit event, gets
    the guard too (review 70 B). Returns ``check()``, which puts a trampoline before any
    handler set past the guard and says whether it found one, and ``ours(function)``:
    whether a function is the guard's, a trampoline or the one that raises a waiting signal
    again (whose reads and writes the hook records). It changes the process's ``signal``
    module for good: only a kernel calls it.
    """
    import _imp
    import _signal

    get = _signal.getsignal  # (the original: the table as it is, trampolines included)
    _, later = _stopper()
    # Review 74 E: the guard's functions are in the notebook's reach (``signal.signal``) and a
    # closure's cells are read and written with no audit event: the guard had handed out the
    # hook's own table of its code (a helper of the notebook's added to it then passed for
    # the grader's). What they use is a keyword default (a read of the guard's is recorded)
    # or a frozen copy. A trampoline's code is not the grader's: it runs a handler, and its
    # frame ends the traceback of every interrupt, where honest code reads it.
    own_codes.update(
        (key, code)
        for key, code in _code_tree([_guard_signals.__code__]).items()
        if code.co_name != "trampoline"
    )
    # Review 75 F1: a mapping proxy hands out the dict it shows (``proxy | x`` calls
    # ``x.__ror__(dict)``), which a handler emptied through a trampoline's frame: the tables
    # are frozen sets of ids (the codes stay alive in the hook's own table, so no id is
    # reused by another object)
    own = frozenset(own_codes)
    # the grader's code that always returns soon, wherever on the stack: not the wrappers'
    # (they call the notebook's functions)
    short = frozenset(
        (*(key for key, code in own_codes.items() if wrapper_codes.get(key) is not code),
         id(later.__code__))
    )  # fmt: skip
    handed: dict = {}  # id(trampoline) -> (trampoline, the handler it runs)

    def unwrapped(handler, /, *, _rl_handed=handed):
        found = _rl_handed.get(id(handler))
        return found[1] if found is not None and found[0] is handler else handler

    def guard(
        signalnum,
        handler,
        /,
        *,
        _rl_call=_signal.signal,
        _rl_handed=handed,
        _rl_unwrapped=unwrapped,
        _rl_later=later,
        _rl_own=own,
        _rl_short=short,
    ):
        if callable(handler):  # (``default_int_handler`` too: ipykernel's while a cell runs)

            def trampoline(
                signum, frame, /, _run=handler, _later=_rl_later, _own=_rl_own, _short=_rl_short
            ):
                # the frame handed: the one that entered the kernel's own code, if the signal
                # interrupted code it called; none, the signal waiting, if it landed in that
                # code itself (see above)
                cut, inner, busy, code = None, frame, False, None
                for _ in range(2000):
                    if inner is None:
                        break
                    code = inner.f_code
                    if id(code) in _own:
                        cut = inner
                        busy = busy or inner is frame
                    busy = busy or id(code) in _short
                    inner = inner.f_back
                if busy:
                    return _later(signum)
                handed_frame = frame if cut is None else cut.f_back
                del frame, cut, inner, code  # (this frame ends an interrupt's traceback)
                return _run(signum, handed_frame)

            _rl_handed[id(trampoline)] = (trampoline, handler)
            handler = trampoline
        return _rl_unwrapped(_rl_call(signalnum, handler))

    def getsignal(signalnum, /, *, _rl_get=_signal.getsignal, _rl_unwrapped=unwrapped):
        return _rl_unwrapped(_rl_get(signalnum))

    def create_builtin(
        spec,
        /,
        *,
        _rl_create=_imp.create_builtin,
        _rl_module=types.ModuleType,
        _rl_guard=guard,
        _rl_getsignal=getsignal,
        _rl_self=None,
    ):
        module = _rl_create(spec)
        if type(module) is _rl_module:  # a copy of ``_signal`` or ``_imp`` (review 70 B: no
            space = module.__dict__  # audit event) is guarded
            if space.get("__name__") == "_signal":
                space["signal"], space["getsignal"] = _rl_guard, _rl_getsignal
            elif space.get("__name__") == "_imp":
                space["create_builtin"] = _rl_self
        return module

    create_builtin.__kwdefaults__["_rl_self"] = create_builtin

    for function, name, home in (
        (guard, "signal", "_signal"),
        (getsignal, "getsignal", "_signal"),
        (create_builtin, "create_builtin", "_imp"),
    ):
        function.__name__ = function.__qualname__ = name
        function.__module__ = home
    # (``signal.signal`` and ``getsignal`` call ``_signal``'s at each call, and turn its
    # numbers into enums)
    _signal.signal, _signal.getsignal, _imp.create_builtin = guard, getsignal, create_builtin
    numbers = []
    for number in range(1, 65):
        try:
            get(number)
        except (OSError, ValueError):
            continue
        numbers.append(number)
    # the handlers live in one table of the interpreter's, whichever copy of ``_signal`` set
    # them (review 70 B: ``_imp.create_builtin`` made a copy, with no audit event, whose
    # ``signal`` set a handler with no trampoline): ``check`` reads that table with the
    # original ``getsignal`` and puts a trampoline before any handler without one, saying
    # whether it found one (the handlers the kernel set before this are put so now)
    known: list = [None]  # the table as the last check left it

    def check() -> bool:
        table = tuple(map(get, numbers))  # (in C: a few microseconds)
        if table == known[0]:
            return False
        found = False
        for number in numbers:
            current = get(number)
            if current is None or type(current) is int:
                continue
            seen = handed.get(id(current))
            if seen is not None and seen[0] is current:
                continue
            try:
                guard(number, current)
                found = True
            except (OSError, ValueError, RuntimeError, TypeError):
                pass
        known[0] = tuple(map(get, numbers))
        return found

    check()

    def ours(function) -> bool:
        """Whether ``function`` (a plain function: compared by identity) is the guard's, a
        trampoline or the function that raises a waiting signal again."""
        found = handed.get(id(function))
        return (
            function is guard
            or function is getsignal
            or function is create_builtin
            or function is later
            or (found is not None and found[0] is function)
        )

    return check, ours


def _install_audit_hook(fd: int, allowed: list[str], writable: list[str], watched=()) -> None:
    """Record accesses outside ``allowed`` (and other watched events) as JSON lines on ``fd``,
    and the calls of the ``watched`` library functions (:func:`_watch_calls`)."""
    prefixes = tuple(sorted({a.rstrip("/") + "/" for a in allowed}))
    exact = frozenset(a.rstrip("/") for a in allowed)
    own = tuple(w.rstrip("/") + "/" for w in writable)
    # the folders the sandbox shows read-only: the libraries, the system's
    read_only = tuple(p for p in prefixes if not p.startswith((*own, "/dev/", "/proc/")))
    fsdecode, abspath, realpath = os.fsdecode, os.path.abspath, os.path.realpath
    dirname = os.path.dirname
    checker = _code_checker(_installed_folders())
    getframe = sys._getframe
    record = _audit_writer(fd)
    # review 67 B: the code of the hook, the wrappers and the writer, whose frames hold what
    # they keep (a wrapper's function, the writer's record): a frame of theirs the student's
    # code takes (a traceback's, another thread's, a caller's) is reported
    own_globals = _install_audit_hook.__globals__  # (the globals of every function of theirs)
    own_codes = _code_tree(
        [_install_audit_hook.__code__, _watch_calls.__code__, _audit_writer.__code__]
    )
    # the wrappers' own code: an honest traceback through a forbidden function's call holds
    # its frame (the hook's frames are never in one)
    wrapper_codes = {k: c for k, c in own_codes.items() if c.co_name == "watched_call"}
    frame_events = ("sys._getframe", "sys._current_frames")
    resumes = 0x20 | 0x80 | 0x200  # inspect's CO_GENERATOR, CO_COROUTINE, CO_ASYNC_GENERATOR
    frame_attributes = ("tb_frame", "gi_frame", "cr_frame", "ag_frame")
    frame_readers = {
        (kind, name): getattr(kind, name).__get__
        for kind, name in zip(
            (types.TracebackType, types.GeneratorType, types.CoroutineType,
             types.AsyncGeneratorType), frame_attributes, strict=True,
        )
    }  # fmt: skip
    busy: set = set()  # the threads whose hook is looking at frames
    get_ident = threading.get_ident
    # the module's tables and helpers, taken now (code that reaches the module's globals,
    # its name being known, could otherwise empty them), the mutable ones as copies
    watched_events, path_events, trace_events = _WATCHED, _PATH_EVENTS, _TRACE_EVENTS
    introspection, agent_file, audit_check, cell_file = (
        _INTROSPECTION,
        _AGENT_FILE,
        AUDIT_CHECK,
        _cell_file,
    )
    text_runners, text_arguments = dict(_TEXT_RUNNERS), _TEXT_ARGUMENTS
    runner_names = _RUNNER_NAMES
    # (review 64 B#4: read from the module's globals at each event, which a wrapper's
    # ``__globals__`` hands out, they had been emptied and replaced)
    modules, sep, libc_recorded = sys.modules, os.sep, _LIBC_RECORDED
    plain = _plain

    def students(code) -> bool:
        """Whether ``code`` is neither the standard library's nor an installed package's:
        code that is what its file says (``checker.trusted``: a name alone is not enough),
        and not the hook's own reading nor the kernel's own code (the hook's, a wrapper's,
        the writer's: a wrapper reads its function's signature with ``inspect``)."""
        return (
            checker.own.get(id(code)) is not code
            and own_codes.get(id(code)) is not code
            and not checker.trusted(code)
        )

    def asked_by_student() -> bool:
        """Whether the code that raised the event (the hook's caller) is the student's; with
        no Python caller at all, a thread started bare (``_thread``) running a builtin, it
        is (what such a thread runs is the student's: IPython and ipykernel start none)."""
        try:
            return students(getframe(2).f_code)
        except ValueError:  # (call stack not deep enough)
            return True

    def started_by_student() -> bool:
        """Whether code of no installed package is on the stack (a cell's, or the student's
        own): what the standard library does for the kernel itself (``pickle`` in the pure
        Python ``_loads`` too) counts only when such code asked for it."""
        frame = getframe(2)
        for _ in range(200):
            if frame is None:
                return False
            if students(frame.f_code):
                return True
            frame = frame.f_back
        return True

    stdlib = dirname(os.__file__) + os.sep

    def asked_through_stdlib(depth: int = 2) -> bool:
        """Whether the student's code asked, itself or through the standard library (a
        ``trace.Trace``, ``bdb.Bdb`` or ``profile.Profile`` whose tracer is the student's
        subclass's method); an installed package's own (``debugpy`` on import) is not.
        ``depth``: the frame that raised the event, counted from this one."""
        frame = getframe(depth)
        while frame is not None and not students(frame.f_code):
            file = frame.f_code.co_filename
            if not (file.startswith("<frozen ") or file.startswith(stdlib)) or (
                "-packages" + sep in file
            ):
                return False
            frame = frame.f_back
        return frame is not None

    def set_by_threading() -> bool:
        """Whether ``threading`` installs, in a thread it starts, the trace or profile function
        ``threading.settrace``/``setprofile`` stored: a plain assignment, under any name
        (review 49: a tracer set so had rewritten a forbidden function's wrapper)."""
        frame, threading_module = getframe(2), modules.get("threading")
        return (
            frame is not None
            and frame.f_code.co_name == "_bootstrap_inner"
            and frame.f_globals is getattr(threading_module, "__dict__", None)
        )

    def graders(frame, hooks: bool = False) -> bool:
        """Whether ``frame``, or a frame that called it, runs the hook's, a wrapper's or the
        writer's code (a frame's callers are its ``f_back``, which no audit sees read);
        ``hooks``: the hook's or the writer's, a wrapper's own frame aside."""
        for _ in range(2000):
            if frame is None:
                return False
            # (a frame's globals are read with no audit event: its code, and the id of it,
            # each with one, which ran the hook once more under its alarm, are read only for
            # the frames of this module's functions, whose globals cannot be replaced)
            if frame.f_globals is own_globals:
                code = frame.f_code
                if own_codes.get(id(code)) is code and not (hooks and wrapper_codes.get(id(code))):
                    return True
            frame = frame.f_back
        return True  # (deeper than that: fail closed)

    def taken(event, args) -> None:
        """Record a frame of the grader's code taken by the student's code, itself or through
        the standard library (``traceback.walk_tb``, ``inspect.stack``): a wrapper's frame
        hands out its function and its place, the hook's its writer (review 67: a traceback
        through a wrapper, and the hook caught by another thread, had silenced the calls and
        the events, unflagged). Any other thread's frames asked for are recorded.

        A frame of the hook's own code (a wrapper's aside) is recorded whoever reads it
        (review 72 B: installed code, ``stack_data``, had read it out of the traceback of an
        exception raised inside the hook): outside the hook, no honest code meets one."""
        asker = getframe(2)  # (this, the hook, then the code that asked)
        if event == "sys._current_frames":
            if asked_through_stdlib(3):
                record("frames.taken", "the frames of every thread")
            return
        if event == "sys._getframe":
            frame = args[0] if args else asker
        else:  # review 71 B: read only through the interpreter's own descriptor of the one
            # type that has it (a bound method hands an attribute it lacks to its function:
            # an object of the student's, whose ``__getattr__`` had run here, unseen)
            read = frame_readers.get((type(args[0]), args[1]))
            if read is None:
                return
            frame = read(args[0])
        if type(frame) is not types.FrameType:
            return
        code = asker.f_code if asker is not None else None
        if own_codes.get(id(code)) is not code and graders(frame, hooks=True):
            record("frames.taken", "a frame of the grader's code")
            return
        if not asked_through_stdlib(3):
            return
        if graders(frame):
            record("frames.taken", "a frame of the grader's code")
        elif frame.f_code.co_flags & resumes:
            # review 68 B: a generator's frame, taken before it ran, had no callers; run
            # later inside the hook, its ``f_back`` led there. A frame of a generator, a
            # coroutine or an asynchronous generator may run again under other callers
            record("frames.taken", "a frame that runs again (a generator's or a coroutine's)")

    def library_file(name) -> bool:
        package = getattr(modules.get("resistlab"), "__file__", None)
        if not isinstance(package, str) or not isinstance(name, (str, bytes)):
            return False  # (compile hands the event its file name decoded)
        return abspath(fsdecode(name)).startswith(dirname(package) + sep)

    def inside(path: str) -> bool:
        return path in exact or path.startswith(prefixes)

    # The wrappers of forbidden functions live in the student's namespace, and their closures
    # can be taken apart by names built at run time: they get a writer and a checker of
    # their own, so that what is reached through them is not the hook's (review 52: the
    # hook's writer, reached so, had its ``os.write`` and its set of sent records replaced,
    # and exec of text, fork and trace functions went unreported)
    wrapper_set: set = set()  # every wrapper made (by identity: a function hashes so)
    calls = _watch_calls(
        _audit_writer(fd),
        watched,
        _code_checker(_installed_folders()),
        ran_text=record,
        wrapper_set=wrapper_set,
    )
    function_type = types.FunctionType
    function_reads = frozenset(("__code__", "__defaults__", "__kwdefaults__"))
    # review 75 G1: every code object of this module's functions (the hook's, the wrappers'
    # and their helpers', the signal guard's, the stopper's): the code or defaults of a
    # function running one, written, is recorded (a wrapper's helper ``place``, reached
    # through its closure, given code that answered for the library: every call unreported)
    module_codes = _code_tree(
        value.__code__
        for value in list(own_globals.values())
        if type(value) is function_type and value.__globals__ is own_globals
    )

    def graders_function(function) -> bool:
        """Whether ``function`` (a plain function) runs code of this module."""
        code = function.__code__
        return module_codes.get(id(code)) is code

    agent_compiled: list = []
    code_type, isfile, of_type = types.CodeType, os.path.isfile, _of_type

    def from_text(code) -> bool:
        """Whether ``code`` was compiled from text rather than read from a cell or from the
        file it names (:meth:`checker.trusted`: compiled under a library file's name is
        still text): ``exec``/``eval`` of a string, reached under any name
        (``vars(builtins)['e'+'xec']`` had hidden what it ran from the scan). Called only
        when the student's own code asked: IPython, ``dataclasses`` and the rest of the
        installed code run such text themselves."""
        if type(code) is not code_type:
            return False
        file = code.co_filename
        return (
            isinstance(file, str)
            and file != agent_file
            and not cell_file(file)
            and not checker.trusted(code)
        )

    def loaded_from(frame):
        """The file the import system loaded the module it runs now from (the ``origin`` of
        the spec of ``exec_module``'s module, a frame of installed code that called ``exec``),
        whatever file name its code carries: a ``.pyc`` compiled from a source since removed,
        or under another file's name (review 49); or None."""
        for _ in range(4):
            if frame is None:
                return None
            name = frame.f_code.co_name
            if name == "exec_module" and checker.trusted(frame.f_code):
                spec = getattr(frame.f_locals.get("module"), "__spec__", None)
                origin = getattr(spec, "origin", None)
                return origin if isinstance(origin, str) else None
            if name == "_run_code" and checker.trusted(frame.f_code):  # runpy (review 50)
                space = frame.f_locals.get("run_globals")
                origin = space.get("__file__") if type(space) is dict else None
                return origin if isinstance(origin, str) else None
            frame = frame.f_back
        return None

    def run_by_runpy(caller) -> bool:
        """Whether ``runpy`` (``caller``) runs the code for the student's code (``run_path``
        of a ``.pyc`` compiled under another file's name, its ``_run_code`` called with code
        read by ``pkgutil.read_code``: review 50)."""
        return (
            caller.f_code.co_name == "_run_code"
            and checker.trusted(caller.f_code)
            and asked_through_stdlib(4)  # (this, asked_to_run, the hook, then the caller)
        )

    def handed_over(caller) -> bool:
        """Whether ``exec``/``eval`` was called as a value by code that does not name it (the
        target of a thread, the callable of an executor or a ``weakref.finalize``: review
        51), or by no Python code at all: only the student hands it over so."""
        if caller is None:
            return True
        code = caller.f_code
        return (
            runner_names.isdisjoint(code.co_names)
            and runner_names.isdisjoint(of_type(code.co_consts, str))
            and loaded_from(caller) is None  # (the import system runs a module's code so)
        )

    def cell_text(frame):
        """The text of the cell IPython runs now, from its ``run_cell_async`` frame on the
        stack above ``frame``; None in a thread, or when no cell runs."""
        while frame is not None:
            if frame.f_code.co_name == "run_cell_async" and checker.trusted(frame.f_code):
                raw = frame.f_locals.get("raw_cell")
                return raw if type(raw) is str else None
            frame = frame.f_back
        return None

    def runs_text(caller) -> bool:
        """Whether ``caller`` is one of the runners of text (:data:`_TEXT_RUNNERS`), run for
        text that is not part of the cell being run."""
        module = caller.f_globals.get("__name__")
        if module not in text_runners:
            return False
        names = text_runners[module]
        if names is not None and caller.f_code.co_name not in names:
            return False
        space = caller.f_locals
        given = [space.get(k) for k in text_arguments]
        given = [t.strip() for t in given if type(t) is str]
        texts = [t for t in given if t not in ("", "pass")]  # (timeit.Timer's defaults)
        if given and not texts:  # (IPython's %timeit makes a Timer of nothing to run)
            return False
        raw = cell_text(caller) if texts else None
        return raw is None or not all(t in raw for t in texts)

    def asked_to_run(caller) -> bool:
        """Whether the student's code asked for the ``exec`` that ``caller`` made: itself, by
        handing ``exec`` over, through ``runpy`` or through a runner of text."""
        if caller is None or students(caller.f_code):
            return True
        return handed_over(caller) or run_by_runpy(caller) or runs_text(caller)

    def from_own_file(code, caller) -> None:
        """Report a module's code read from a Python file in the kernel's own folders (one
        the notebook wrote at run time, or handed in beside it, then imported or ``%run``):
        code the static scan never read. ipykernel's files of the cells are not such files."""
        if type(code) is not code_type or code.co_name != "<module>":
            return
        for file in (code.co_filename, loaded_from(caller)):
            if not isinstance(file, str) or cell_file(file):
                continue
            path = abspath(file)
            folder = next((w for w in own if path.startswith(w)), None)
            probe = path  # the file itself, or an archive holding it (lib.zip/mod.py)
            while folder is not None and probe.startswith(folder):
                if isfile(probe):  # (not a name such as "<string>")
                    record("exec.own_file", path[len(folder) :])
                    return
                probe = dirname(probe)

    def native(event, args) -> None:
        """Report native code loaded from a file outside the read-only folders (an extension
        module or a shared library the notebook wrote or handed in, in its own folder,
        ``/dev/shm`` or a memfd): no audit sees what it does once it runs, and its
        constructor runs as it loads, so it is reported before."""
        if event == "import":
            if isinstance(args[0], str) and args[0].rpartition(".")[2] == "_cffi_backend":
                record("native.loader", "cffi")  # its dlopen raises no audit event
            raw = args[1] if len(args) > 1 else None  # (a Python module's names no file)
        else:
            raw = args[0] if args else None
        if not isinstance(raw, (str, bytes)):
            return
        name = fsdecode(raw)
        if event == "ctypes.dlopen" and "/" not in name:
            return  # a name the dynamic loader looks up in the system's folders
        path = abspath(name)
        real = realpath(path)  # (a link of its own folder may name a system library)
        if not path.startswith(read_only) and not real.startswith(read_only):
            folder = next((w for w in own if real.startswith(w)), "")
            record("native.load", real[len(folder) :])

    def lost(event, error) -> None:
        """Review 72 B: an exception raised inside the hook (a ``BaseException`` of the
        student's, raised by standard-library code set as a key's ``__eq__``) had left it
        unrecorded. Whatever is raised inside the hook stops there (:func:`_stopper`); what
        is not the grader's interrupt is recorded as the event's being unread."""
        if not stop(error):
            unread(event)

    def unread(event) -> None:
        """Record that the hook could not read ``event`` (review 65: what the student's code
        handed it, a file name whose methods raise, had made it raise, and ``exec`` of text
        and ``compile`` went unrecorded): an audit hook must never break the kernel, and
        what it cannot read is reported, not passed."""
        try:
            record("audit.unread", event if type(event) is str else "?")
        except Exception:
            pass

    # review 68 B: a ``str`` subclass handed to ``open`` had its ``startswith`` run by the
    # hook's ``abspath``: it resumed a generator that walked up to the hook's frame and took
    # the writer, the wrappers' originals and their reporter. The hook reads only plain
    # copies of what it is handed (:func:`_plain`), and runs under a trace function (called
    # as each Python frame starts) that records any code of the notebook's called inside it
    # (before that code runs), and any trace or profile function set inside it
    settrace, gettrace = sys.settrace, sys.gettrace
    guarded: set = set()  # the threads whose hook runs under ``alarm``
    switching: set = set()  # the threads whose hook sets or removes ``alarm`` itself
    package = dirname(dirname(dirname(os.path.abspath(__file__)))) + sep
    # Review 71 B: the alarm is armed for every event the hook reads but its own switching of
    # it: left off for the frequent ones, a finalizer the garbage collector ran while the hook
    # looked at a frame, and a metaclass's ``__hash__`` run by the hook's reading of a report,
    # had taken the hook's frame unseen; left off for IPython's and the import system's running
    # of code, the hook's lookups in ``sys.modules`` and in namespaces the notebook writes to
    # ran there unwatched. The garbage collector is paused while the hook runs (an honest
    # finalizer it ran there had read as the notebook's code inside the hook). An event raised
    # while the hook runs in the same thread is the hook's own, or raised by code the alarm has
    # recorded already (the notebook's), or by installed code reached from neither: it is not
    # read again (the hook's own reads of frames and files had each run the hook once more)
    unguarded = frozenset(trace_events)
    collecting, pause, resume = gc.isenabled, gc.disable, gc.enable
    gc_lock = threading.RLock()  # (a signal handler may raise an event while it is held)
    gc_state = [0, False]  # threads inside the hook, whether the collector was on before
    stop, _ = _stopper()
    handled = watched_events | {
        *frame_events, "import", "ctypes.dlopen", "exec", "object.__getattr__",
        "object.__setattr__", "resistlab.call", "resistlab.wrap", "grader.entered",
    }  # fmt: skip

    installed = (package, *_installed_folders())

    def alarm(frame, what, arg):
        """Record the notebook's code called inside the hook: code from a file of neither the
        standard library, an installed package nor this package (in a development install
        too), by its file's name, as code compiled or made under such a name is recorded when
        it is (``compile``, ``code.__new__``), and reading what the file holds costs every
        kernel its time. (No call, no ``id``: each is an audit event, and the alarm sees every
        Python call the hook makes.)"""
        if what == "call":
            file = frame.f_code.co_filename
            if type(file) is not str or not file.startswith(installed):
                record("grader.entered", "the notebook's code ran inside the grader's audit hook")

    def untraced() -> None:
        """From now on the hook runs with trace and profile functions paused, as Python runs
        audit hooks by default (the alarm with them): the notebook set one of its own, which
        would see the hook's frames."""
        hook.__cantrace__ = False

    def hook(event, args):
        if event not in handled:  # (``builtins.id`` above all: thousands a notebook)
            return
        if (  # a frame's code read (by the alarm and the hook's own walks above all, each
            event == "object.__getattr__"  # Python call run under the alarm reads one):
            and type(args) is tuple  # nothing below reads it (it is no frame taken, and no
            and len(args) == 2  # attribute of a wrapper's or the signal guard's)
            and type(args[1]) is str
            and args[1] == "f_code"
        ):
            return
        if (  # a plain function's code or default arguments read: nothing below reads it
            event == "object.__getattr__"  # unless the function is the signal guard's, or
            and type(args) is tuple  # a wrapper's keyword defaults (its original); the
            and len(args) == 2  # grader's agent reads about 2,000 of them at a notebook's
            and type(args[1]) is str  # start, each 0.1-0.2 ms under the alarm. (No method of
            and args[1] in function_reads  # the notebook's runs: a function is compared and
            and type(args[0]) is function_type  # hashed by identity, and the type checks
            and args[0] not in wrapper_set  # come first)
            and not guards(args[0])
        ):
            return
        if event == "object.__setattr__" and not (  # (review 75 F1b, F4: the code or the
            type(args) is tuple  # defaults of a function of the grader's replaced, a wrapper's
            and len(args) == 3  # to hand out its original and put back before the notebook's
            and type(args[1]) is str  # end, the guard's to hand out its tables: no read was
            and args[1] in function_reads  # seen)
            and type(args[0]) is function_type
            and (args[0] in wrapper_set or guards(args[0]) or graders_function(args[0]))
        ):
            return
        try:  # review 72 B: nothing raised inside the hook leaves it (below)
            me = get_ident()
            if event == "import" and me not in guarded and unguarded_handlers():
                record("grader.entered", "a signal handler set past the kernel's guard")
            armed = False
            if me in guarded:  # an event raised while the hook runs: its own, or the notebook's
                if event in trace_events and me not in switching:  # (the alarm removed, or another
                    untraced()  # function set)
                    record("grader.entered", "the grader's alarm changed inside its audit hook")
                return
            # the collector is paused before this thread is marked as running the hook, and
            # resumed after the last thread inside has left (review 72 B: a finalizer it ran
            # between the mark and the alarm's start, where events are not read, had taken
            # the hook's frame unseen; a thread leaving had resumed it while another was
            # inside, where honest cyclic garbage was then finalized under the other's alarm)
            with gc_lock:
                if not gc_state[0]:
                    gc_state[1] = collecting()
                    if gc_state[1]:
                        pause()
                gc_state[0] += 1
            try:
                if gettrace() is None and event not in unguarded:
                    # (with a trace function of the notebook's set, recorded as it was set
                    # (``hook_override``), none: Python refuses to set one while another is)
                    guarded.add(me)
                    switching.add(me)
                    try:
                        settrace(alarm)
                        armed = True
                    except Exception:
                        guarded.discard(me)
                    switching.discard(me)
                args = plain(args)
                if event == "grader.entered":  # (the alarm's, or the student's own: against them)
                    record(event, "the notebook's code ran inside the grader's audit hook")
                    return
                if event == "import" and args and args[0] == "_signal":  # (first imported below,
                    record("grader.entered", "the signal module made again")  # before the hook)
                elif event == "object.__getattr__" and args and guards(args[0]):
                    record("grader.entered", "the kernel's signal guard taken apart")
                if event == "object.__setattr__":  # (only the grader's functions' come here)
                    record("grader.entered", "a function of the grader's changed")
                    return
                if event in ("import", "ctypes.dlopen") and args:
                    try:
                        native(event, args)
                    except Exception:
                        unread(event)
                if event == "exec" and args:
                    try:
                        try:
                            caller = getframe(1)
                        except ValueError:  # no Python frame called it (``_thread``'s own thread:
                            caller = None  # review 52, whose kernel had run text so unflagged)
                        from_own_file(args[0], caller)
                        # (who asked first: ``from_text`` reads the file of the code it is given,
                        # and a kernel reads at most _MAX_FILES of them)
                        if asked_to_run(caller) and from_text(args[0]):
                            record("exec.text", "")
                    except Exception:
                        unread(event)
                if event in frame_events or (
                    event == "object.__getattr__" and len(args) > 1 and args[1] in frame_attributes
                ):
                    me = get_ident()
                    if me not in busy:  # (its own reads of frames raise the same events)
                        busy.add(me)
                        try:
                            taken(event, args)
                        except Exception:
                            unread(event)
                        finally:
                            busy.discard(me)
                    return
                if calls is not None and (
                    event in ("import", "exec", "resistlab.wrap", "resistlab.call")
                    or (event == "object.__getattr__" and args[1:2] == ("__kwdefaults__",))
                ):
                    try:
                        calls(event, args)
                    except Exception:
                        unread(event)
                    return
                if event not in watched_events:
                    return
                try:
                    if event in path_events:
                        paths = (
                            [args[0]]
                            if event not in ("os.symlink", "os.link", "os.rename")
                            else args[:2]
                        )
                        for raw in paths:
                            if raw is None or isinstance(raw, int):
                                continue
                            path = abspath(fsdecode(raw))
                            if path.startswith(own) or path + "/" in own:
                                path = realpath(
                                    path
                                )  # a symlink in the scratch folder may point out
                            if not inside(path):
                                record(event, path, force=path.startswith(audit_check))
                    elif event in trace_events:  # (debuggers of IPython: not)
                        if set_by_threading():
                            record(event, "in a thread, from threading's hook")
                            untraced()
                        elif asked_through_stdlib():
                            record(event, "")
                            untraced()
                    elif (
                        event == "ctypes.dlsym"
                    ):  # the interpreter's C API: PyRun_* runs any text;
                        name = args[1] if len(args) > 1 else None  # libc's socket and syscall: the
                        if isinstance(name, str) and (  # filter refuses an IP socket, unrecorded
                            name.startswith(("Py", "_Py")) or name in libc_recorded
                        ):
                            # asked by the code that called ctypes (debugpy, imported by ipykernel,
                            # looks one up for itself)
                            ctypes_module = modules.get(
                                "ctypes"
                            )  # (none: _ctypes itself was used)
                            package = dirname(getattr(ctypes_module, "__file__", None) or "\0/")
                            frame = getframe(1)
                            while frame is not None and frame.f_code.co_filename.startswith(
                                package
                            ):
                                frame = frame.f_back
                            if frame is not None and students(frame.f_code):
                                record(event, name[:80])
                    elif event == "socket.__new__":  # (sock, family, type, proto): an IP socket,
                        family = args[1] if len(args) > 1 else None  # which the filter refuses
                        if family in (2, 10):
                            record(event, "AF_INET" if family == 2 else "AF_INET6")
                    elif event.startswith("socket."):
                        address = args[1]
                        if isinstance(address, (bytes, str)):
                            path = abspath(fsdecode(address)) if address else ""
                            if not path or inside(realpath(path)):
                                return
                            record(event, path)
                        else:
                            record(event, repr(address))
                    elif event in introspection:  # (never the repr of what the student handed it)
                        detail = ""
                        if (
                            event == "compile"
                        ):  # under a name that passes for the library or a cell
                            name = args[1] if len(args) > 1 else None
                            if library_file(name):
                                detail = "under a library file name"
                            elif cell_file(name):
                                detail = "under a notebook cell's file name"
                            elif name == agent_file and not agent_compiled:
                                agent_compiled.append(True)  # the grader's agent, installed first
                                return
                            else:  # text the student's code compiles: the interpreter's C API
                                # called at its address compiles and runs it with no other event
                                # (review 49: Py_CompileStringExFlags, PyEval_EvalCode)
                                detail = "of text"
                        if event == "pickle.find_class":  # unpickling calls what the bytes name
                            detail = ".".join(str(a)[:60] for a in args[:2])
                            if started_by_student():
                                record(event, detail)
                        elif asked_by_student():
                            record(event, detail)
                    else:
                        record(event, repr(args[0])[:200] if args else "")
                except Exception:
                    unread(event)
            finally:
                if armed:
                    switching.add(me)
                    settrace(None)
                    switching.discard(me)
                    guarded.discard(me)
                with gc_lock:
                    gc_state[0] -= 1
                    resumed = collecting()  # (by the notebook, from another thread)
                    if not gc_state[0] and gc_state[1]:
                        resume()
                if resumed:
                    record("grader.entered", "the garbage collector resumed while the hook ran")
        except BaseException as error:
            lost(event, error)

    # (Python runs audit hooks with profile and trace functions paused, unless they say so)
    hook.__cantrace__ = True
    unguarded_handlers, guards = _guard_signals(own_codes, wrapper_codes)
    sys.addaudithook(hook)


def status_path(audit_path: str | os.PathLike) -> str:
    """Where the launcher reports what it applied: beside the audit, a file the kernel holds
    no descriptor of (a line in the audit itself could be the kernel's own forgery).

    Examples
    --------
    >>> status_path("/run/s-01.audit")
    '/run/s-01.audit.status'
    """
    return f"{os.fspath(audit_path)}.status"


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def read_audit(path: str | os.PathLike) -> tuple[SandboxStatus | None, list[tuple[str, str]]]:
    """Read an audit file and its status file: what the launcher applied (the status of the
    kernel start that missed the most layers) and the events the kernel recorded.

    Lines of the audit that are not events (a kernel writing garbage, or a status of its own,
    to the descriptor) are reported as ``("audit.garbled", line)`` events rather than ignored.
    """
    status, events = None, []
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, []
    try:
        reports = Path(status_path(path)).read_text(encoding="utf-8").splitlines()
    except OSError:
        reports = []
    for line in reports:  # one per kernel start, written by the launcher alone
        try:
            started = SandboxStatus(**json.loads(line)["status"])
        except (ValueError, TypeError, KeyError):
            started = SandboxStatus(missing={"launcher": "its report could not be read"})
        if status is None or len(started.missing) > len(status.missing):
            status = started
    for line in text.splitlines():
        if not line.strip():
            continue
        try:  # the hook writes two strings: anything else is not its line (NaN neither)
            item = json.loads(line, parse_constant=_not_json)
        except ValueError:
            item = None
        if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item):
            events.append((item[0], item[1]))
        else:
            events.append(("audit.garbled", line[:200]))
    return status, events


# --- entry points ----------------------------------------------------------------------------


def confine(
    policy_path, audit_fd: int | None = None
) -> tuple[int, list[str], list[str], list[str]]:
    """Apply a policy (a file written by :meth:`SandboxPolicy.dump`, or its content as a
    ``dict``) to this process and report to its audit file.

    ``audit_fd``: where to write the audit (a pipe whose other end the grader reads, so the
    kernel can add lines but never rewrite or remove one); the status goes first on it, and
    the reader keeps that first line apart (:func:`~.kernel._drain`). By default the policy's
    ``audit_path`` is opened (before Landlock, so the kernel cannot open it again) and the
    status is written to :func:`status_path`, which is closed before this returns.

    Returns the audit descriptor, the allowed and writable paths and the watched library
    functions, which :func:`run_kernel` hands to the audit hook.
    """
    if isinstance(policy_path, dict):
        policy = SandboxPolicy(**policy_path)
    else:
        policy = SandboxPolicy.load(policy_path)
    report = None
    if audit_fd is not None:
        fd = audit_fd
    else:
        fd = os.open(policy.audit_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        report = os.open(status_path(policy.audit_path), flags, 0o600)
    fd = _out_of_the_way(fd)
    status = apply(policy, fd)
    line = (status.to_json() + "\n").encode()
    if report is None:
        os.write(fd, line)
    else:
        os.write(report, line)
        os.close(report)
    allowed = [*policy.read, *policy.write, *policy.devices]
    return fd, allowed, list(policy.write), list(policy.watched_calls)


def _out_of_the_way(fd: int) -> int:
    """Move the audit descriptor to the highest number under the open-files limit (at most
    1023). The seccomp filter refuses to close that number in the kernel and in every
    program it starts (the filter is inherited, the descriptor is not): a low number would
    be the next file a child opens, which it could then never close (the dynamic loader of
    a child Python failed so)."""
    import fcntl
    import resource

    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    target = (1024 if soft == resource.RLIM_INFINITY else min(soft, 1024)) - 1
    if fd >= target:
        return fd
    try:
        moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, target)
    except OSError:
        return fd
    os.close(fd)
    return moved


def _launch(policy_path: str, argv: list[str]) -> None:
    fd, allowed, writable, watched = confine(policy_path)
    os.set_inheritable(fd, True)
    os.execv(
        sys.executable,
        [
            sys.executable,
            os.path.abspath(__file__),
            "kernel",
            str(fd),
            json.dumps(allowed),
            json.dumps(writable),
            json.dumps(watched),
            "--",
            *argv,
        ],
    )


def run_kernel(
    fd: int | None, allowed: list[str], writable: list[str], argv: list[str], watched=()
) -> None:
    """Run ``python ARGV`` (``-m MODULE ...``) in this process, audited when ``fd`` is given."""
    import runpy

    if fd is not None:
        os.set_inheritable(fd, False)
        _refuse_exec()
        _install_audit_hook(fd, allowed, writable, watched)
    # `python -m MODULE ARGS` under PYTHONSAFEPATH: nothing of the working folder (the
    # submission's files) is on sys.path (it had been put first, and a submitted
    # ipykernel_launcher.py was then the kernel's entry point; see drop_script_folder)
    if len(argv) < 2 or argv[0] != "-m":
        raise SystemExit(f"sandbox: expected '-m MODULE ...' after '--', got {argv!r}")
    sys.argv = [argv[1], *argv[2:]]
    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)


def _probe_main(policy_path: str) -> None:
    policy = SandboxPolicy.load(policy_path)
    status = apply(policy)
    print(status.to_json())


def probe(
    policy: SandboxPolicy, *, python: str | None = None, timeout: float = 30
) -> SandboxStatus:
    """Apply ``policy`` in a throwaway process and return what could be applied.

    The grader calls this once per run to warn early when the platform cannot enforce a layer.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rl-probe-") as tmp:
        path = Path(tmp) / "policy.json"
        policy.dump(path)
        proc = subprocess.run(
            [python or sys.executable, os.path.abspath(__file__), "probe", str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tmp,
        )
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            return SandboxStatus(**json.loads(line)["status"])
    reason = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    return SandboxStatus(missing={layer: f"probe failed: {reason}" for layer in LAYERS})


def drop_script_folder(script: str) -> None:
    """Take the folder of ``script`` (this grader's own code) off the front of ``sys.path``,
    where Python puts it when it runs a script without ``PYTHONSAFEPATH`` (Python 3.10), and
    put nothing there instead: a kernel imports nothing from its working folder or from the
    grader's code folder."""
    here = os.path.dirname(os.path.realpath(script))
    if sys.path and sys.path[0] and os.path.realpath(sys.path[0]) == here:
        del sys.path[0]


def main(argv: list[str]) -> None:
    """``launch POLICY -- ARGS``, ``kernel FD ALLOWED WRITABLE WATCHED -- ARGS``,
    ``probe POLICY`` or ``remove PATH`` (as root of a user namespace mapped to the account's
    subordinate ids, :func:`enter_own_user_namespace`: what kernels of a worker that was killed
    left under their own uids)."""
    if argv[:1] == ["launch"] and argv[2:3] == ["--"]:
        _launch(argv[1], argv[3:])
    elif argv[:1] == ["kernel"] and argv[5:6] == ["--"]:
        run_kernel(
            int(argv[1]), json.loads(argv[2]), json.loads(argv[3]), argv[6:], json.loads(argv[4])
        )
    elif argv[:1] == ["probe"] and len(argv) == 2:
        _probe_main(argv[1])
    elif argv[:1] == ["remove"] and len(argv) >= 2:
        why = enter_own_user_namespace()
        if why:
            raise SystemExit(f"sandbox.py remove: {why}")
        remove_path(*argv[1:])
    else:
        raise SystemExit(
            "usage: sandbox.py launch POLICY -- ARGS"
            " | kernel FD ALLOWED WRITABLE WATCHED -- ARGS | probe POLICY | remove PATH..."
        )


if __name__ == "__main__":
    drop_script_folder(__file__)
    main(sys.argv[1:])
