"""A warm kernel template: import the heavy modules once, fork one sandboxed kernel per notebook.

A fresh grading kernel spends much of its life starting: the interpreter, IPython and
ipykernel, then numpy, SciPy and matplotlib as the notebook imports them (about 1.5 s of a
3-4 s notebook here). Each grading worker therefore starts one *template* process with the
kernel's own Python (``python kernel_template.py serve FD PRELOAD``), which imports those
modules once, without running any kernel or student code, and then waits on a UNIX socket.
For each kernel the worker asks for, the template forks; the child

1. starts a new session (so the grader can signal the kernel's process group),
2. takes the kernel's working folder and complete environment from the request,
3. confines itself with :func:`sandbox.confine` (rlimits, namespaces, no new privileges,
   Landlock, every capability dropped: the same policy file and audit file as the
   ``exec``-based launcher),
4. reseeds the random generators it inherited, and
5. runs ``ipykernel_launcher`` with the audit hook, exactly as ``sandbox.py kernel`` does.

The child never ``exec``'s, so the preloaded modules are already in ``sys.modules`` when the
student's ``import numpy`` runs; they were imported, never used. Two of them read the
running shell when imported, and are preloaded as a kernel's shell would show them
(:func:`_preload`): pandas sets its display defaults from ``get_ipython()`` and
the output stream's encoding, and ipywidgets registers its comm targets with the kernel (which
the child has it do as an IPython extension once its kernel runs). matplotlib's inline
backend is not preloaded.

The template replies to each request with the child's process id once the child is in its
own session. It reaps exited children before each fork and exits when the worker closes the
socket (or dies). Like :mod:`sandbox`, this file uses only the standard library and runs in
any kernel environment; modules of ``PRELOAD`` that the kernel's Python lacks are skipped.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import io
import json
import os
import signal
import socket
import stat
import sys
import time
import traceback

__all__ = ["running", "serve"]

_PR_SET_PDEATHSIG = 1


def _load_sandbox():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox.py")
    spec = importlib.util.spec_from_file_location("_resistlab_sandbox", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class _KernelShell(io.StringIO):
    """What pandas reads of a Jupyter kernel when it is imported: a shell with a ``kernel``
    (``config_init.is_terminal``: not a terminal, at most 20 columns shown) and an output
    stream whose encoding is ipykernel's (``display.encoding``)."""

    kernel = True
    encoding = "UTF-8"


#: Preloaded modules whose import reads the running shell and the output stream (others,
#: imported with the stand-in in place, had kept it as a default argument: matplotlib's
#: ``print_cycles``, IPython's ``PyColorize.Parser``).
_SHELL_READERS = ("pandas",)


def _preload(name: str) -> None:
    """Import ``name``; one of :data:`_SHELL_READERS` with ``get_ipython()`` answering and
    ``sys.stdout`` encoding as in a kernel's shell, both put back after."""
    if name not in _SHELL_READERS:
        importlib.import_module(name)
        return
    shell = _KernelShell()
    had = hasattr(builtins, "get_ipython")
    saved_getter, saved_stdout = getattr(builtins, "get_ipython", None), sys.stdout
    builtins.get_ipython = lambda: shell
    sys.stdout = shell
    try:
        importlib.import_module(name)
    finally:
        sys.stdout = saved_stdout
        if had:
            builtins.get_ipython = saved_getter
        else:
            del builtins.get_ipython


#: Preloaded modules the child's kernel loads as an IPython extension once it runs (the
#: registration their import does in a kernel: ipywidgets' comm targets).
_EXTENSIONS = ("ipywidgets",)


def _reseed() -> None:
    """Give the child its own random state, as a fresh interpreter would have.

    ``random`` reseeds itself after ``fork``; numpy's global generator does not.
    """
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()
    tempfile = sys.modules.get("tempfile")
    if tempfile is not None:
        tempfile.tempdir = None  # recomputed from the kernel's own TMPDIR


