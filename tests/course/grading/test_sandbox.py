"""The grading sandbox: each protection is checked by attempting the forbidden thing.

A kernel is started exactly as ``resistlab grade`` starts one (through the launcher, or
forked from a warm template; the policy the runner builds, a clean environment, UNIX sockets)
and runs code that tries to read the instructor's source notebook, the gradebook, another
student's submission and another kernel's scratch folder, to write outside its folder, to
open a TCP connection to a port the test process listens on, to send UDP, to signal the
grader, to take disk space with ``fallocate`` (or io_uring), and to close its audit
descriptor or point it elsewhere (``dup2``, ``close_range``). Every attempt must fail, the
kernel must hold no capability, and the attempts on paths must be in the audit log. The same
code run without the sandbox succeeds, so the test is not passing by accident.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import platform
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from resistlab.course.grading import sandbox
from resistlab.course.grading.kernel import GradingKernelManager, WarmKernels
from resistlab.course.grading.sandbox import SandboxPolicy, build_policy, read_audit

pytestmark = pytest.mark.slow

ATTEMPTS = r"""
import fcntl, json, os, socket
results = {}
def attempt(name, action):
    try:
        action()
        results[name] = "allowed"
    except Exception as err:
        results[name] = type(err).__name__
def read(path):
    with open(path, "rb") as fh:
        fh.read(1)
def write(path):
    with open(path, "w") as fh:
        fh.write("x")
# first: the reads below must still be recorded after these
def audit_pipes():  # the audit file (launcher), or the one pipe whose reader is elsewhere
    import collections, fcntl
    links = {}
    for fd in range(3, 1024):
        try:
            if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                links[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    every = collections.Counter(os.readlink(f"/proc/self/fd/{fd}") for fd in range(3, 1024)
                                if os.path.lexists(f"/proc/self/fd/{fd}"))
    found = [fd for fd, link in links.items()
             if link == PATHS["audit"] or (link.startswith("pipe:") and every[link] == 1)]
    if not found:  # the template's audit socket, moved to the highest number under 1024
        top = max(fd for fd in range(3, 1024) if os.path.lexists(f"/proc/self/fd/{fd}"))
        found = [top] if os.readlink(f"/proc/self/fd/{top}").startswith("socket:") else []
    if len(found) != 1:
        raise LookupError(f"no single audit descriptor: {links}")
    return found
def redirect_audit():  # point it at a pipe of our own (a relay), to restore it later
    spare_r, spare_w = os.pipe()
    for fd in audit_pipes():
        os.dup2(spare_w, fd)
attempt("redirect_audit", redirect_audit)
def close_audit():
    for fd in audit_pipes():
        os.close(fd)
attempt("close_audit", close_audit)
def close_range_audit():  # os.closerange ignores errors: the system call itself
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    for fd in audit_pipes():
        if libc.syscall(436, ctypes.c_uint(fd), ctypes.c_uint(fd), ctypes.c_uint(0)) != 0:
            raise OSError(ctypes.get_errno(), "close_range")
attempt("close_range_audit", close_range_audit)
def forge_status():  # a line in the launcher's format, saying a layer is missing
    forged = {"status": {"applied": [], "missing": {"bwrap": "forged"}, "landlock_abi": 0}}
    for fd in audit_pipes():
        os.write(fd, (json.dumps(forged) + "\n").encode())
attempt("forge_status", forge_status)
def read_audit_back():  # reopen the audit descriptor for reading, take the records
    for fd in audit_pipes():
        copy = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_NONBLOCK)
        try:
            os.read(copy, 1 << 16)
        except BlockingIOError:
            pass  # opened: nothing queued yet, but the next records could be taken
        finally:
            os.close(copy)
attempt("read_audit_back", read_audit_back)
attempt("read_source_notebook", lambda: read(PATHS["source"]))
attempt("read_gradebook", lambda: read(PATHS["gradebook"]))
attempt("read_other_submission", lambda: read(PATHS["other_submission"]))
attempt("read_other_scratch", lambda: read(PATHS["other_scratch"]))
attempt("list_course_root", lambda: os.listdir(PATHS["course"]))
attempt("write_course_root", lambda: write(PATHS["course"] + "/stolen.txt"))
attempt("write_tmp", lambda: write("/tmp/resistlab-sandbox-test.txt"))
attempt("write_own_folder", lambda: write("own.txt"))
attempt("read_numpy", lambda: __import__("numpy").ones(3).sum())
attempt("read_dataset", lambda: read(PATHS["dataset"]))
def tcp():
    socket.create_connection(("127.0.0.1", PATHS["port"]), timeout=3).close()
attempt("tcp_connect", tcp)
def udp():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"x", ("127.0.0.1", PATHS["udp_port"]))
attempt("udp_send", udp)
attempt("signal_grader", lambda: os.kill(PATHS["grader_pid"], 0))
def fallocate():  # disk space in one call, no data written, past RLIMIT_FSIZE (KEEP_SIZE)
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("allocated", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if libc.fallocate(fd, 1, ctypes.c_long(0), ctypes.c_long(64 * 2**20)) != 0:
            raise OSError(ctypes.get_errno(), "fallocate")
    finally:
        os.close(fd)
        os.unlink("allocated")
attempt("fallocate", fallocate)
def io_uring():  # a ring runs fallocate (and holds removed files) past a filter on fallocate
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    params = ctypes.create_string_buffer(120)
    fd = libc.syscall(ctypes.c_long(425), ctypes.c_uint(1), params)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "io_uring_setup")
    os.close(fd)
attempt("io_uring", io_uring)
def pass_fd():  # a removed file parked in a socket is in no folder and no descriptor table
    ours, theirs = socket.socketpair()
    with open("parked", "wb") as fh:
        os.unlink("parked")
        socket.send_fds(ours, [b"x"], [fh.fileno()])
attempt("pass_fd", pass_fd)
def splice():  # a splice blocked on a full pipe holds a removed file with no descriptor left
    r, w = os.pipe()
    with open("spliced", "wb") as fh:
        fh.write(b"x" * 4096)
    fd = os.open("spliced", os.O_RDONLY)
    try:
        os.splice(fd, w, 4096)
    finally:
        os.close(fd), os.close(r), os.close(w), os.unlink("spliced")
attempt("splice", splice)
def sendfile():
    ours, theirs = socket.socketpair()
    with open("sent", "wb") as fh:
        fh.write(b"x" * 4096)
    with open("sent", "rb") as fh:
        os.sendfile(ours.fileno(), fh.fileno(), 0, 4096)
    os.unlink("sent")
attempt("sendfile", sendfile)
def shutil_copy():  # shutil tries sendfile first and copies by read/write when it is refused
    import shutil
    with open("original", "wb") as fh:
        fh.write(b"y" * 100_000)
    shutil.copyfile("original", "copy")
    with open("copy", "rb") as fh:
        assert fh.read() == b"y" * 100_000
attempt("shutil_copy", shutil_copy)
def unshare(flags, name):  # in a child process, which exits with the errno
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if libc.unshare(flags) == 0 else ctypes.get_errno())
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if code:
        raise OSError(code, name)
# a new user namespace: every capability inside it, nf_tables and other kernel code open up
attempt("user_namespace", lambda: unshare(0x10000000, "unshare(CLONE_NEWUSER)"))
# a descriptor table of its own, read apart by the disk watch (review 53)
attempt("own_table", lambda: unshare(0x400, "unshare(CLONE_FILES)"))
def ip_socket():  # what an IP socket holds lies partly outside every count (reviews 55, 56)
    errnos = []
    for family in (socket.AF_INET, socket.AF_INET6):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            try:
                socket.socket(family, kind).close()
            except OSError as err:
                errnos.append(err.errno)
    results["ip_socket_errnos"] = errnos
    if errnos:
        raise OSError(errnos[0], "refused")
