"""``nbgrader collect`` that never follows a symbolic link a student put in the exchange.

nbgrader's collect copies each submission from the exchange's ``inbound`` folder (writable
by every student) with ``shutil.copytree``, which follows symbolic links, as the instructor:
a link ``notes.txt -> ~instructor/course/gradebook.db`` in a submission arrived in
``submitted/`` as a copy of the gradebook, which the student's own cell then read and
printed onto their feedback page, and a submission folder that was itself a link to the
instructor's source folder was collected as the student's (solutions included).

:class:`NoFollowCollect` (the course's ``ExchangeFactory.collect``) first copies the
submission into a private staging folder, opening every folder and file without following
a link (``O_NOFOLLOW`` on each component, relative to the folder already opened, so a link
swapped in during the copy is not followed either); links, FIFOs, sockets and devices are
left out and named in a warning, and a submission folder that is a link is not collected.
nbgrader's own copy (its ``ignore``, ``include``, size limits and group-shared modes) then
runs on the staged tree.

Before choosing each student's newest submission, it also leaves out (named in a warning) an
inbound folder whose name cannot be read (nbgrader stopped the whole collect at the first)
and, with ``CollectApp.check_owner`` (nbgrader's default), a folder that names a student who
is a user of this machine but is owned by someone else: every student can write to
``inbound``, and nbgrader only warned, then collected a newer folder ``ben+...`` made by
mallory as ben's submission. A student id that is not a user of this machine (shared-uid
hubs) keeps nbgrader's behaviour: a warning, and the folder is collected.
"""

from __future__ import annotations

import datetime
import os
import pwd
import shutil
import stat
import tempfile

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import parse_utc

__all__ = ["NoFollowCollect", "copy_tree_nofollow"]

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


#: Deepest folder nesting a submission may have (nbgrader's own copy recurses: 600 levels had
#: raised RecursionError and stopped the collection of everyone after that student).
MAX_DEPTH = 64


def copy_tree_nofollow(src: str, dest: str, most_bytes: int) -> list[str]:
    """Copy the folder ``src`` to the new folder ``dest`` without following any symbolic
    link; returns the paths (relative to ``src``) left out: links, FIFOs, sockets, devices.

    Raises ``NotADirectoryError`` if ``src`` is a link or not a folder, and ``ValueError``
    past ``most_bytes`` of file content (as each file declares it) or :data:`MAX_DEPTH`
    levels of folders.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> top = pathlib.Path(tempfile.mkdtemp())
    >>> (top / "in").mkdir(); (top / "in" / "a.txt").write_text("a")
    1
    >>> (top / "in" / "link").symlink_to("/etc/hostname")
    >>> copy_tree_nofollow(str(top / "in"), str(top / "out"), 10**6)
    ['link']
    >>> sorted(p.name for p in (top / "out").iterdir())
    ['a.txt']
    """
    left_out: list[str] = []
    copied = [0]
    try:
        top = os.open(src, _DIRECTORY)
    except OSError as error:
        raise NotADirectoryError(f"{src} is a symbolic link or not a folder") from error
    try:
        _copy_folder(top, dest, "", left_out, copied, most_bytes)
    finally:
        os.close(top)
    return left_out


def _copy_folder(folder_fd, dest, rel, left_out, copied, most_bytes) -> None:
    if rel.count("/") >= MAX_DEPTH - 1:
        raise ValueError(f"folders nested more than {MAX_DEPTH} levels")
    os.mkdir(dest, 0o700)
    for name in sorted(os.listdir(folder_fd)):
        path = os.path.join(rel, name)
        target = os.path.join(dest, name)
        try:
            info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                fd = os.open(name, _DIRECTORY, dir_fd=folder_fd)
                try:
                    _copy_folder(fd, target, path, left_out, copied, most_bytes)
                finally:
                    os.close(fd)
                continue
            if not stat.S_ISREG(info.st_mode):
                left_out.append(path)
                continue
            fd = os.open(name, _FILE, dir_fd=folder_fd)
        except OSError:  # a link, or swapped for one since it was listed
            left_out.append(path)
            continue
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                left_out.append(path)
                continue
            copied[0] += opened.st_size  # as declared: a sparse file counts its whole size
            if copied[0] > most_bytes:
                raise ValueError(f"more than {most_bytes} bytes")
            with open(fd, "rb", closefd=False) as source, open(target, "xb") as out:
                left = opened.st_size  # no more than it declared (it may be growing)
                while left > 0 and (chunk := source.read(min(left, 2**20))):
                    left -= len(chunk)
                    out.write(chunk)
            os.chmod(target, stat.S_IMODE(opened.st_mode) & 0o777 | 0o600)
            os.utime(target, ns=(opened.st_atime_ns, opened.st_mtime_ns))
        finally:
            os.close(fd)


class NoFollowCollect(ExchangeCollect):
    """nbgrader's ``ExchangeCollect`` whose copy never follows a symbolic link (see the
    module's docstring); a submission it cannot copy whole is skipped, not the class."""

    def _skip(self, path: str, why: str) -> None:
        from resistlab.course.grading.report import safe

        self.log.warning("Not collected: %s: %s", safe(path), safe(why))

    def init_src(self):
        super().init_src()
        self.src_records = [r for r in self.src_records if "left_out" not in r]

    def _path_to_record(self, path):
        """nbgrader's record of the inbound folder ``path``, or a record marked ``left_out``
        (its own group, dropped by :meth:`init_src`) when its name cannot be read or it is
        not owned by the user it names."""
        parts = os.path.basename(path).rsplit("+", 3)
        why = None
        try:
            if len(parts) < 3:
                raise ValueError
            parse_utc(parts[2])
        except (ValueError, OverflowError):
            why = "its name is not STUDENT+ASSIGNMENT+TIME+RANDOM with a readable time"
        else:
            why = self._not_owned(path, parts[0]) if self.check_owner else None
        if why is None:
            return super()._path_to_record(path)
        self._skip(path, why)
        return {"username": ("left out", path), "filename": "", "left_out": True,
                "timestamp": datetime.datetime.min}  # fmt: skip

    @staticmethod
    def _not_owned(path: str, student: str) -> str | None:
        try:
            claimed = pwd.getpwnam(student).pw_uid
        except KeyError:  # not a user of this machine: nbgrader's own warning applies
            return None
        try:
            owner = os.lstat(path).st_uid
        except OSError as error:  # gone or renamed since it was listed
            return f"could not be read ({error.strerror})"
        if owner == claimed:
            return None
        try:
            name = pwd.getpwuid(owner).pw_name
        except KeyError:
            name = f"uid {owner}"
        return f"names the student {student} but is owned by {name}"

    def do_copy(self, src, dest, log=None):
        most = 1000 * self.coursedir.max_dir_size  # nbgrader's limit, in kB
        staging = tempfile.mkdtemp(prefix=".collect-", dir=os.path.dirname(dest))
        staged = os.path.join(staging, "submission")
        try:
            try:
                left_out = copy_tree_nofollow(src, staged, most)
            except NotADirectoryError:
                self._skip(src, "a symbolic link or not a folder (never followed)")
                return
            except (ValueError, OSError) as error:  # this submission only, not the class
                self._skip(src, f"not collected whole ({error})")
                return
            for path in left_out:
                self._skip(
                    os.path.join(src, path), "a symbolic link or special file (never followed)"
                )
            try:
                super().do_copy(staged, dest, log)
            except (RuntimeError, OSError, RecursionError) as error:
                shutil.rmtree(dest, ignore_errors=True)
                self._skip(src, f"not collected whole ({error})")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