def _child(request: dict, sandbox, audit_fd: int | None) -> int:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    _reseed()
    argv = list(request["argv"])
    if request["env"].get("JPY_PARENT_PID"):
        # ipykernel read JPY_PARENT_PID when the template imported it. A fresh kernel would
        # watch the worker that launched it; this one watches its parent, the template, which
        # dies with the worker.
        argv.append(f"--IPKernelApp.parent_handle={os.getppid()}")
    argv += [f"--IPKernelApp.extensions={name}" for name in _EXTENSIONS if name in sys.modules]
    fd, allowed, writable, watched = None, [], [], []
    policy = request.get("policy")
    if policy:
        fd, allowed, writable, watched = sandbox.confine(policy, audit_fd)
    sandbox.run_kernel(fd, allowed, writable, argv, watched)
    return 0


def _fork_kernel(request: dict, sandbox, audit_fd: int | None) -> int:
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the kernel
        code = 1
        try:
            os.setsid()
            os.write(ready_w, b".")
            # Nothing of the template's stays open (above all not its socket to the worker,
            # through which a kernel could ask for an unconfined sibling), except the audit
            # pipe the worker sent for this kernel.
            if audit_fd is None:
                os.closerange(3, 1 << 20)
            else:
                os.closerange(3, audit_fd)
                os.closerange(audit_fd + 1, 1 << 20)
            code = _child(request, sandbox, audit_fd)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            os._exit(code)
    os.close(ready_w)
    try:
        if os.read(ready_r, 1) != b".":
            raise OSError("the kernel process ended before it started")
    finally:
        os.close(ready_r)
    return pid


def _kill_others() -> tuple[int, bool]:
    """Kill every process of this PID namespace but its init and the template itself; return
    how many were killed and whether all are dead (exited, or zombies their init reaps)
    within about 5 s.

    Only called in a sandbox with its own PID namespace (``--pidns``): a kernel's
    double-forked daemons die when the worker asks (when a kernel ends and before each fork).
    A process told to die may still finish the system call it is in: the worker removes the
    kernel's folder only once none is left running (a daemon on a loaded machine had made
    one more folder after the removal, which stayed).
    """
    me, killed = os.getpid(), 0
    for attempt in range(500):
        alive = [
            int(n)
            for n in os.listdir("/proc")
            if n.isdigit() and int(n) not in (1, me) and running(int(n))
        ]
        if not alive:
            _reap()
            return killed, True
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        _reap()
        if attempt >= 20:
            time.sleep(0.01)
    _reap()
    return killed, False