attempt("ip_socket", ip_socket)
def socket_filter():  # a classic BPF program, kernel memory outside the count (review 56)
    import ctypes
    class Instruction(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                    ("k", ctypes.c_uint32)]
    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Instruction))]
    code = (Instruction * 1)(Instruction(0x06, 0, 0, 0xFFFF))  # RET: keep the packet
    one, other = socket.socketpair()
    with one, other:
        one.setsockopt(socket.SOL_SOCKET, 26, bytes(Program(1, code)))  # SO_ATTACH_FILTER
attempt("socket_filter", socket_filter)
def dnotify():  # F_NOTIFY on a shared folder: another kernel's reads, a channel (review 57)
    import fcntl
    fd = os.open(".", os.O_RDONLY)
    try:
        fcntl.fcntl(fd, 1026, 1)  # F_NOTIFY, DN_ACCESS
    finally:
        os.close(fd)
attempt("dnotify", dnotify)
def record_lock(request):  # byte-range locks: kernel memory no cgroup counts (review 57)
    import fcntl, struct
    fd = os.open("locked", os.O_RDWR | os.O_CREAT, 0o600)
    try:  # struct flock: F_WRLCK, SEEK_SET, start 0, length 1, pid 0 (OFD locks ask for 0)
        fcntl.fcntl(fd, request, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 1, 0))
    finally:
        os.close(fd)
        os.unlink("locked")
attempt("posix_lock", lambda: record_lock(fcntl.F_SETLK))
attempt("posix_lock_wait", lambda: record_lock(fcntl.F_SETLKW))
attempt("ofd_lock", lambda: record_lock(37))  # F_OFD_SETLK
attempt("ofd_lock_wait", lambda: record_lock(38))  # F_OFD_SETLKW
attempt("lockf", lambda: fcntl.lockf(open("lockf", "w"), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0))
def lease():  # F_SETLEASE: a kernel of the grader's uid leased the files other kernels
    fd = os.open("leased", os.O_RDONLY | os.O_CREAT, 0o600)  # open (45 s each: review 60)
    try:
        fcntl.fcntl(fd, 1024, fcntl.F_RDLCK)  # F_SETLEASE
    finally:
        os.close(fd)
        os.unlink("leased")
attempt("lease", lease)
def landlock_rule():  # a Landlock rule holds a removed file past the disk watch (review 60)
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(444, None, 0, 1) < 0:  # landlock_create_ruleset: the ABI version
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
attempt("landlock_rule", landlock_rule)
def memory_policy():  # mbind on shared memory: a policy a page, memory no count sees (rev. 58)
    import ctypes, mmap, platform
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    area = mmap.mmap(-1, 4096, mmap.MAP_SHARED)
    address = ctypes.addressof(ctypes.c_char.from_buffer(area))
    mask = ctypes.c_ulong(1)
    nr = {"x86_64": 237, "aarch64": 235}[platform.machine()]
    failed = libc.syscall(nr, ctypes.c_void_p(address), 4096, 1, ctypes.byref(mask), 64, 0)
    results["memory_policy_errno"] = ctypes.get_errno() if failed else 0
    if failed:
        raise OSError(results["memory_policy_errno"], "mbind")
attempt("memory_policy", memory_policy)
def not_dumpable():  # PR_SET_DUMPABLE 0: the grader's own uid could no longer read its /proc
    import ctypes  # (review 59: removed files and memfds hidden from the disk watch)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE)")
attempt("not_dumpable", not_dumpable)
def futex_hash():  # PR_FUTEX_HASH: up to 1 GiB of kernel memory a call (review 57)
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(78, 1, 16, 0, 0) != 0:  # PR_FUTEX_HASH_SET_SLOTS; EINVAL before Linux 6.16
        raise OSError(ctypes.get_errno(), "prctl(PR_FUTEX_HASH)")
attempt("futex_hash", futex_hash)
def own_table_thread():  # clone(CLONE_THREAD) without CLONE_FILES: EPERM from the filter,
    import ctypes, platform  # EINVAL unfiltered (no CLONE_SIGHAND); no thread is made
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.syscall({"x86_64": 56, "aarch64": 220}[platform.machine()], 0x10000, 0, 0, 0, 0):
        raise OSError(ctypes.get_errno(), "clone")
attempt("own_table_thread", own_table_thread)
def linux_aio():  # one allowance for the whole machine (fs.aio-max-nr)
    import ctypes, platform
    libc = ctypes.CDLL(None, use_errno=True)
    context = ctypes.c_ulong(0)
    nr = {"x86_64": 206, "aarch64": 0}[platform.machine()]
    if libc.syscall(nr, 1, ctypes.byref(context)) != 0:
        raise OSError(ctypes.get_errno(), "io_setup")
    libc.syscall({"x86_64": 207, "aarch64": 1}[platform.machine()], context)  # io_destroy
attempt("linux_aio", linux_aio)
def kernel_surface(name, numbers, *args):  # interfaces no notebook needs, refused by the filter
    import ctypes, platform
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(numbers[platform.machine()], *args)
    if fd < 0:
        raise OSError(ctypes.get_errno(), name)
    os.close(fd)
attempt("userfaultfd", lambda: kernel_surface(  # UFFD_USER_MODE_ONLY: open to any user
    "userfaultfd", {"x86_64": 323, "aarch64": 282}, 1))
attempt("memfd_secret", lambda: kernel_surface(
    "memfd_secret", {"x86_64": 447, "aarch64": 447}, 0))
def perf_event():  # an attribute of size 1: E2BIG unconfined, EPERM from the filter
    import ctypes
    attr = ctypes.create_string_buffer(128)
    attr[4] = 1
    kernel_surface("perf_event_open", {"x86_64": 298, "aarch64": 241}, attr, 0, -1, -1, 0)
attempt("perf_event", perf_event)
attempt("bpf", lambda: kernel_surface(  # no such command: EINVAL unconfined
    "bpf", {"x86_64": 321, "aarch64": 280}, 9999, None, 0))
def modify_ldt():  # read the process's own segment table (0 bytes): no descriptor made
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(154, 0, None, 0) < 0:
        raise OSError(ctypes.get_errno(), "modify_ldt")
if __import__("platform").machine() == "x86_64":
    attempt("modify_ldt", modify_ldt)
def inode_setter(request, value):  # what an owner sets on an inode without writing it
    import array, fcntl
    with open("flagged", "wb") as fh:
        fcntl.ioctl(fh.fileno(), request, array.array("l", [value]))
attempt("inode_flags", lambda: inode_setter(0x40086602, 0x40))  # FS_IOC_SETFLAGS: NODUMP
attempt("inode_version", lambda: inode_setter(0x40087602, 0x44555453))  # SETVERSION
attempt("ext4_version", lambda: inode_setter(0x40086604, 0x44555453))  # ext4's own number
def write_hint():  # F_SET_RW_HINT: a hint kept on the inode
    import fcntl, struct
    with open("hinted", "wb") as fh:
        fcntl.fcntl(fh.fileno(), 1036, struct.pack("Q", 2))
attempt("write_hint", write_hint)
def file_setattr():  # Linux 6.17: the same flags through a path (ENOSYS before)
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    open("flagged", "wb").close()
    attr = ctypes.create_string_buffer(32)  # struct file_attr: fa_xflags 0 (none set)
    if libc.syscall(469, -100, b"flagged", attr, ctypes.c_size_t(32), 0) != 0:
        raise OSError(ctypes.get_errno(), "file_setattr")
