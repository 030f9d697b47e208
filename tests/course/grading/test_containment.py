"""Containment, tried from inside real grading kernels (issue 9, findings 1, 2 and 6).

One ``resistlab grade`` run (two workers, sandbox ``require``) grades three submissions at
the same time, as a determined student would write them:

* ``attacker`` looks for the grader's ``multiprocessing`` fork-server listener, a host UNIX
  socket in ``/tmp`` (as tmux keeps one), an abstract UNIX socket and the ZeroMQ sockets of the
  other kernel being graded, in ``/proc/net/unix``, ``/proc/1/net/unix`` and on disk, and
  connects to every one it finds or is told about; it also lists the processes it can see,
  looks for the course, ``/home``, ``/root`` and a file the test put in the host ``/tmp``,
  opens a TCP connection to the test, reports its uid, and leaves a double-forked daemon;
* ``victim`` is an honest student whose kernel is alive while the attacker runs;
* ``hog`` forks three children that each fill 600 MB under ``--memory 1024``.

Each property is asserted from what the kernels printed into their autograded notebooks; the
old hand-written sandbox fails them (fork-server reached, other kernels' sockets listed,
host processes visible, root uid, daemon alive after the run, 1.8 GB held): run with
``RESISTLAB_BWRAP=`` (the hand-written layers alone), the attacker reached the fork-server
listener, the tmux-like socket and the other kernel's five ZeroMQ sockets.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from course.grading.fixture_assignment import NAME, answer, cell_by_id, release_copy, submit

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment
from resistlab.course.grading.pool import start_pool
from resistlab.course.grading.sandbox import bwrap_path

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bwrap_path() is None, reason="needs bubblewrap (apt-get install bubblewrap)"
    ),
]

ATTACK = r"""
import glob, json, os, socket, time
T = json.loads(TARGETS)
out = {"connected": [], "seen_sockets": [], "exists": {}}
def try_connect(address):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(address)
        out["connected"].append(repr(address))
    except Exception:
        pass
    finally:
        s.close()
names = set()
for table in ["/proc/net/unix", "/proc/1/net/unix", *glob.glob("/proc/[0-9]*/net/unix")]:
    try:
        lines = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        parts = line.split()
        if len(parts) >= 8:
            names.add(parts[7])
here = os.getcwd()
for name in sorted(names):
    if name.startswith(here):
        continue
    out["seen_sockets"].append(name)
    try_connect("\0" + name[1:] if name.startswith("@") else name)
for address in [T["forkserver"], T["host_socket"], "\0" + T["abstract"]]:
    try_connect(address)
for path in glob.glob("/tmp/rlg-*/s*/*/.k*") + glob.glob(T["run_glob"]):
    if not path.startswith(here):
        out["seen_sockets"].append(path)
        try_connect(path)
for path in [T["course"], T["host_marker"], "/home", "/root/.bashrc", "/run", "/sys"]:
    out["exists"][path] = os.path.exists(path)