def running(pid: int) -> bool:
    """Whether process ``pid`` exists with a thread that is not a zombie (a process whose
    first thread ended shows a zombie's state for the process while its other threads run:
    review 62's runs found such a daemon, holding a removed file, alive into the next
    student's kernel)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/stat", "rb") as fh:
                state = fh.read().rpartition(b")")[2].split()[:1]
        except OSError:
            continue
        if state != [b"Z"] and state != [b"X"]:
            return True
    return False


def _mode(folder: str) -> int | None:
    try:
        return stat.S_IMODE(os.lstat(folder).st_mode)
    except OSError:
        return None


def _empty_shm(folder: str = "/dev/shm", mode: int | None = None) -> bool:
    """Give ``folder`` (``/dev/shm``: POSIX shared memory, semaphores, any file) back its
    ``mode`` and remove everything in it; return whether it is now empty with that mode.

    Only called in a bubblewrap sandbox (``--pidns``), whose ``/dev`` is its own: its
    ``/dev/shm`` is shared by the worker's kernels one after another, and what one kernel
    left there (a note for the next student, memory charged to the next kernels, the folder
    made read-only) must not reach the next one. Under an unprivileged grader the kernel
    owns the folder (Landlock does not govern modes): a kernel had made it read-only with a
    file in it, which the next kernels read, and their ``multiprocessing.Lock()`` failed.
    """
    import shutil

    if mode is not None and _mode(folder) not in (None, mode):
        try:
            os.chmod(folder, mode)
        except OSError:
            pass
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                os.chmod(entry.path, 0o700)
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            pass
    try:
        return not os.listdir(folder) and (mode is None or _mode(folder) == mode)
    except OSError:
        return False


def _clear_sandbox(shm_mode: int | None = None) -> tuple[int, bool]:
    """Leave nothing of one kernel for the next in this sandbox: its processes and its
    ``/dev/shm`` (given back ``shm_mode``). Return how many processes were killed and whether
    ``/dev/shm`` could be emptied (when not, the worker starts a fresh sandbox)."""
    killed, dead = _kill_others()
    return killed, _empty_shm(mode=shm_mode) and dead


def _home_state(home: str) -> dict:
    """Mode and times of ``home`` and of everything in it (at most 1,000 entries), parents
    first: a kernel runs under the template's uid and may ``chmod``/``utime`` them (Landlock
    governs neither), which had carried a note to the next student of the worker."""
    state = {}
    for folder, folders, files in os.walk(home):
        for path in [folder, *(os.path.join(folder, n) for n in folders + files)]:
            if path not in state and len(state) < 1000:
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                state[path] = (info.st_mode, info.st_atime_ns, info.st_mtime_ns)
    return state


def _sandbox_state() -> dict:
    """Mode and times of the entries of the sandbox's own file systems (its root, ``/dev``,
    ``/dev/pts`` with its ``ptmx``, ``/dev/shm``, ``/tmp``, ``/run`` and the folders
    bubblewrap made in them; never what is bound into them, which is on another file
    system), at most 1,000 entries, parents first. Under a grader without subordinate ids
    they are the kernel's uid's (reviews 49, 50: a kernel wrote a note in the times of
    ``/``, ``/tmp``, ``/dev``, then of ``/dev/pts``, that the next student read)."""
    state: dict = {}
    for top in ("/", "/dev", "/dev/pts", "/dev/shm", "/tmp", "/run"):
        try:
            device = os.lstat(top).st_dev
        except OSError:
            continue
        for folder, folders, files in os.walk(top):
            own = []
            for path in [folder, *(os.path.join(folder, n) for n in folders + files)]:
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                if info.st_dev != device:  # a file system bound in: not the sandbox's
                    continue
                if path not in state and len(state) < 1000:
                    state[path] = (info.st_mode, info.st_atime_ns, info.st_mtime_ns)
                own.append(path)
            folders[:] = [n for n in folders if os.path.join(folder, n) in own]
    return state


def _give_back(state: dict) -> None:
    """Give every entry of ``state`` back its mode and times, parents first (a folder made
    ``chmod 0`` hides its entries until then)."""
    for path, (mode, atime_ns, mtime_ns) in state.items():
        try:
            if not stat.S_ISLNK(mode):
                os.chmod(path, stat.S_IMODE(mode))
            os.utime(path, ns=(atime_ns, mtime_ns), follow_symlinks=False)
        except OSError:
            pass


def _restore(state: dict) -> bool:
    """Give every entry of ``state`` (:func:`_sandbox_state`) back its mode and times;
    whether their modes and modification times are now as they were."""
    _give_back(state)
    for path, (mode, _, mtime_ns) in state.items():
        try:
            info = os.lstat(path)
        except OSError:
            return False
        if (info.st_mode, info.st_mtime_ns) != (mode, mtime_ns):
            return False
    return True


def _restore_home(state: dict) -> bool:
    """Give every entry of ``state`` (:func:`_home_state`) back its mode and times; whether
    the home's modes and modification times are now as they were, and it holds nothing
    new."""
    _give_back(state)
    home = next(iter(state), None)
    if home is None:
        return True
    # access times aside: listing a folder sets its own (relatime, once its times changed)
    return {p: (m, mt) for p, (m, _, mt) in _home_state(home).items()} == {
        p: (m, mt) for p, (m, _, mt) in state.items()
    }


def _own_settings(sandbox) -> tuple:
    """What every kernel inherits from the template besides its memory: resource limits,
    priority, scheduling policy, attributes and CPU affinity. A kernel had lowered its template's
    limits (every later student of that worker lost its grade) and reniced and pinned it;
    a template whose settings changed is replaced (:func:`serve`)."""
    import resource

    limits = tuple(
        resource.getrlimit(getattr(resource, name))
        for name in sorted(dir(resource))
        if name.startswith("RLIMIT_")
    )
    scheduling = ()
    if hasattr(os, "sched_getscheduler"):
        scheduling = (
            os.sched_getscheduler(0),
            os.sched_getparam(0).sched_priority,
            tuple(sorted(os.sched_getaffinity(0))),
            _sched_attr(sandbox),
        )
    return limits, os.getpriority(os.PRIO_PROCESS, 0), scheduling


def _sched_attr(sandbox) -> bytes:
    """The template's whole ``sched_attr`` (``sched_getattr``): besides policy and priority,
    its time slice and utilisation clamps, which ``sched_setattr`` on the template had
    changed unseen for every later kernel of the worker (review 51); empty where Linux or
    the architecture has none."""
    import ctypes
    import platform

    number = {"x86_64": 315, "aarch64": 275}.get(platform.machine())
    if number is None:
        return b""
    attr = ctypes.create_string_buffer(56)
    try:
        sandbox._syscall(number, 0, attr, ctypes.c_uint(56), ctypes.c_uint(0))
    except OSError:
        return b""
    return attr.raw


def _send(channel: socket.socket, message: dict) -> None:
    channel.send(json.dumps(message).encode())


def _become(uid: int) -> None:
    """Drop root for good: no groups, the kernels' own uid and gid (no capability is left)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("kernel template: could not change uid")