attempt("file_setattr", file_setattr)
def add_filter(by_prctl):  # a filter of the kernel's own could drop its audit records
    import ctypes, platform
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    allow = (ctypes.c_uint64 * 1)(0x7FFF0000 << 32 | 0x06)  # one instruction: RET ALLOW
    prog = (ctypes.c_uint64 * 2)(1, ctypes.addressof(allow))  # struct sock_fprog
    if by_prctl:
        done = libc.prctl(22, 2, ctypes.byref(prog), 0, 0)  # PR_SET_SECCOMP, MODE_FILTER
    else:
        nr = {"x86_64": 317, "aarch64": 277}[platform.machine()]
        done = libc.syscall(nr, 1, 0, ctypes.byref(prog))  # SECCOMP_SET_MODE_FILTER
    if done != 0:
        raise OSError(ctypes.get_errno(), "seccomp")
attempt("add_filter", lambda: add_filter(False))
attempt("add_filter_prctl", lambda: add_filter(True))
def other_ioctl():  # the filter refuses only the setters: FIONREAD on a pipe still answers
    import array, fcntl
    r, w = os.pipe()
    os.write(w, b"abc")
    queued = array.array("i", [0])
    fcntl.ioctl(r, 0x541B, queued)
    os.close(r), os.close(w)
    assert queued[0] == 3, queued
attempt("other_ioctl", other_ioctl)
def threads_and_processes():  # glibc starts both with clone3 first, then clone
    import subprocess, sys, threading
    box = []
    worker = threading.Thread(target=lambda: box.append(1))
    worker.start(), worker.join()
    assert box == [1]
    pid = os.fork()  # a process (no program: see start_program)
    if pid == 0:
        os._exit(7)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7
attempt("threads_and_processes", threads_and_processes)
def start_program():  # under subprocess, _posixsubprocess.fork_exec raises no audit event
    import _posixsubprocess, sys
    errpipe_read, errpipe_write = os.pipe()
    pid = _posixsubprocess.fork_exec(
        [sys.executable.encode(), b"-c", b"pass"], [sys.executable.encode()], True,
        (errpipe_write,),
        None, None, -1, -1, -1, -1, -1, -1, errpipe_read, errpipe_write,
        True, False, -1, None, None, None, -1, None, False)
    os.close(errpipe_write)
    failed = os.read(errpipe_read, 1000)  # the child's exec error, if any
    os.waitpid(pid, 0)
    if failed:
        raise PermissionError(failed.decode())
attempt("start_program", start_program)
attempt("make_symlink", lambda: os.symlink("/tmp/grader.sock", "kernel.sock"))
attempt("netlink_route", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).close())
attempt("netlink_uevent", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15).close())
attempt("run_program", lambda: __import__("subprocess").run(["true"], check=True))
def sub_interpreter():  # no audit hook of the kernel's is among its hooks
    import _xxsubinterpreters
    _xxsubinterpreters.destroy(_xxsubinterpreters.create())
attempt("sub_interpreter", sub_interpreter)
def c_api():  # PyRun_SimpleString runs any text, under no name the scan reads
    import ctypes
    getattr(ctypes, "Py" + "DLL")(None).PyRun_SimpleString
attempt("c_api", c_api)
def empty_hook_tables():  # review 64 B#4: the hook's module, which a wrapper's globals
    import sys, types  # hand out: its tables and its sys emptied, the lookups below recorded
    found = [m for m in sys.modules.values() if hasattr(m, "_LIBC_RECORD" + "ED")]
    for module in found:
        setattr(module, "_LIBC_RECORD" + "ED", frozenset())
        setattr(module, "sys", types.SimpleNamespace(modules={}))
    if not found:
        raise LookupError("the hook's module was not found")
attempt("empty_hook_tables", empty_hook_tables)
def libc_socket():  # an IP socket asked of libc: refused by the filter, recorded on lookup
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, "soc" + "ket")(2, 1, 0) < 0:
        raise OSError(ctypes.get_errno(), "socket")
attempt("libc_socket", libc_socket)
def hidden_exec():  # exec and settrace under names the scan cannot read
    import builtins, sys
    dict(vars(builtins))["e" + "xec"]("_x = 1", {})
    vars(sys)["set" + "trace"](None)
attempt("hidden_exec", hidden_exec)
def c_api_address():  # the C API called at its address: compile and run text, no exec event
    import ctypes
    api = ctypes.PyDLL(None)
    at = lambda f: ctypes.cast(f, ctypes.c_void_p).value  # noqa: E731
    compile_text = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_char_p, ctypes.c_char_p,
                                     ctypes.c_int, ctypes.c_void_p, ctypes.c_int)(
        at(api.Py_CompileStringExFlags))
    run = ctypes.PYFUNCTYPE(ctypes.py_object, *[ctypes.py_object] * 3)(at(api.PyEval_EvalCode))
    space = {}
    run(compile_text(b"_y = 2", b"helper.py", 257, None, -1), space, space)
    assert space["_y"] == 2
attempt("c_api_address", c_api_address)
def thread_profile():  # threading installs it in the thread it starts: no student frame there
    import threading
    getattr(threading, "set" + "profile")(lambda *args: None)
    thread = threading.Thread(target=len, args=((),))
    thread.start()
    thread.join()
    getattr(threading, "set" + "profile")(None)
attempt("thread_profile", thread_profile)
def stdlib_profiler():  # installed by the standard library, for the student's code
    import profile
    profile.Profile().runcall(len, ())
attempt("stdlib_profiler", stdlib_profiler)
import resource
def limit_parent():  # the template its successors are forked from (set to what it is)
    core = resource.prlimit(os.getppid(), resource.RLIMIT_CORE)
    resource.prlimit(os.getppid(), resource.RLIMIT_CORE, core)
attempt("limit_parent", limit_parent)
def priority_parent():
    nice = os.getpriority(os.PRIO_PROCESS, os.getppid())
    os.setpriority(os.PRIO_PROCESS, os.getppid(), nice)
attempt("priority_parent", priority_parent)
attempt("affinity_parent", lambda: os.sched_setaffinity(os.getppid(),
                                                        os.sched_getaffinity(os.getppid())))
attempt("extended_attribute", lambda: os.setxattr("own.txt", "user.note", b"for the next one"))
def inotify():  # the grader account's allowance (and other kernels' opens on shared folders)
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.inotify_init1(0) < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1")
attempt("inotify", inotify)
def message_queue():  # outlives the kernel in the sandbox's IPC namespace
    import ctypes
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    rt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
    if rt.mq_open(b"/resistlab-test", os.O_CREAT | os.O_RDWR, 0o600, None) < 0:
        raise OSError(ctypes.get_errno(), "mq_open")
    rt.mq_unlink(b"/resistlab-test")
attempt("message_queue", message_queue)
def own_limits_and_priority():
    resource.setrlimit(resource.RLIMIT_CORE, resource.getrlimit(resource.RLIMIT_CORE))
    os.nice(0)
    os.sched_setaffinity(0, os.sched_getaffinity(0))
attempt("own_limits_and_priority", own_limits_and_priority)
attempt("read_grader_environ", lambda: read(f"/proc/{PATHS['grader_pid']}/environ"))
results["uid"] = os.getuid()
with open("/proc/self/status") as fh:
    results["capabilities"] = next(ln.split()[1] for ln in fh if ln.startswith("CapEff"))