out["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
out["uid"] = os.getuid()
try:
    socket.create_connection(("127.0.0.1", T["port"]), timeout=2).close()
    out["tcp"] = "connected"
except OSError as err:
    out["tcp"] = type(err).__name__
name = "rld" + T["daemon"].replace(".", "")  # (no program starts in the sandbox: a Python)
if os.fork() == 0:  # a double-forked daemon
    os.setsid()
    if os.fork() == 0:
        import ctypes, time
        ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME
        time.sleep(float(T["daemon"]))
        os._exit(0)
    os._exit(0)
os.wait()
def named(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip() == name
    except OSError:
        return False
import time
for _ in range(50):
    out["daemon_started"] = any(named(p) for p in os.listdir("/proc") if p.isdigit())
    if out["daemon_started"]:
        break
    time.sleep(0.1)
print("RESULT" + json.dumps(out))
"""

HOG = r"""
import os
alive = 0
readers = []
for _ in range(3):
    r, w = os.pipe()
    if os.fork() == 0:
        block = b"\1" * (600 * 2**20)
        os.write(w, b"k")
        import time
        time.sleep(20)
        os._exit(0)
    os.close(w)
    readers.append(r)
for r in readers:
    alive += os.read(r, 1) == b"k"
print("HOG", alive)
"""

VICTIM_WAIT = "import time\ntime.sleep(6)\n"


def _with_cell(nb, gid, source):
    cell = cell_by_id(nb, gid)
    cell.source = source + "\n" + cell.source
    return nb


def _comm(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(errors="replace").strip()
    except OSError:  # ended meanwhile
        return ""


def _outputs(course, student):
    path = course / "autograded" / student / NAME / f"{NAME}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    return "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )


def test_kernels_cannot_reach_the_grader_other_kernels_or_the_host(fixture_course):
    """From inside a graded kernel: no grader IPC, no other kernel, no host file, process,
    socket or network; own uid; daemons die with the kernel; memory limited per group."""
    pool = start_pool(2)
    pool.submit(os.getpid).result()  # the fork server is running now
    forkserver = multiprocessing.forkserver._forkserver._forkserver_address
    assert forkserver, "the pool should use a fork server"
    host_dir = Path(tempfile.mkdtemp(prefix="rl-host-"))
    marker = host_dir / "marker.txt"
    marker.write_text("host")
    host_socket = socket.socket(socket.AF_UNIX)
    host_socket.bind(str(host_dir / "tmux-like"))
    host_socket.listen()
    abstract = socket.socket(socket.AF_UNIX)
    abstract_name = f"rl-abstract-{os.getpid()}"
    abstract.bind("\0" + abstract_name)
    abstract.listen()
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    daemon = f"{4000 + os.getpid() % 1000}.25"
    targets = {
        "forkserver": forkserver if isinstance(forkserver, str) else forkserver.decode(),
        "host_socket": str(host_dir / "tmux-like"),
        "abstract": abstract_name,
        "run_glob": "/tmp/rlg-*/s*/*/.kernel*.json",
        "course": str(fixture_course),
        "host_marker": str(marker),
        "port": tcp.getsockname()[1],
        "daemon": daemon,
    }
    attack = f"TARGETS = {json.dumps(json.dumps(targets))}\n" + ATTACK
    submit(
        fixture_course,
        "attacker",
        _with_cell(answer(release_copy(fixture_course)), "answer_ic50", attack),
    )
    submit(
        fixture_course,
        "victim",
        _with_cell(answer(release_copy(fixture_course)), "answer_ic50", VICTIM_WAIT),
    )
    submit(
        fixture_course, "hog", _with_cell(answer(release_copy(fixture_course)), "answer_ic50", HOG)
    )
    try:
        run = grade_assignment(
            Course(fixture_course),
            NAME,
            GradeOptions(jobs=2, timeout=30, sandbox="require", memory_mb=1024, quiet=True),
            log=lambda *a: None,
            executor=pool,
        )
        time.sleep(0.5)
        name = "rld" + daemon.replace(".", "")
        left = [p for p in os.listdir("/proc") if p.isdigit() and _comm(p) == name]
    finally:
        for s in (host_socket, abstract, tcp):
            s.close()
        shutil.rmtree(host_dir, ignore_errors=True)
    rows = {r.student: r for r in run.rows}
    assert rows["victim"].score == 5, rows["victim"]
    text = _outputs(fixture_course, "attacker")
    assert "RESULT" in text, text[-2000:]
    out = json.loads(text.split("RESULT", 1)[1].splitlines()[0])
    assert out["connected"] == [], f"reached sockets outside the sandbox: {out['connected']}"
    assert not [s for s in out["seen_sockets"] if "rlg-" in s], out["seen_sockets"]
    assert not any(out["exists"].values()), out["exists"]
    assert max(out["pids"]) < 50 and len(out["pids"]) < 10, (
        f"host processes visible: {out['pids']}"
    )
    assert out["uid"] != 0 and (os.getuid() != 0 or out["uid"] != os.getuid())
    assert out["tcp"] != "connected"
    assert out["daemon_started"], "the kernel's daemon did not start"
    assert left == [], "a daemon of the kernel outlived it"
    hog = _outputs(fixture_course, "hog")
    alive = [int(line.split()[1]) for line in hog.splitlines() if line.startswith("HOG")]
    # 3 x 600 MB under 1024 MB for the whole group: at most one child holds its block.
    assert alive == [] or alive[0] <= 1, hog[-500:]


SYSV = r"""
import ctypes, os
_libc = ctypes.CDLL("libc.so.6", use_errno=True)
_libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
for _name, _flags in (("SHM", 0o1000 | 0o666), ("SHMFIND", 0)):
    _id = _libc.shmget(0x5EC2E7, 4096, _flags)
    print(_name, _id, ctypes.get_errno())
_libc.semget.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
print("SEM", _libc.semget(0x5EC2E8, 1, 0o1000 | 0o666), ctypes.get_errno())
_libc.msgget.argtypes = [ctypes.c_int, ctypes.c_int]
print("MSG", _libc.msgget(0x5EC2E9, 0o1000 | 0o666), ctypes.get_errno())
"""


KEYRINGS = r"""
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_calls = {
    "KEYRING": (250, 0, ctypes.c_long(-3), 0),  # keyctl(KEYCTL_GET_KEYRING_ID, session)
    "ADDKEY": (248, b"user", b"left-by-student", b"hello", 5, ctypes.c_long(-3)),
    "REQUESTKEY": (249, b"user", b"grader-secret", None, ctypes.c_long(-3)),
}
for _name, _args in _calls.items():
    ctypes.set_errno(0)
    print(_name, _libc.syscall(*_args), ctypes.get_errno())
"""


SOCKET_FAMILIES = r"""
import ctypes, socket
_libc = ctypes.CDLL(None, use_errno=True)
_families = (("VSOCK", 40, 1), ("ALG", 38, 5), ("BLUETOOTH", 31, 5), ("NETLINK", 16, 3),
             ("INET", 2, 1), ("INET6", 10, 2))
for _name, _family, _type in _families:
    ctypes.set_errno(0)
    print(_name, _libc.socket(_family, _type, 0), ctypes.get_errno())
_pair = (ctypes.c_int * 2)()
ctypes.set_errno(0)
print("VSOCKPAIR", _libc.socketpair(40, 1, 0, _pair), ctypes.get_errno())
_a, _b = socket.socketpair()  # UNIX stays open to the kernel
"""


def _refused_in_each_kernel(fixture_course, code, kinds):
    """Two students, graded one after the other by one worker, run ``code`` in their answer:
    each scores full marks and each of its calls ``kinds`` printed ``KIND -1 1`` (EPERM; a
    ``(KIND, ERRNO)`` pair names another errno)."""
    for student in ("a_first", "b_next"):
        nb = _with_cell(answer(release_copy(fixture_course)), "answer_ic50", code)
        submit(fixture_course, student, nb)
    run = grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=1, timeout=30, sandbox="require", quiet=True),
        log=lambda *a: None,
    )
    rows = {r.student: r for r in run.rows}
    for student in ("a_first", "b_next"):
        assert rows[student].score == 5, rows[student]
        printed = _outputs(fixture_course, student)
        for kind, errno in (k if isinstance(k, tuple) else (k, 1) for k in kinds):
            assert f"{kind} -1 {errno}\n" in printed, (student, printed)


def test_no_kernel_reaches_the_graders_keyrings(fixture_course):
    """Review 26 #1: the kernel keyrings belong to no namespace: a kernel possessed the
    session keyring of the grader (it read the instructor's keys into its outputs and
    feedback page, and left a key the next student's kernel read), as root and as a normal
    user. ``keyctl``, ``add_key`` and ``request_key`` fail with EPERM in every kernel."""
    _refused_in_each_kernel(fixture_course, KEYRINGS, ("KEYRING", "ADDKEY", "REQUESTKEY"))


LIST_KEYS = """
for listing in ("/proc/keys", "/proc/key-users"):
    try:
        text = open(listing).read()
    except OSError as err:
        text = type(err).__name__
    print("LISTED", listing, text)
"""
GRADE_WITH_A_KEY = """
import ctypes, platform, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
keyctl, add_key = {"x86_64": (250, 248), "aarch64": (219, 217)}[platform.machine()]
assert libc.syscall(keyctl, 1, None) >= 0  # a session keyring of this process's own
assert libc.syscall(add_key, b"user", b"rl-instructors-key", b"x", 1, -3) >= 0  # in it
assert b"rl-instructors-key" in open("/proc/keys", "rb").read()  # listed to the grader
from resistlab.course import Course
from resistlab.course.grading import GradeOptions, grade_assignment
options = GradeOptions(jobs=1, timeout=30, sandbox="require", quiet=True)
grade_assignment(Course(sys.argv[1]), sys.argv[2], options, log=lambda *a: None)
"""


def test_no_kernel_lists_the_graders_keys(fixture_course):
    """Review 51 #4: with ``keyctl`` refused the kernel still possessed the grader's session
    keyring, and ``/proc/keys`` listed its keys by name (an instructor's hub token) onto the
    student's feedback page. The kernel joins a session keyring of its own, and the
    sandbox's ``/proc/keys`` and ``/proc/key-users`` are empty."""
    import subprocess
    import sys

    nb = _with_cell(answer(release_copy(fixture_course)), "answer_ic50", LIST_KEYS)
    submit(fixture_course, "lister", nb)
    subprocess.run([sys.executable, "-c", GRADE_WITH_A_KEY, str(fixture_course), NAME], check=True)
    printed = _outputs(fixture_course, "lister")
    assert "LISTED /proc/keys" in printed, printed
    assert "rl-instructors-key" not in printed, printed


def test_no_kernel_opens_a_socket_of_another_family_than_unix(fixture_course):
    """Round 41 (B), observation: ``AF_VSOCK`` belongs to no network namespace, and a kernel
    opened one (on a virtual machine it reaches the host's services); review 54: the replies
    a ``NETLINK_ROUTE`` socket queues are memory no cgroup v1 counts (3.2 GB held under a
    1 GiB bound); reviews 55 and 56: so is what an IP socket holds outside its buffers (TCP
    signing keys, reset connections queued on a listener, sticky IPv6 options, flow labels
    that outlived the kernel). A socket of any family but UNIX fails in every kernel, with
    EPERM (netlink: EOPNOTSUPP, on which ZeroMQ goes on; INET and INET6: EAFNOSUPPORT, as on
    a system without IP); a UNIX socket pair opens, and the kernel answers its tests."""
    refused = ("VSOCK", "ALG", "BLUETOOTH", "VSOCKPAIR", ("NETLINK", 95))
    refused += (("INET", 97), ("INET6", 97))
    _refused_in_each_kernel(fixture_course, SOCKET_FAMILIES, refused)


RECORD_LOCKS = r"""
import ctypes, fcntl, os, struct
_libc = ctypes.CDLL(None, use_errno=True)
_fd = os.open("locked", os.O_RDWR | os.O_CREAT, 0o600)
_lock = ctypes.create_string_buffer(struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 1, 0))
for _name, _request in (("SETLK", 6), ("SETLKW", 7), ("OFD_SETLK", 37), ("OFD_SETLKW", 38)):
    ctypes.set_errno(0)
    print(_name, _libc.fcntl(_fd, _request, _lock), ctypes.get_errno())
os.close(_fd)
print("HISTORY", get_ipython().history_manager.hist_file)
"""


def test_no_kernel_holds_a_byte_range_lock(fixture_course):
    """Review 57 A#1: byte-range locks are kernel memory no cgroup has counted since Linux
    6.3, and nothing bounds how many a process holds: 8,000,000 one-byte locks held 1.5 GB
    beside a 1 GiB ``--memory``, unflagged. ``fcntl`` ``F_SETLK``, ``F_SETLKW`` and their
    open-file-description forms fail with EPERM in every kernel; IPython's history, the one
    SQLite file a kernel had, is kept in memory, and the kernel answers its tests."""
    _refused_in_each_kernel(
        fixture_course, RECORD_LOCKS, ("SETLK", "SETLKW", "OFD_SETLK", "OFD_SETLKW")
    )
    assert "HISTORY :memory:\n" in _outputs(fixture_course, "b_next")


def test_no_system_v_object_carries_over_to_the_next_kernel(fixture_course):
    """Review 15 #1: the kernels of one worker share its sandbox's IPC namespace, one after
    the other, and System V objects outlive the kernel that made them (a segment left by one
    student was read by the next; 1.85 GB of them were charged to the next students'
    kernels). ``shmget``, ``semget`` and ``msgget`` fail with EPERM in every kernel."""
    _refused_in_each_kernel(fixture_course, SYSV, ("SHM", "SHMFIND", "SEM", "MSG"))


OPEN_HOME = r"""
import os, time
homes = [line.split()[4] for line in open("/proc/self/mountinfo")
         if "rl-template-" in line.split()[4]]
for home in homes:
    os.chmod(home, 0o777)
print("OPENED", len(homes))
time.sleep(4)
"""


def test_a_kernel_that_opens_its_template_home_opens_it_to_no_other_user(fixture_course):
    """Review 39 #3: a kernel made its worker's template home (``/tmp/rl-template-*``, owned
    by the kernel's own uid) world-writable (Landlock does not govern modes); another local
    user put a file there that the next student's kernel read. The home now lies in a
    folder of the grader's (0700) that no sandbox holds: whatever mode a kernel gives it, no
    other user has a path to it."""
    import glob
    import threading

    nb = _with_cell(answer(release_copy(fixture_course)), "answer_hill", OPEN_HOME)
    submit(fixture_course, "opener", nb)
    opened, reachable, stop = set(), set(), threading.Event()

    def others_reach(path: str) -> bool:  # search permission for others on every folder
        parts = Path(path).parts
        return all(os.stat(Path(*parts[: i + 1])).st_mode & 0o001 for i in range(len(parts)))

    def watch():
        while not stop.is_set():
            for path in glob.glob("/tmp/rl-template-*") + glob.glob("/tmp/rl-template-*/*"):
                try:
                    if os.path.isdir(path) and os.stat(path).st_mode & 0o777 == 0o777:
                        opened.add(path)
                        if others_reach(path):
                            reachable.add(path)
                except OSError:  # removed meanwhile
                    continue
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        run = grade_assignment(
            Course(fixture_course), NAME, GradeOptions(jobs=1, sandbox="require", quiet=True)
        )
    finally:
        stop.set()
        watcher.join()
    assert run.errors == 0
    assert "OPENED 1" in _outputs(fixture_course, "opener")
    assert opened, "control: the kernel's chmod was seen from the host"
    assert not reachable, reachable