def serve(channel_fd: int, preload: list[str], uid: int | None = None, pidns=False) -> None:
    """Import ``preload``, then fork a kernel for every request on ``channel_fd`` until EOF.

    ``uid``: when started as root (in a bubblewrap sandbox), become this uid first.
    ``pidns``: the template runs in its own PID namespace (``{"op": "clean"}``, which the
    worker sends when a kernel ends and before each fork, then kills every other process in
    it, empties its ``/dev/shm`` and gives its home back its modes and times).
    """
    if uid is not None and os.getuid() == 0:
        _become(uid)
    pidns = pidns and os.getpid() <= 3  # bubblewrap's init is 1, the template 2
    shm_mode = _mode("/dev/shm") if pidns else None  # before any kernel could change it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides when we stop
    sandbox = _load_sandbox()
    if sys.platform.startswith("linux"):  # die with the worker that started us
        sandbox._libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    sandbox.drop_script_folder(__file__)  # no module comes from the grader's code folder
    loaded, failed = [], {}
    for name in preload:
        before = set(sys.modules)
        try:
            _preload(name)
            loaded.append(name)
        except Exception as err:  # a kernel environment without it: import it cold later
            failed[name] = f"{type(err).__name__}: {err}"[:200]
            for partial in set(sys.modules) - before:  # never hand a kernel half a module
                del sys.modules[partial]
    import gc

    gc.freeze()  # what every kernel inherits: its collections never walk it (nor copy its pages)
    settings = _own_settings(sandbox)
    home = _home_state(os.getcwd()) if pidns else {}  # started in its home (WarmKernels)
    own_folders = _sandbox_state() if pidns else {}
    channel = socket.socket(fileno=channel_fd)
    _send(
        channel,
        {"ready": loaded, "skipped": failed, "pid": os.getpid(), "uid": os.getuid()},
    )
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(channel, 1 << 22, 4)
        except OSError:
            return
        if not data:
            return
        audit_fd = fds[0] if fds else None
        for extra in fds[1:]:
            os.close(extra)
        try:
            request = json.loads(data)
            if request.get("op") == "clean":
                killed, emptied = _clear_sandbox(shm_mode) if pidns else (0, True)
                # settings a kernel changed in its template (it cannot raise them again): the
                # worker starts a fresh template
                emptied = (
                    emptied
                    and _own_settings(sandbox) == settings
                    and _restore_home(home)
                    and _restore(own_folders)
                )
                _send(channel, {"killed": killed, "emptied": emptied})
                continue
            _reap()  # the sandbox was cleaned just before this request (WarmKernels.spawn)
            pid = _fork_kernel(request, sandbox, audit_fd)
        except Exception as err:
            _send(channel, {"error": f"{type(err).__name__}: {err}"})
        else:
            _send(channel, {"pid": pid})
        finally:
            if audit_fd is not None:
                os.close(audit_fd)


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "serve":
        raise SystemExit("usage: kernel_template.py serve FD PRELOAD_JSON [UID|-] [--pidns]")
    _uid = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] != "-" else None
    serve(
        int(sys.argv[2]),
        json.loads(sys.argv[3]),
        int(_uid) if _uid is not None else None,
        "--pidns" in sys.argv[5:],
    )