print("RESULT" + json.dumps(results))
"""

#: refused by the seccomp filter (not checked where the filter is missing)
BY_SECCOMP = [
    "add_filter",
    "add_filter_prctl",
    "fallocate",
    "io_uring",
    "pass_fd",
    "splice",
    "sendfile",
    "redirect_audit",
    "close_audit",
    "close_range_audit",
    "user_namespace",
    "own_table",
    "own_table_thread",
    "ip_socket",
    "socket_filter",
    "dnotify",
    "futex_hash",
    "memory_policy",
    "not_dumpable",
    "posix_lock",
    "posix_lock_wait",
    "ofd_lock",
    "ofd_lock_wait",
    "lockf",
    "lease",
    "landlock_rule",
    "linux_aio",
    "userfaultfd",
    "memfd_secret",
    "perf_event",
    "bpf",
    "inode_flags",
    "inode_version",
    "ext4_version",
    "write_hint",
    "file_setattr",
    "limit_parent",
    "priority_parent",
    "extended_attribute",
    "inotify",
    "message_queue",
    "start_program",
    "run_program",
    "netlink_uevent",
    "netlink_route",
]
FORBIDDEN = [
    "read_source_notebook",
    "read_gradebook",
    "read_other_submission",
    "read_other_scratch",
    "list_course_root",
    "write_course_root",
    "write_tmp",
    "tcp_connect",
    "signal_grader",
    "read_grader_environ",
    "read_audit_back",
    "make_symlink",
    *BY_SECCOMP,
]
ALLOWED = [
    "write_own_folder",
    "other_ioctl",
    "read_numpy",
    "read_dataset",
    "shutil_copy",
    "threads_and_processes",
    "own_limits_and_priority",
    "thread_profile",
    "stdlib_profiler",
    "c_api_address",
]


@pytest.fixture
def layout(tmp_path):
    """A course with a source notebook, a gradebook and two students, plus a run folder."""
    course = tmp_path / "course"
    (course / "notebooks" / "01-x").mkdir(parents=True)
    (course / "notebooks" / "01-x" / "01-x.ipynb").write_text('{"solution": 42}')
    (course / "gradebook.db").write_text("grades")
    (course / "submitted" / "bob" / "01-x").mkdir(parents=True)
    (course / "submitted" / "bob" / "01-x" / "01-x.ipynb").write_text("bob's work")
    run = tmp_path / "run"
    (run / "w1").mkdir(parents=True)
    (run / "w2").mkdir()
    (run / "w2" / "secret.txt").write_text("another kernel's file")
    from resistlab.datasets import data_dir

    return {
        "course": course,
        "run": run,
        "own": run / "w1",
        "other": run / "w2",
        "dataset": data_dir() / "SHA256SUMS",
    }


def _python_paths():
    import subprocess

    code = "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, *sys.path[1:]]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    return json.loads(out.stdout)


def _run(layout, *, sandboxed: bool, warm: bool = False):
    """Run ATTEMPTS in a kernel; return (results, audit events, sandbox status).

    ``warm``: fork the kernel from a template (as ``resistlab grade`` does on Linux) instead
    of starting it through the ``exec``-based launcher.

    ``results["reached_grader"]`` lists the protocols whose packets reached the test process.
    """
    course, own = layout["course"], layout["own"]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    paths = {
        "source": str(course / "notebooks" / "01-x" / "01-x.ipynb"),
        "gradebook": str(course / "gradebook.db"),
        "other_submission": str(course / "submitted" / "bob" / "01-x" / "01-x.ipynb"),
        "other_scratch": str(layout["other"] / "secret.txt"),
        "course": str(course),
        "dataset": str(layout["dataset"]),
        "port": listener.getsockname()[1],
        "udp_port": udp.getsockname()[1],
        "grader_pid": os.getpid(),
    }
    audit = layout["run"] / f"audit-{sandboxed}.log"
    paths["audit"] = str(audit)
    policy_path = ""
    if sandboxed:
        policy = build_policy(
            python_paths=_python_paths(),
            scratch=own,
            audit_path=audit,
            protected=[
                course / "notebooks",
                course / "submitted",
                course / "gradebook.db",
                layout["run"],
            ],
            fences=[course, layout["run"]],
            extra_read=[layout["dataset"].parent],
            memory_bytes=4 * 2**30,
        )
        policy_path = str(layout["run"] / "policy.json")
        policy.dump(policy_path)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(own),
        "TMPDIR": str(own),
        "IPYTHONDIR": str(own / ".ipython"),
    }
    templates = None
    if warm:
        home = layout["run"].parent / "template"
        home.mkdir(exist_ok=True)
        templates = WarmKernels(home, {**env, "HOME": str(home)}, ["numpy", "ipykernel.kernelapp"])
    km = GradingKernelManager(
        kernel_name="python3",
        transport="ipc",
        ip=str(own / ".k"),
        connection_file=str(own / ".kernel.json"),
        policy_path=policy_path,
        warm=templates,
    )
    code = f"PATHS = {paths!r}\n" + textwrap.dedent(ATTEMPTS)
    out = []

    async def session():
        await km.start_kernel(cwd=str(own), env=env)
        try:
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=60)
            await kc.execute_interactive(
                code,
                timeout=60,
                output_hook=lambda msg: (
                    out.append(msg["content"].get("text", ""))
                    if msg["msg_type"] == "stream"
                    else None
                ),
            )
            kc.stop_channels()
        finally:
            await km.shutdown_kernel(now=True)

    try:
        asyncio.run(session())
        reached = []  # did anything arrive on the grader's side?
        listener.settimeout(0.5)
        udp.settimeout(0.5)
        for name, receive in (("tcp", listener.accept), ("udp", lambda: udp.recv(16))):
            try:
                receive()
                reached.append(name)
            except OSError:
                pass
    finally:
        listener.close()
        udp.close()
        if templates is not None:
            assert templates.notes == [], templates.notes  # the kernel really was forked
            templates.close()
    line = next(ln for ln in "".join(out).splitlines() if ln.startswith("RESULT"))
    status, events = read_audit(audit) if sandboxed else (None, [])
    results = json.loads(line[len("RESULT") :])
    results["reached_grader"] = reached
    return results, events, status


@pytest.mark.parametrize(
    "warm",
    [
        False,
        pytest.param(True, marks=pytest.mark.skipif(not WarmKernels.available(), reason="Linux")),
    ],
    ids=["launcher", "warm-template"],
)
def test_forbidden_actions_fail_in_the_sandbox(layout, warm):
    if sandbox.landlock_abi() < 1:
        pytest.skip("this kernel has no Landlock; the sandbox degrades (see docs/grading.md)")
    results, events, status = _run(layout, sandboxed=True, warm=warm)
    assert status is not None and "landlock" in status.applied, status
    if platform.machine() in ("x86_64", "aarch64"):  # the architectures the filter knows
        assert "seccomp" in status.applied, status
    for name in FORBIDDEN:
        if name == "tcp_connect" and not {"netns", "landlock_net"} & set(status.applied):
            continue
        if name == "signal_grader" and "landlock_scope" not in status.applied:
            continue
        if name in BY_SECCOMP and "seccomp" not in status.applied:
            continue
        assert results[name] != "allowed", f"{name} was allowed in the sandbox: {results}"
    if "seccomp" in status.applied:  # refused, not merely failed (the pipe was found)
        for name in ("redirect_audit", "close_audit", "close_range_audit"):
            assert results[name] == "PermissionError", (name, results)
        # refused by the filter (EPERM), not missing from this machine's Linux (ENOSYS)
        for name in ("userfaultfd", "memfd_secret", "perf_event", "bpf", "modify_ldt"):
            if name not in results:  # (modify_ldt: x86-64 alone)
                continue
            assert results[name] == "PermissionError", (name, results)
        # review 51: a note in the flags and generation numbers of the template's home, and
        # a filter of the kernel's own whose user notifications dropped audit records
        names = ("inode_flags", "inode_version", "ext4_version", "write_hint", "file_setattr")
        names += ("add_filter", "add_filter_prctl")
        names += ("own_table", "own_table_thread")  # review 53: they had starved the watch
        names += ("socket_filter",)  # review 56: a BPF program, memory no cgroup counts
        names += ("dnotify", "futex_hash")  # review 57: a channel; memory no limit counts
        names += ("posix_lock", "posix_lock_wait", "ofd_lock", "ofd_lock_wait", "lockf")
        names += ("not_dumpable",)  # review 59: it hid the kernel's /proc from the watch
        # review 58: a memory policy kept page by page: ENOSYS, as on a Linux without NUMA
        assert results["memory_policy"] == "OSError" and results["memory_policy_errno"] == 38
        for name in names:
            assert results[name] == "PermissionError", (name, results)
        # reviews 55 and 56: signing keys, reset connections queued on a listener, sticky
        # IPv6 options and flow labels, memory no cgroup v1 counts: no IP socket at all, as
        # on a system without IP (EAFNOSUPPORT)
        assert results["ip_socket_errnos"] == [errno.EAFNOSUPPORT] * 4, results
        # review 54: a netlink socket's queued replies are memory no cgroup v1 counts; it
        # fails with EOPNOTSUPP (OSError), on which ZeroMQ goes on (EPERM aborts it)
        assert results["netlink_route"] == results["netlink_uevent"] == "OSError", results
    for name in ALLOWED:
        assert results[name] == "allowed", f"{name} failed in the sandbox: {results}"
    if "netns" in status.applied:  # UDP "succeeds" into the private namespace, reaching nothing
        assert results["reached_grader"] == []
    if os.getuid() == 0 and "userns" in status.applied:
        assert results["uid"] != 0, "the kernel must not run as root"
    if "no_new_privs" in status.applied:
        assert int(results["capabilities"], 16) == 0, "the kernel must hold no capability"
    # the status is the launcher's alone: the kernel's forged one is tampering, not a report
    assert results["forge_status"] == "allowed" and "forged" not in str(status), status
    assert any(e == "audit.garbled" and "forged" in d for e, d in events), events
    recorded = " ".join(detail for _, detail in events)
    for path in ("notebooks/01-x/01-x.ipynb", "gradebook.db", "submitted/bob", "w2/secret.txt"):
        assert path in recorded, f"the audit log misses {path}: {events}"
    # an IP socket is refused before it could connect: the attempt is what is recorded
    assert ("socket.__new__", "AF_INET") in events, events
    assert any(event == "cpython.PyInterpreterState_New" for event, _ in events), events
    assert ("ctypes.dlsym", "PyRun_SimpleString") in events, events
    assert ("ctypes.dlsym", "socket") in events, events  # review 57 A#4
    # review 64 B#4: looked up after the hook's module had its tables and its sys emptied
    # (reached by name in the warm template's kernel; the launcher's is no module)
    assert results["empty_hook_tables"] == ("allowed" if warm else "LookupError"), results
    # review 49: text compiled and run through the C API called at its address (no lookup,
    # no exec event): the compile the student's code asked for is reported
    assert ("compile", "of text") in events, events
    assert ("exec.text", "") in events and ("sys.settrace", "") in events, events
    # review 49: a tracer stored in threading's hook, under a built name, had run unflagged
    assert ("sys.setprofile", "in a thread, from threading's hook") in events, events
    assert ("sys.setprofile", "") in events, events  # asked through the standard library


def test_the_same_attempts_succeed_without_the_sandbox(layout):
    """Control: unconfined, the reads and the connection work (the test above means something)."""
    results, _, _ = _run(layout, sandboxed=False)
    for name in (
        "read_source_notebook",
        "read_gradebook",
        "read_other_submission",
        "read_other_scratch",
        "tcp_connect",
        "signal_grader",
        "fallocate",
        "pass_fd",
        "splice",
        "sendfile",
        "shutil_copy",
        "limit_parent",
        "priority_parent",
        "affinity_parent",
        "own_limits_and_priority",
        "inotify",
        "memory_policy",
        "posix_lock",
        "ofd_lock",
        "lockf",
        "message_queue",
        "start_program",
        "run_program",
        "netlink_uevent",
        "make_symlink",
    ):
        assert results[name] == "allowed", (name, results)
    assert results["reached_grader"] == ["tcp", "udp"]
    if os.getuid() == 0:  # control for the capability check: root outside holds some
        assert int(results["capabilities"], 16) != 0
    (layout["course"] / "stolen.txt").unlink(missing_ok=True)
    Path("/tmp/resistlab-sandbox-test.txt").unlink(missing_ok=True)


def test_policy_splits_folders_around_protected_paths(tmp_path):
    """An allowed folder holding the course is split; the course's venv stays readable."""
    home = tmp_path / "home"
    course = home / "course"
    (course / ".venv" / "lib").mkdir(parents=True)
    (course / "notebooks").mkdir()
    (home / "other").mkdir()
    (home / "notes.txt").write_text("x")
    policy = build_policy(
        python_paths=[course / ".venv"],
        scratch=tmp_path,
        audit_path="a",
        protected=[course / "notebooks"],
        fences=[course],
        extra_read=[home],
    )
    reads = set(policy.read)
    assert str(home) not in reads and str(course) not in reads
    assert {str(home / "other"), str(home / "notes.txt"), str(course / ".venv")} <= reads
    assert not any(p.startswith(str(course / "notebooks")) for p in reads)


def test_subordinate_ids_are_read_by_account_name_or_uid(tmp_path, monkeypatch):
    """An account's subordinate uids and gids come from its own line of each file (by name
    or by uid), at most 65,536 of them; an account with no line, or a range too small to
    hold a kernel's uid, has none; without newuidmap nobody has any."""
    import pwd
    import shutil

    me = pwd.getpwuid(os.getuid()).pw_name
    subuid, subgid = tmp_path / "subuid", tmp_path / "subgid"
    subuid.write_text(f"someone:100000:65536\n{me}:200000:100000\n")
    subgid.write_text(f"{os.getuid()}:300000:70000\nsomeone:100000:65536\n")
    files = (str(subuid), str(subgid))
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    assert sandbox.subordinate_ids(files=files) == (200000, 300000, 65536)
    subgid.write_text("someone:100000:65536\n")
    assert sandbox.subordinate_ids(files=files) is None
    subgid.write_text(f"{me}:300000:1\n")
    assert sandbox.subordinate_ids(files=files) is None
    subgid.write_text(f"{me}:300000:70000\n")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert sandbox.subordinate_ids(files=files) is None


def test_policy_round_trip(tmp_path):
    policy = SandboxPolicy(read=["/usr"], write=[str(tmp_path)], memory_bytes=123)
    policy.dump(tmp_path / "p.json")
    assert SandboxPolicy.load(tmp_path / "p.json") == policy


def test_probe_reports_every_layer(tmp_path):
    """The probe applies the policy in a throwaway process and names what is missing."""
    policy = build_policy(
        python_paths=_python_paths(),
        scratch=tmp_path,
        audit_path="",
        protected=[],
        memory_bytes=2**30,
    )
    status = sandbox.probe(policy)
    assert set(status.applied) | set(status.missing) >= {"rlimits", "landlock", "no_new_privs"}
    if sandbox.landlock_abi() >= 1:
        assert "landlock" in status.applied


def test_kernel_command_goes_through_the_launcher_only_with_a_policy():
    km = GradingKernelManager(kernel_name="python3", connection_file="/tmp/x.json")
    assert km.format_kernel_cmd()[1:3] == ["-m", "ipykernel_launcher"]
    km.policy_path = "/tmp/policy.json"
    cmd = km.format_kernel_cmd()
    assert cmd[1].endswith("sandbox.py") and cmd[2:4] == ["launch", "/tmp/policy.json"]
    assert cmd[5:7] == ["-m", "ipykernel_launcher"]


WATCH_CALLS = r"""
import inspect, json, sys, threading, types
from resistlab.course.grading import sandbox

lines = []
on_event = sandbox._watch_calls(
    lambda event, detail, force=False: lines.append(detail),
    ["resistlab.pharmacology.hill", "resistlab.binding.fraction_inhibited",
     "resistlab.binding.apparent_ki", "resistlab.binding.classify_resistance"],
)
# the wrappers report a call as an audit event, which the kernel's hook hands on (review 67)
sys.addaudithook(lambda event, args: on_event(event, args) if event == "resistlab.call" else None)
main = types.ModuleType("__main__")
sys.modules["__main__"] = main


def cell(source, name):  # run code as ipykernel runs a cell (its file name, an exec event)
    code = compile(source, f"/tmp/ipykernel_7/{name}.py", "exec")
    on_event("exec", (code,))
    exec(code, main.__dict__)


original = None
cell("import resistlab.pharmacology as p\noriginal = p.hill\n", "1")  # before the wrap
on_event("import", ())  # the next import: the module has defined hill
cell("from resistlab.pharmacology import fit_hill, hill as h\n", "2")
cell("fit = fit_hill([0.1, 1.0, 10.0, 100.0], [0.95, 0.8, 0.3, 0.05])\n", "3")
cell("fit.predict(2.0)\n", "3p")  # the library computes hill for the cell
cell("y = h(2.0, 1.0, 0.0, 2.0, 1.0)\n", "4")
cell("ys = list(map(lambda d: original(d, 1.0, 0.0, 2.0, 1.0), [1.0, 3.0]))\n", "5")
AGENT = (
    "def call(f):\n    return f(1.0, 1.0, 0.0, 2.0, 1.0)\n"
    "def handle(f, cell='test_hill'):\n    request = {'op': 'call', 'cell': cell}\n"
    "    return call(f)\n"
)
agent = compile(AGENT, "_rl_sealed", "exec")
on_event("exec", (agent,))  # the grader's agent: the first module run under its name
exec(agent, main.__dict__)
main.call(main.h)
cell("def mine(*args):\n    return h(*args)\n", "6")
main.handle(main.h)  # a hidden test running: the agent's request names it
main.handle(main.mine)
cell("import threading\ndef work():\n    h(1.0, 1.0, 0.0, 2.0, 1.0)\n", "7")


def in_a_thread(*args):
    worker = threading.Thread(target=main.work)
    worker.start()
    worker.join()


in_a_thread()  # a thread, no test running
main.handle(in_a_thread, "test_thread")  # a thread started while the agent answers a test
p = sys.modules["resistlab.pharmacology"]
spec = p.__spec__
on_event("exec", (spec.loader.get_code(spec.name),))  # exec_module into a copy runs it again
cell("import resistlab.binding as b\n", "8")
on_event("import", ())
cell("occupied = b.fraction_inhibited(10.0, 1.0, 100.0, 10.0)\n", "9")  # apparent_ki inside
cell("def helper():\n    return fit.predict(3.0)\n", "10")
cell("helper()\n", "11")  # written in one cell, run by another
cell("def g():\n    return h(1.0, 1.0, 0.0, 2.0, 1.0)\n", "12")
cell("g()\n", "13")  # a direct call too
cell("t = threading.Thread(target=h, args=(1.0, 1.0, 0.0, 2.0, 1.0))\nt.start()\nt.join()\n", "14")
forged = (  # the agent's name and a late test, written by the student: not the agent
    "import sys, types\nsys.modules['_rl_sealed'] = types.SimpleNamespace(test='test_late')\n"
    "ns = {}\nexec(compile(%r, '_rl_sealed', 'exec'), ns)\nns['handle'](h, 'test_late')\n"
    "t = threading.Thread(target=h, args=(1.0, 1.0, 0.0, 2.0, 1.0))\nt.start()\nt.join()\n"
) % AGENT
cell(forged, "15")
lookalike = (  # the student's function compiled under a library file, run in its module
    "src = 'def plot_like(*args):\\n    return hill(*args)\\n'\n"
    "exec(compile(src, p.__file__, 'exec'), p.__dict__)\n"
    "p.plot_like(1.0, 1.0, 0.0, 2.0, 1.0)\n"
)
cell(lookalike, "16")
converted = (  # a callable made of C objects, run while the library converts an argument
    "import functools\nfrom resistlab._validation import as_scalar\n"
    "class X:\n    __float__ = staticmethod(functools.partial(h, 1.0, 1.0, 0.0, 2.0, 1.0))\n"
    "as_scalar(X(), 'x')\nfit.predict(X())\n"
)
cell(converted, "17")
inline = (  # the same, converted inline by library code that calls the function itself
    "import pandas as pd\n"
    "c = functools.partial(b.classify_resistance, 10.0, 5.0)\n"
    "class L(dict):\n    __iter__ = staticmethod(c)\n"
    "table = pd.DataFrame({'mutant': ['T315I'], 'drug': ['imatinib'], 'ic50_nM': [10.0],\n"
    "                      'qualifier': ['=']})\n"
    "try:\n    b.resistance_matrix(table, L(imatinib=5.0))\nexcept Exception:\n    pass\n"
)
cell(inline, "18")
print(json.dumps({
    "lines": lines,
    "y": main.y,
    "same_main": main.original is p.hill,
    "signature": str(inspect.signature(p.hill)),
    "name": [p.hill.__name__, p.hill.__module__],
    "wrapped": hasattr(p.hill, "__wrapped__"),
}))
"""


def test_calls_of_watched_functions_are_reported_with_the_cell_that_made_them(tmp_path):
    """``sandbox._watch_calls``: once the module has defined ``hill``, every reference to it
    in the library and the notebook's namespace is the wrapper (the one bound before the wrap
    too); a call from a cell is reported with that cell's file, through ``map`` too, and
    through a library method (``HillFit.predict``) with the method's name, and inside
    another watched function with that function's name, followed by ``+in:`` and it (and
    the cell being run, when the calling code was written in another, for a direct call
    too, and for a thread with no
    cell on its stack the cell the kernel is running); the
    sealed-test agent's call is ``test``, and
    while the agent answers a request (``handle``) the test it names follows ``@``; the
    module's code run again (a copy the wrapper never reaches) is ``copy``; code on the way
    that is no cell's and no installed module's (not what its file name says: a copy of the
    agent, a function compiled under the library's file name and run in its module) adds
    ``+made``; a call made while library code was evaluating an expression that does not
    name the function (a callable of C objects the student built, run as the library
    converts an argument, even in a function that calls it elsewhere) is the cell's own.
    The wrapper returns what ``hill`` returns and has its name and signature."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", WATCH_CALLS], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    hill = "resistlab.pharmacology.hill"
    predict = "HillFit.predict" if sys.version_info >= (3, 11) else "predict"  # co_qualname
    predict = f"pharmacology.{predict}"
    assert result["lines"] == [
        f"{hill} via:{predict}:3p.py",
        f"{hill} 4.py",
        f"{hill} 5.py",
        f"{hill} test",
        f"{hill} test@test_hill",
        f"{hill} 6.py@test_hill",
        f"{hill} 7.py",
        f"{hill} 7.py@test_thread",
        f"{hill} copy",
        "resistlab.binding.fraction_inhibited 9.py",
        # inside the watched fraction_inhibited's own call (review 56: +in:, not flagged again)
        "resistlab.binding.apparent_ki via:binding.fraction_inhibited:9.py"
        "+in:resistlab.binding.fraction_inhibited",
        f"{hill} via:{predict}:10.py+11.py",
        f"{hill} 12.py+13.py",
        f"{hill} ?+14.py",  # a thread with no cell on its stack: the cell the kernel runs
        f"{hill} 15.py+made",  # through a copy of the agent's code: the cell that ran it
        f"{hill} ?+15.py",  # the agent's test name set by the student: not read
        f"{hill} 16.py+made",  # not the library's code, though in its module, under its name
        f"{hill} 17.py",  # the library converted the argument; it did not call hill itself
        f"{hill} via:{predict}:17.py",  # then predict called hill for the converted dose
        # converted inline by library code that calls the function elsewhere (tuple(levels))
        "resistlab.binding.classify_resistance 18.py",
    ]
    assert result["y"] == 0.5
    assert result["same_main"] is True
    assert result["signature"] == "(dose, e0, emax, ec50, h)"
    assert result["name"] == ["hill", "resistlab.pharmacology"]
    assert result["wrapped"] is False


FUNCTION_READS = r"""
import json, os, signal
from resistlab.course.grading import sandbox

r, w = os.pipe()
sandbox._install_audit_hook(w, ["/"], [], ["resistlab.pharmacology.hill"])
import resistlab.pharmacology as pharmacology


def f(x, *, y=1):
    return x


kept = [f.__code__, f.__defaults__, f.__kwdefaults__]  # an ordinary function's
kept.append(getattr(signal, "_signal").signal.__kwdefaults__)  # the signal guard's
kept.append(pharmacology.hill.__kwdefaults__)  # a wrapper's: its original taken out
os.close(w)
print(json.dumps([json.loads(line) for line in os.read(r, 1 << 16).decode().splitlines()]))
"""


def test_reads_of_functions_are_recorded_for_the_signal_guard_and_the_wrappers_only():
    """The hook returns at once from a read of a plain function's code or default arguments
    (the grader's agent reads about 2,000 at a notebook's start), except for the kernel's
    signal guard (whose keyword defaults hold the original ``signal``) and a wrapper of a
    forbidden function (whose keyword defaults hold the original function): those reads are
    recorded, and nothing else is."""
    done = subprocess.run(
        [sys.executable, "-c", FUNCTION_READS], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    records = json.loads(done.stdout)
    assert records == [
        ["grader.entered", "the kernel's signal guard taken apart"],
        ["call", "resistlab.pharmacology.hill ?+made"],
    ], records


HELD_RECORDS = r"""
import fcntl, json, os, threading, time
from resistlab.course.grading import sandbox

r, w = os.pipe()
sandbox._install_audit_hook(w, ["/usr"], [], ())
fcntl.fcntl(w, fcntl.F_SETFL, os.O_NONBLOCK)  # what a kernel can do to its own descriptor
class Quiet(json.JSONEncoder):
    def encode(self, o):
        return '["open", "/usr/nothing"]'
plain, json._default_encoder = json._default_encoder, Quiet()  # what json.dumps uses
while True:  # a full pipe: the next write would fail with EAGAIN
    try:
        os.write(w, b"\n" * 4096)
    except BlockingIOError:
        break
received = []
def drain():
    time.sleep(0.5)
    fcntl.fcntl(r, fcntl.F_SETFL, os.O_NONBLOCK)
    end = time.monotonic() + 10
    while b"forbidden" not in b"".join(received) and time.monotonic() < end:
        try:
            received.append(os.read(r, 65536))
        except BlockingIOError:
            time.sleep(0.01)
reader = threading.Thread(target=drain, daemon=True)
reader.start()
try:
    open("/forbidden-by-the-test")
except OSError:
    pass
reader.join(timeout=30)
json._default_encoder = plain
print(json.dumps([ln for ln in b"".join(received).decode().splitlines() if ln]))
"""


def test_the_audit_hook_writes_each_record_whole_whatever_the_kernel_did_to_json_or_its_pipe():
    """A kernel can make its audit pipe non-blocking and fill it (a record written then failed
    with ``EAGAIN`` and was lost), and can replace ``json``'s module-level encoder (which
    ``json.dumps`` writes through). The hook waits for room and encodes with the string
    encoder it took when it was installed: the record arrives whole and true."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", HELD_RECORDS], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = json.loads(done.stdout.strip().splitlines()[-1])
    assert lines == ['["open", "/forbidden-by-the-test"]'], lines


CELL_CHECK = r"""
import ast, json
from IPython.core.interactiveshell import InteractiveShell
from resistlab.course.grading import sandbox

shell = InteractiveShell.instance()
checker = sandbox._code_checker(sandbox._installed_folders())
NAME = "/tmp/ipykernel_1/cell.py"


def compiled(raw, transform=None):
    # the codes IPython's run_cell_async / run_ast_nodes would exec for this cell
    transformed = shell.transform_cell(raw)
    tree = shell.transform_ast(shell.compile.ast_parse(transformed, filename=NAME))
    nodes, out = tree.body, []
    for i, node in enumerate(nodes):
        mode = "single" if i == len(nodes) - 1 and isinstance(node, ast.Expr) else "exec"
        mod = ast.Module([node], []) if mode == "exec" else ast.Interactive([node])
        with shell.compile.extra_flags(ast.PyCF_ALLOW_TOP_LEVEL_AWAIT):
            code = shell.compile(mod, NAME, mode)
        out.append(checker.same_as_cell(code, raw, transformed, i, mode, shell.compile.flags))
    return out


honest = [
    "\nfrom math import sqrt\n\nx = sqrt(2)\n",
    "x = 1; y = 2\nx + y",
    "%%time\nz = 3\n",
    "%matplotlib inline\nimport math\nmath.pi",
    "def f(a):\n    return [a * i for i in range(3)]\nf(2)\n",
    "from __future__ import annotations\ndef g(x: int) -> int: return x\n",
    "await __import__('asyncio').sleep(0)\n",
]
result = {"honest": [compiled(raw) for raw in honest]}


class Injector(ast.NodeTransformer):  # an AST transformer the student added
    def visit_Module(self, node):
        node.body.append(ast.parse("injected = 1").body[0])
        return node


shell.ast_transformers.append(Injector())
result["ast_transformer"] = compiled("x = 1\n")
shell.ast_transformers.clear()
shell.input_transformers_post.append(lambda lines: lines + ["injected = 2\n"])
result["input_transformer"] = compiled("x = 1\n")
shell.input_transformers_post.clear()
plain = shell.compile
class Swapped(type(plain)):  # a compiler that hands back other code
    def __call__(self, source, filename, symbol):
        return compile("x = 99", filename, "exec")
shell.compile = Swapped()
result["compiler"] = compiled("x = 1\n")
shell.compile = plain
before = ast.Assign.__dict__.get("__init__")
ast.Assign.__init__ = lambda self, *a, **k: super(ast.Assign, self).__init__(*a, **k)
result["ast_class"] = compiled("x = 1\n")
print(json.dumps(result))
"""


def test_a_cells_code_is_told_by_what_ipython_compiles_from_its_text():
    """``sandbox._code_checker().same_as_cell``: the code IPython's own pipeline compiles for
    each node of a cell (leading blank lines, ``;``, a last expression, magics, a
    ``__future__`` import, top-level ``await``) is recognised as that cell's; code from a
    cell an AST transformer or an input transformer the student added changed, from a
    compiler the student swapped in, or compiled while a class of the ``_ast`` module was
    changed, is not (the kernel then counts it as code of no cell)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", CELL_CHECK], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["honest"] == [
        [True, True],
        [True, True, True],
        [True],
        [True] * 3,
        [True, True],
        [True, True],
        [True],
    ]
    assert result["ast_transformer"] == [True, False]  # the injected node is no cell's
    assert result["input_transformer"] == [True, False]
    assert result["compiler"] == [False]
    assert result["ast_class"] == [False]


@pytest.mark.skipif(sandbox.bwrap_path() is None, reason="needs bubblewrap")
@pytest.mark.parametrize("folder", ["/dev/shm", "/tmp"])
def test_the_sandboxs_dev_shm_holds_at_most_shm_bytes(tmp_path, folder):
    """Review 29 #3: ``/dev/shm`` inside the sandbox is a tmpfs, memory of the host that no
    address-space limit counts; a kernel of an unprivileged grader (its own user namespace,
    where it may write there) held 5 GB in it. The sandbox's ``/dev/shm``, and its private
    ``/tmp``, take at most SHM_BYTES each: a write past it fails with ENOSPC."""
    import subprocess

    write = r"""
import errno, os
written = 0
try:
    with open(f"{FOLDER}/fill", "wb") as fh:
        while written < 3 * SHM:
            fh.write(b"x" * 2**20)
            fh.flush()
            written += 2**20
    print("WROTE", written)
except OSError as err:
    print("REFUSED", errno.errorcode[err.errno], written)
"""
    reads = [*sandbox._system_read_paths(), sys.prefix, sys.base_prefix]
    argv = sandbox.bwrap_argv(reads, [str(tmp_path)], bwrap=sandbox.bwrap_path(), root=False)
    code = f"SHM = {sandbox.SHM_BYTES}\nFOLDER = {folder!r}\n{write}"
    done = subprocess.run(
        [*argv, sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    kind, *rest = done.stdout.split()
    assert kind == "REFUSED" and rest[0] == "ENOSPC", done.stdout
    assert int(rest[1]) <= sandbox.SHM_BYTES, done.stdout


def test_a_cgroup_v1_group_limits_the_tcp_buffers_too():
    """Review 46 (A) F5: cgroup v1 counts a group's TCP buffers only once they have a limit of
    their own (a kernel had queued 403 MiB on its loopback, outside ``--memory``); the group
    gives them the memory limit. Checked on the group's own files (root, cgroup v1)."""
    group = sandbox.GroupLimits(f"resistlab-test-tcp-{os.getpid()}", 512 * 2**20, 64)
    try:
        if group.applied != "cgroup1":
            pytest.skip(f"no cgroup v1 memory group here ({group.applied or group.why})")
        limit = Path(group.dirs[0]) / "memory.kmem.tcp.limit_in_bytes"
        if not limit.exists():
            pytest.skip("this kernel's cgroup v1 has no TCP limit")
        assert int(limit.read_text()) == 512 * 2**20
        assert int((Path(group.dirs[0]) / "memory.limit_in_bytes").read_text()) == 512 * 2**20
    finally:
        group.remove()


def test_a_sandbox_is_one_group_of_the_cpu_controller_where_there_is_one():
    """Review 65 A#1: 24 busy processes of a kernel, each in a session of its own (which
    Linux's autogroup schedules as a group of its own), had starved the grader's disk watch,
    and the kernel wrote 4.3 GB under a 1 GiB bound. A sandbox is one group of the ``cpu``
    controller (root, cgroup v1): a process that enters it is in that group, whatever
    sessions it makes, and the group goes with the others."""
    import subprocess
    import sys

    name = f"resistlab-test-cpu-{os.getpid()}"
    group = sandbox.GroupLimits(name, 512 * 2**20, 64)
    made = list(group.dirs)
    try:
        if group.applied != "cgroup1" or not os.path.isdir("/sys/fs/cgroup/cpu"):
            pytest.skip(f"no cgroup v1 cpu hierarchy here ({group.applied or group.why})")
        assert any("/cpu/" in d for d in group.dirs), group.dirs
        child = subprocess.Popen(
            [sys.executable, "-c", "import os, sys; os.setsid(); sys.stdin.read()"],
            stdin=subprocess.PIPE,
        )
        try:
            group.enter(child.pid)
            lines = Path(f"/proc/{child.pid}/cgroup").read_text().splitlines()
            assert any(line.split(":")[1] == "cpu" and line.endswith(name) for line in lines)
        finally:
            child.kill()
            child.wait()
    finally:
        group.remove()
    assert made and not any(os.path.exists(d) for d in made)


def test_workers_whose_pids_agree_modulo_the_range_get_different_kernel_uids(tmp_path):
    """Review 47 C F4: under a grader with subordinate ids a worker's kernels ran as
    ``1 + pid % N``; two workers whose pids agreed modulo N shared a uid, and one kernel took
    the epoll watches Linux counts per uid and killed the other worker's kernel. Each worker
    claims its id with a lock held while it lives (here: another process, then this one,
    with the same key); a dead worker's id is free again."""
    import multiprocessing

    folder = tmp_path / "ids"
    ready, done = multiprocessing.Event(), multiprocessing.Event()

    def hold():
        sandbox.claim_id(folder, 7, 10)
        ready.set()
        done.wait(30)

    other = multiprocessing.get_context("fork").Process(target=hold)
    other.start()
    try:
        assert ready.wait(30)
        uid, fd = sandbox.claim_id(folder, 17, 10)
        assert (uid, fd is not None) == (9, True), "the other worker holds 8"
        os.close(fd)
    finally:
        done.set()
        other.join(30)
    assert sandbox.claim_id(folder, 17, 10)[0] == 8


def test_audit_lines_that_are_not_two_strings_are_tampering(tmp_path):
    """Review 48 A#3: lines such as ``["call", NaN]``, ``Infinity``, ``null`` or ``1.5``
    written to the audit descriptor passed unflagged. Every line the hook did not write
    (two strings) is read as ``audit.garbled``."""
    audit = tmp_path / "k.audit"
    lines = ['["open", "/etc/x"]', '["call", NaN]', "Infinity", "null", "1.5", '["a", 1]']
    audit.write_text("\n".join(lines) + "\n")
    _status, events = read_audit(audit)
    assert events[0] == ("open", "/etc/x")
    assert [e for e, _ in events[1:]] == ["audit.garbled"] * 5, events


def test_kernel_ids_are_claimed_in_the_graders_own_cache(tmp_path, monkeypatch):
    """Review 48 C#1: another account could make the claims folder first where it had been,
    in /tmp (``rl-ids-UID``), and the claims were off, silently. It is in the grader's own
    cache now."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = sandbox._claims_folder()
    assert folder == tmp_path / "cache" / "resistlab" / "kernel-ids"
    uid, fd = sandbox.claim_id(folder, 3, 10)
    assert (uid, fd is not None) == (4, True) and folder.is_dir()
    os.close(fd)


def test_a_flood_of_records_hides_no_later_kind_of_event():
    """Review 52 #3: past the 200 distinct records a kernel writes, later ones had been
    dropped, so 200 listings of missing folders hid an ``exec`` of text, a ``fork`` and a
    trace function. Past the bound, the first record of each kind of event is still written;
    more of a kind already written are not (the bound holds)."""
    read_end, write_end = os.pipe()
    record = sandbox._audit_writer(write_end)
    for i in range(sandbox._MAX_EVENTS + 50):
        record("os.listdir", f"/missing/{i}")
    record("exec.text", "")
    record("os.fork", "")
    record("os.fork", "again")
    os.close(write_end)
    with os.fdopen(read_end) as fh:
        lines = [json.loads(line) for line in fh]
    assert sum(event == "os.listdir" for event, _ in lines) == sandbox._MAX_EVENTS
    assert ["exec.text", ""] in lines and ["os.fork", ""] in lines
    assert ["os.fork", "again"] not in lines
