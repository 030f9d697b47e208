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
inbound entry that is not a folder (a dangling link had stopped the whole collect), an
inbound folder whose name cannot be read (nbgrader stopped the whole collect at the first)
and, with ``CollectApp.check_owner`` (nbgrader's default), a folder that names a student who
is a user of this machine but is owned by someone else: every student can write to
``inbound``, and nbgrader only warned, then collected a newer folder ``ben+...`` made by
mallory as ben's submission. A student id that is not a user of this machine (shared-uid
hubs) keeps nbgrader's behaviour: a warning, and the folder is collected, unless a student
of the course owns it (on the gradebook's roster, or with a folder in their own name): one
had made 10,000 ids, each collected and graded. An id that
:func:`~resistlab.course.grading.report.id_problem` refuses (line breaks, invisible
characters, CSV separators) is left out too, and so is a submission of more than
:data:`MAX_ENTRIES` files and folders; a ``timestamp.txt`` that is missing or not a time is
replaced by the folder name's time, and a submission whose files or folders changed more
than :data:`CHANGE_SKEW` seconds after the time it records gets that change time as its time.
Of one owner's folders, at most :data:`MAX_FOLDERS` of one student id and :data:`MAX_OWNED` in
all are read (:func:`_choose_inbound`), and folders made in another student's name are named
first. An owner is an account: a uid that is no user's but one of an account's subordinate
uids (``/etc/subuid``) counts as that account's (:class:`_Accounts`). A record whose owner
check or copy fails with ``OSError`` (a folder renamed away) is skipped alone.

:class:`CheckedReleaseFeedback` (the course's ``ExchangeFactory.release_feedback``) releases
one student's feedback at a time, skipping a folder it cannot release, :class:`CheckedList`
(``ExchangeFactory.list``) lists ``inbound`` without reading a folder past a bound, and
:func:`claim_course_folder` gives the course's exchange folder to an instructor when the hub
starts. Whatever one student put in the exchange stops no one else.
"""

from __future__ import annotations

import datetime
import fnmatch
import glob
import heapq
import logging
import os
import pwd
import re
import shutil
import stat
import tempfile
from itertools import islice
from typing import NamedTuple

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.list import ExchangeList
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.utils import check_mode, parse_utc

from resistlab.course.grading.report import id_problem, safe

__all__ = [
    "CheckedList",
    "CheckedReleaseFeedback",
    "CopiedTree",
    "NoFollowCollect",
    "claim_course_folder",
    "copy_tree_nofollow",
]

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


#: Deepest folder nesting a submission may have (nbgrader's own copy recurses: 600 levels had
#: raised RecursionError and stopped the collection of everyone after that student).
MAX_DEPTH = 64

#: Most files and folders a submission may have (100,000 empty files, which weigh nothing
#: against ``max_dir_size``, had cost the class's collect 53 s; the grader reads 1,000).
MAX_ENTRIES = 10_000


class CopiedTree(NamedTuple):
    """What :func:`copy_tree_nofollow` copied: the paths (relative to the source) it left out
    (links, FIFOs, sockets, devices), and the newest inode change time (``st_ctime_ns``) of
    the folders and files it copied, the source folder included."""

    left_out: list[str]
    changed_ns: int


def copy_tree_nofollow(src: str, dest: str, most_bytes: int) -> CopiedTree:
    """Copy the folder ``src`` to the new folder ``dest`` without following any symbolic
    link; returns what was left out (links, FIFOs, sockets, devices) and the newest change
    time of what was copied (:class:`CopiedTree`).

    Raises ``NotADirectoryError`` if ``src`` is a link or not a folder, and ``ValueError``
    past ``most_bytes`` of file content (as each file declares it), :data:`MAX_DEPTH`
    levels of folders or :data:`MAX_ENTRIES` files and folders.

    The change time of each folder and file is read on its open descriptor after it was
    read, so a write made before the copy read it is counted (a user cannot set a change
    time back, as they can a modification time).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> top = pathlib.Path(tempfile.mkdtemp())
    >>> (top / "in").mkdir(); (top / "in" / "a.txt").write_text("a")
    1
    >>> (top / "in" / "link").symlink_to("/etc/hostname")
    >>> copy_tree_nofollow(str(top / "in"), str(top / "out"), 10**6).left_out
    ['link']
    >>> sorted(p.name for p in (top / "out").iterdir())
    ['a.txt']
    """
    left_out: list[str] = []
    copied = [0, 0, 0]  # bytes, entries, newest change time (ns)
    try:
        top = os.open(src, _DIRECTORY)
    except OSError as error:
        raise NotADirectoryError(f"{src} is a symbolic link or not a folder") from error
    try:
        _copy_folder(top, dest, "", left_out, copied, most_bytes)
    finally:
        os.close(top)
    return CopiedTree(left_out, copied[2])


def _copy_folder(folder_fd, dest, rel, left_out, copied, most_bytes) -> None:
    if rel.count("/") >= MAX_DEPTH - 1:
        raise ValueError(f"folders nested more than {MAX_DEPTH} levels")
    os.mkdir(dest, 0o700)
    names = []
    with os.scandir(folder_fd) as entries:  # stops at the bound, not after a million names
        for entry in entries:
            copied[1] += 1
            if copied[1] > MAX_ENTRIES:
                raise ValueError(f"more than {MAX_ENTRIES} files and folders")
            names.append(entry.name)
    copied[2] = max(copied[2], os.fstat(folder_fd).st_ctime_ns)  # (after it was listed)
    for name in sorted(names):
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
            copied[2] = max(copied[2], os.fstat(fd).st_ctime_ns)  # (after it was read)
            os.chmod(target, stat.S_IMODE(opened.st_mode) & 0o777 | 0o600)
            os.utime(target, ns=(opened.st_atime_ns, opened.st_mtime_ns))
        finally:
            os.close(fd)


def _warn(log, what: str, path: str, why: str) -> None:
    log.warning("%s: %s: %s", what, safe(path), safe(why))


#: A time zone ``timestamp.txt`` may name: a zone of the system's database (``UTC``,
#: ``Europe/Paris``, ``Etc/GMT+1``), never a path. nbgrader's ``parse_utc`` hands the third
#: word to ``dateutil.tz.gettz``, which opens an absolute path, or a relative one joined to
#: the zone folders (``../../tmp/x`` leaves them), and parses the whole file: review 57's
#: 60 MB "zone" beside the notebook had cost the grader, ``collect`` and Formgrader 2 GB each,
#: and junk put there after grading had failed Formgrader's submissions list (HTTP 500).
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,63}(?:/[A-Za-z0-9_+-]{1,64}){0,3}")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?!\d)")
_LETTERS = re.compile(r"[^\W\d_]+")


def parse_time(text: str, *, stored: bool = True) -> datetime.datetime:
    """nbgrader's reading of a ``timestamp.txt`` (``parse_utc``: UTC, naive), but a time zone
    (the third word) must be a number or a zone name (:data:`_ZONE`), never a file's path.

    Examples
    --------
    >>> parse_time("2026-12-01 10:00:00 Europe/Paris")
    datetime.datetime(2026, 12, 1, 9, 0)
    >>> parse_time("2026-12-01 10:00:00 /proc/self/cwd/zone.bin")
    Traceback (most recent call last):
    ...
    ValueError: not a time zone: '/proc/self/cwd/zone.bin'
    >>> parse_time("10:999999999999999999999999999999")  # review 58: not a ValueError before
    Traceback (most recent call last):
    ...
    ValueError: not a time with its date: '10:999999999999999999999999999999'
    >>> parse_time("2026-12-01 10:00:00 CEST")  # review 60: the reader's own zone, or none
    Traceback (most recent call last):
    ...
    ValueError: a time zone each reader reads by its own setting: 'CEST'
    >>> parse_time("2026-12-01 10:00:00CEST")  # review 61: a word of letters anywhere
    Traceback (most recent call last):
    ...
    ValueError: a time zone each reader reads by its own setting: 'CEST'

    A time must start with its date (``2026-12-01``) and name its zone by a number, ``UTC``,
    ``GMT``, ``Z`` or a region of the zone database (``Europe/Paris``): dateutil fills a
    missing date with the day it reads it, and takes an abbreviation that is the reader's own
    zone name (``CEST`` under ``TZ=Europe/Paris``) for the reader's local time, so Formgrader,
    reading it another day or elsewhere, got another time than the gradebook's and listed a
    graded submission as never graded (review 60). ``stored=False`` (a time in an uploaded
    file's name, which ``--zip-collect`` reads once and stores as nbgrader writes a time)
    leaves both rules out.
    """
    if stored and not _DATE.match(text):
        raise ValueError(f"not a time with its date: {text[:60]!r}")
    parts = text.split(" ")
    if len(parts) == 3:
        try:
            int(parts[2])
        except ValueError:
            if not _ZONE.fullmatch(parts[2]):
                raise ValueError(f"not a time zone: {parts[2][:60]!r}") from None
    # every word of letters, where it stands (review 61: ``10:00:00CEST``, ``10:00:00,CET``,
    # ``10:00:00 CET +0000`` had passed a check of the last word), but a region's name
    words = _LETTERS.findall(" ".join(p for p in parts if not ("/" in p and _ZONE.fullmatch(p))))
    local = [w for w in words if w.upper() not in ("T", "Z", "UTC", "GMT")]
    if stored and local:
        raise ValueError(f"a time zone each reader reads by its own setting: {local[0][:60]!r}")
    try:
        return parse_utc(text)
    except Exception as err:  # dateutil: also decimal.InvalidOperation, OverflowError...
        raise ValueError(f"not a time: {text[:60]!r} ({type(err).__name__})") from None


def small_file(path, most: int = 1000) -> bytes | None:
    """What ``path`` holds if it is a plain file of at most ``most`` bytes, else None: opened
    never through a link and without blocking, then checked on the descriptor (a check of the
    path, then an open, passes a file swapped in between). A student's
    ``submission_secret.txt`` linked to another student's had been copied beside their own
    page, and ``release_feedback`` then published it in the other student's place (review
    56); a FIFO would block the instructor's command; a large file would be read whole."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:  # (a folder opens too, and fdopen refuses it: review 58)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > most:
            return None
        data = os.read(fd, most + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= most else None


def _line(path: str, most: int) -> str | None:
    """The one printable line of at most ``most`` bytes ``path`` holds (:func:`small_file`),
    stripped, or None."""
    data = small_file(path, most)
    try:
        text = data.decode("utf-8").strip() if data is not None else ""
    except UnicodeDecodeError:
        return None
    return text if text and text.isprintable() else None


def _read_time(path: str) -> datetime.datetime | None:
    """The time a ``timestamp.txt`` holds (one line of at most 100 characters that nbgrader
    reads as a time, as nbgrader's collect and release_feedback read it), or None."""
    text = _line(path, 100)
    try:
        return parse_time(text) if text is not None else None
    except ValueError:
        return None


#: Most inbound folders of one assignment read for one student id and one owner: the newest
#: by the time in their names. Review 67: 100,000 folders one student made in ``inbound``
#: had cost every collect of the class 14-38 s, and printed 100,000 lines that buried the
#: one naming a folder made in another student's name.
MAX_FOLDERS = 100

#: Most inbound folders of one assignment read for one owner in all (its own name's first).
MAX_OWNED = MAX_ENTRIES

#: Most student ids one owner's folders are read under (its own name's first, then other
#: users' names, then the rest): each id no user has costs a look-up of the password database
#: (review 72 F1: 100,000 ids one student invented had cost every collect and listing 30 s).
MAX_IDS = 100

#: Most lines naming one owner's folders left out for their names (the rest are counted).
MAX_LINES = 20

#: Seconds a submission's files and folders may have changed after the time it records (its
#: ``timestamp.txt``, or its folder name's time) before collect takes their change time as its
#: time: nbgrader's ``submit`` records its time, then copies the notebooks, writes
#: ``timestamp.txt`` and the secret and makes the folder 0777, and all of that may take a
#: while on a loaded hub (or a slow network filesystem whose server's clock differs a little);
#: a student's edit of a submitted file made within this time after it is not caught.
CHANGE_SKEW = 120

#: The file naming each account's subordinate uids (``NAME-OR-UID:FIRST:COUNT``).
SUBUID_FILE = "/etc/subuid"

_UNLISTED = object()


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, TypeError, OverflowError):
        return f"uid {uid}"


def _user_names() -> frozenset[str]:
    """The names the password database lists (``getpwall``; where it cannot list every user,
    as some directories' clients, the others sort among the ids of no user)."""
    try:
        return frozenset(entry.pw_name for entry in pwd.getpwall())
    except OSError:
        return frozenset()


def _owner(path: str) -> int:
    """The uid owning ``path`` itself, or -1 if it is gone."""
    try:
        return os.lstat(path).st_uid
    except OSError:
        return -1


class _Accounts:
    """The account a file's owner is charged to: the uid itself if it is a user of the
    machine (a passwd entry), else the account whose subordinate uids (:data:`SUBUID_FILE`)
    hold it, else the uid itself. Review 71 (F6): Debian's ``useradd`` gives every account
    made where ``/etc/subuid`` exists 65,536 subordinate uids, which its owner may become in
    a user namespace of their own (``newuidmap``): a student's folders owned so had been
    owned by "no user", and her invented ids collected, without bound per uid."""

    def __init__(self, path: str = SUBUID_FILE) -> None:
        self._ranges: list[tuple[int, int, int]] = []  # first, count, account's uid
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = fh.read(16 * 2**20).splitlines()  # root's file; bounded all the same
        except OSError:
            lines = []
        for line in lines:
            owner, _, rest = line.strip().partition(":")
            first, _, count = rest.partition(":")
            if not (first.isdigit() and count.isdigit()):
                continue
            try:
                uid = pwd.getpwnam(owner).pw_uid
            except (KeyError, ValueError):
                if not owner.isdigit():
                    continue
                uid = int(owner)
            self._ranges.append((int(first), int(count), uid))
        self._known: dict[int, int] = {}

    def __call__(self, uid: int) -> int:
        if uid < 0:
            return uid
        if uid not in self._known:
            account = uid
            try:
                pwd.getpwuid(uid)
            except (KeyError, OverflowError):
                for first, count, owner in self._ranges:
                    if first <= uid < first + count:
                        account = owner
                        break
            self._known[uid] = account
        return self._known[uid]


def _choose_inbound(collect, verb: str = "Not collected") -> dict[str, int]:
    """The inbound folders of ``collect``'s assignment that are read, each with its owner's
    account (:class:`_Accounts`): per account and student id the :data:`MAX_FOLDERS` newest
    by the time text in their names (the form nbgrader writes sorts as the time does), and per
    account at most :data:`MAX_OWNED` in all: the folders in its own name first, then those
    naming another user of the machine (each named if it is left out). The rest are counted
    in one warning per account, never parsed, their paths not kept. Every student can write
    to ``inbound``: without a bound, one student's folders cost everyone's collect. An owner
    here is an account, so folders made in another student's name never push out that
    student's own, and a student's subordinate uids count as hers.

    ``inbound`` is read once (``os.scandir``); an entry that is not a folder by the type the
    directory gives (a link, a file, hard-linked under any number of names) is never
    ``lstat``-ed: the first :data:`MAX_LINES` are kept in ``collect._not_folders`` to be
    named, the rest counted (review 71 F5: a million hard links one student made in 20 s
    had cost every collect 38 s and 887 MB)."""
    collect._not_folders = [0, []]
    inbound = os.path.join(collect.root, collect.coursedir.course_id, "inbound")
    if not collect.coursedir.course_id or not os.path.isdir(inbound):
        return {}  # nbgrader's own init_src names the problem
    student = collect.coursedir.student_id or "*"
    assignment = collect.coursedir.assignment_id or "*"  # (listing every assignment)
    matches = re.compile(fnmatch.translate(f"{student}+{assignment}+*")).match  # as glob
    accounts = collect._accounts
    # per (account, id): the MAX_FOLDERS newest (a heap of (time text, path)) and a count
    groups: dict[tuple[int, str], list] = {}
    past_group: dict[tuple[int, str], int] = {}
    with os.scandir(inbound) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith(".") or not matches(name):  # (glob's * skips hidden names)
                continue
            try:
                owner = (
                    accounts(entry.stat(follow_symlinks=False).st_uid)
                    if entry.is_dir(follow_symlinks=False)
                    else None
                )
            except OSError:  # gone since it was listed
                owner = None
            if owner is None:
                collect._not_folders[0] += 1
                if len(collect._not_folders[1]) < MAX_LINES:
                    collect._not_folders[1].append(entry.path)
                continue
            parts = name.rsplit("+", 3)
            key = (owner, parts[0])
            item = (parts[2] if len(parts) >= 3 else "", entry.path)
            heap = groups.setdefault(key, [])
            if len(heap) < MAX_FOLDERS:
                heapq.heappush(heap, item)
            else:
                heapq.heappushpop(heap, item)
                past_group[key] = past_group.get(key, 0) + 1
    names = {owner: _user(owner) for owner, _ in groups}
    users = _user_names()
    order = sorted(groups.items(), key=lambda item: max(item[1])[0], reverse=True)
    # its own name first, then other users' (each named if left out), then the rest
    order.sort(key=lambda item: (item[0][1] != names[item[0][0]], item[0][1] not in users))
    chosen: dict[str, int] = {}
    kept: dict[int, int] = {}
    ids: dict[int, int] = {}
    past: dict[int, list] = {}
    for (owner, name), folders in order:
        folders.sort(reverse=True)
        room = min(MAX_FOLDERS, MAX_OWNED - kept.get(owner, 0))
        ids[owner] = ids.get(owner, 0) + 1
        if ids[owner] > MAX_IDS:
            room = 0
        chosen.update((path, owner) for _, path in folders[:room])
        kept[owner] = kept.get(owner, 0) + min(room, len(folders))
        over = max(0, len(folders) - room) + past_group.get((owner, name), 0)
        if over:
            count, seen = past.setdefault(owner, [0, []])
            past[owner][0] = count + over
            if len(seen) < 3:
                seen.append(safe(name))
    for owner, (count, seen) in past.items():
        collect.log.warning(
            "%s: %d folders of %s owned by %s, named %s%s: only the %d newest of "
            "one owner and name, %d of one owner in all, under at most %d names, are read",
            verb,
            count,
            safe(assignment),
            safe(names[owner]),
            ", ".join(seen),
            ", ..." if len(seen) == 3 else "",
            MAX_FOLDERS,
            MAX_OWNED,
            MAX_IDS,
        )
    return chosen


def _report_left_out(collect) -> None:
    """Name the inbound folders ``collect`` left out for their names: those made in another
    student's name first, then at most :data:`MAX_LINES` others per owner and a count; then
    the entries that are not folders (at most :data:`MAX_LINES`, and a count)."""
    other: dict[int, int] = {}
    for not_owned, owner, path, why in sorted(collect._left_out, key=lambda r: not r[0]):
        if not not_owned:
            other[owner] = other.get(owner, 0) + 1
            if other[owner] > MAX_LINES:
                continue
        collect._skip(path, why)
    for owner, count in other.items():
        if count > MAX_LINES:
            collect.log.warning(
                "%s: %d more folders owned by %s, left out for their names",
                collect.verb,
                count - MAX_LINES,
                safe(_user(owner)),
            )
    count, named = getattr(collect, "_not_folders", (0, []))
    for path in named:
        collect._skip(path, "a symbolic link or not a folder (never followed)")
    if count > len(named):
        collect.log.warning(
            "%s: %d more entries of inbound that are symbolic links or not folders, never read",
            collect.verb,
            count - len(named),
        )


class _InboundRules:
    """What collect and the inbound listing leave out of ``inbound`` (see the module's
    docstring): past the bounds of :func:`_choose_inbound`, an entry that is not a folder, a
    name that cannot be read, a folder not owned by the user it names, an id no user has made
    by a student of the course. :meth:`_choose` first, then :meth:`_left_out_why` for each
    chosen folder, then :func:`_report_left_out`."""

    verb = "Not collected"

    def _skip(self, path: str, why: str) -> None:
        _warn(self.log, self.verb, path, why)

    def _choose(self) -> None:
        self._accounts = _Accounts()
        self._chosen = _choose_inbound(self, self.verb)
        names = {o: _user(o) for o in set(self._chosen.values())}
        self._students = self._roster() | {
            names[owner] for path, owner in self._chosen.items()
            if os.path.basename(path).rsplit("+", 3)[0] == names[owner]
        }  # fmt: skip
        self._left_out: list[tuple[bool, int, str, str]] = []
        self._claims: dict[str, int | None] = {}

    def _left_out_why(self, path) -> str | None:
        """Why the inbound folder ``path`` is left out, or None; a reason is kept for
        :func:`_report_left_out`."""
        owner = self._chosen.get(path, _UNLISTED)
        if owner is _UNLISTED:  # not read by _choose_inbound (a listing of every course)
            owner = self._accounts(_owner(path))
        parts = os.path.basename(path).rsplit("+", 3)
        why = None
        try:
            if len(parts) < 3:
                raise ValueError
            parse_time(parts[2])
        except ValueError:
            why = "its name is not STUDENT+ASSIGNMENT+TIME+RANDOM with a readable time"
        else:
            why = id_problem(parts[0])
            why = f"the student id {why}" if why else None
            if why is None and self.check_owner:
                why = self._not_owned(
                    owner, parts[0], self._students, getattr(self, "_claims", None)
                )
        if why is not None:
            self._left_out.append((why.startswith("names the student"), owner, path, why))
        return why

    def _roster(self) -> set[str]:
        """The students the gradebook knows (none if it cannot be read), and those with a
        folder in ``submitted/`` (review 69: a student collected before the roster was
        filled, their own inbound folder renamed since, had made ids collected again)."""
        known: set[str] = set()
        try:
            with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
                known = {student.id for student in gb.students}
        except Exception:  # (nbgrader's own init_src names a gradebook it cannot open)
            pass
        submitted = os.path.join(self.coursedir.root, self.coursedir.submitted_directory)
        try:
            with os.scandir(submitted) as entries:
                known |= {e.name for e in islice(entries, 100_000)}
        except OSError:
            pass
        return known

    @staticmethod
    def _not_owned(owner: int, student: str, students=frozenset(), claims=None) -> str | None:
        """Why the folder naming ``student`` and owned by the account ``owner`` is not
        collected, or None; ``claims``: the uids of the names looked up already (a name no
        user has costs a slow look-up, once)."""
        claims = {} if claims is None else claims
        if student not in claims:
            try:
                claims[student] = pwd.getpwnam(student).pw_uid
            except (KeyError, ValueError):  # ValueError: a NUL in the name
                claims[student] = None
        claimed = claims[student]
        if claimed is None:  # not a user of this machine: nbgrader's own warning
            maker = _user(owner)  # applies, unless a student of the course made it (review
            if maker in students:  # 68: one had made 10,000 ids, each collected and graded)
                return f"names {student}, who is not a user here, but is owned by {maker}"
            return None
        if owner == -1:  # gone or renamed since it was listed
            return "could not be read"
        if owner == claimed:
            return None
        return f"names the student {student} but is owned by {_user(owner)}"


class _DropLine(logging.Filter):
    """Drops the log lines that start with ``prefix``."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


class NoFollowCollect(_InboundRules, ExchangeCollect):
    """nbgrader's ``ExchangeCollect`` whose copy never follows a symbolic link (see the
    module's docstring); a submission it cannot copy whole is skipped, not the class."""

    def init_src(self):
        """nbgrader's ``init_src`` (each student's newest folder, or the newest before the
        due date with ``--before-duedate``), its records made only from the folders
        :func:`_choose_inbound` read: nbgrader's own globbed ``inbound`` again and made a
        record of every name (review 71 F5)."""
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        self._choose()
        newest: dict[str, list[dict]] = {}
        for path in sorted(self._chosen):
            record = self._path_to_record(path)
            if "left_out" not in record:
                newest.setdefault(record["username"], []).append(record)
        _report_left_out(self)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for records in newest.values():
            records = self._sort_by_timestamp(records)
            if self.duedate is not None and self.before_duedate:
                on_time = [r for r in records if r["timestamp"] <= self.duedate]
                records = on_time or records
            self.src_records.append(records[0])

    def _path_to_record(self, path):
        """nbgrader's record of the inbound folder ``path``, or a record marked ``left_out``
        when :meth:`_left_out_why` says so."""
        if self._left_out_why(path) is None:
            return super()._path_to_record(path)
        return {"username": ("left out", path), "filename": "", "left_out": True,
                "timestamp": datetime.datetime.min}  # fmt: skip

    def copy_files(self):
        """nbgrader's ``copy_files``, one record at a time: a record whose owner check or
        copy raises ``OSError`` (a folder renamed away or swapped for a link since it was
        read) is named and skipped, and the others are collected (review 71 F1: one
        student's renamed folder had stopped the collect of everyone after her)."""
        kept = []
        for record in self.src_records:
            dest = self.coursedir.format_path(
                self.coursedir.submitted_directory,
                record["username"],
                self.coursedir.assignment_id,
            )
            stamp = os.path.join(dest, "timestamp.txt")
            if os.path.lexists(stamp) and _read_time(stamp) is None:  # nbgrader would stop
                self._skip(
                    os.path.join(self.inbound_path, record["filename"]),
                    f"the copy collected before has a timestamp.txt that is not a time; "
                    f"remove {dest} to collect it again",
                )
                continue
            kept.append(record)
        if not kept:
            self.src_records = []
            super().copy_files()  # nbgrader's "No submissions" line
            return
        self.log.info(
            "Processing %d submissions of '%s' for course '%s'",
            len(kept),
            self.coursedir.assignment_id,
            self.coursedir.course_id,
        )
        quiet = _DropLine("Processing 1 submissions of")
        self.log.addFilter(quiet)
        try:
            for record in kept:
                self.src_records = [record]
                try:
                    super().copy_files()
                except OSError as error:
                    self._skip(
                        os.path.join(self.inbound_path, record["filename"]),
                        f"could not be read ({type(error).__name__}: {error.strerror})",
                    )
        finally:
            self.log.removeFilter(quiet)
            self.src_records = kept

    def _name_time(self, src: str, staged: str) -> None:
        """Write the inbound folder name's time as the staged ``timestamp.txt`` (nbgrader
        reads it at every later collect, and stopped the class's collect at one that was not
        a time)."""
        _write_stamp(staged, os.path.basename(src).rsplit("+", 3)[2])
        self.log.warning(
            "%s: timestamp.txt missing or not a time; the folder name's time is used", safe(src)
        )

    def _changed_after(self, src: str, staged: str, changed_ns: int) -> None:
        """Take the newest change time of the submission's files and folders as its time
        (written to the staged ``timestamp.txt``, which nbgrader's late penalty reads) when
        it is more than :data:`CHANGE_SKEW` seconds later than the time it records; named in
        a warning. Review 71 (F2): a submitted notebook rewritten in place after the due
        date (its modification time set back) had been collected with its on-time time."""
        claimed = _read_time(os.path.join(staged, "timestamp.txt"))
        utc = datetime.timezone.utc
        changed = datetime.datetime.fromtimestamp(changed_ns / 1e9, utc).replace(tzinfo=None)
        if claimed is None or changed - claimed <= datetime.timedelta(seconds=CHANGE_SKEW):
            return
        text = changed.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        _write_stamp(staged, text)
        self.log.warning(
            "%s: changed after its submit time: its time is %s UTC, but a file or folder of it "
            "changed at %s, more than %d s later (a change time cannot be set back); collected "
            "with %s as its time (if the exchange was restored from a backup that rewrote "
            "change times, every submission reads as changed)",
            safe(src),
            claimed.strftime("%Y-%m-%d %H:%M:%S.%f"),
            text,
            CHANGE_SKEW,
            text,
        )

    def do_copy(self, src, dest, log=None):
        most = 1000 * self.coursedir.max_dir_size  # nbgrader's limit, in kB
        staging = tempfile.mkdtemp(prefix=".collect-", dir=os.path.dirname(dest))
        staged = os.path.join(staging, "submission")
        try:
            try:
                copied = copy_tree_nofollow(src, staged, most)
            except NotADirectoryError:
                self._skip(src, "a symbolic link or not a folder (never followed)")
                return
            except (ValueError, OSError) as error:  # this submission only, not the class
                self._skip(src, f"not collected whole ({error})")
                return
            for path in copied.left_out:
                self._skip(
                    os.path.join(src, path), "a symbolic link or special file (never followed)"
                )
            if _read_time(os.path.join(staged, "timestamp.txt")) is None:
                self._name_time(src, staged)
            self._changed_after(src, staged, copied.changed_ns)
            try:
                super().do_copy(staged, dest, log)
            except (RuntimeError, OSError, RecursionError) as error:
                shutil.rmtree(dest, ignore_errors=True)
                self._skip(src, f"not collected whole ({error})")
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _write_stamp(folder: str, text: str) -> None:
    """Put ``text`` as the ``timestamp.txt`` of ``folder`` (a staged copy), in place of any
    entry of that name."""
    stamp = os.path.join(folder, "timestamp.txt")
    if os.path.isdir(stamp) and not os.path.islink(stamp):
        shutil.rmtree(stamp)
    elif os.path.lexists(stamp):
        os.remove(stamp)
    with open(stamp, "x", encoding="utf-8") as fh:
        fh.write(text)


class CheckedReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's ``release_feedback``, one student's feedback folder at a time: a folder
    whose ``timestamp.txt`` is not a time, or whose ``submission_secret.txt`` is missing, not
    a file or not one short line, is named in a warning and skipped (a student who deleted
    the secret from their own inbound folder had stopped the release for every student
    after them, and nbgrader prints the timestamp as it is)."""

    def copy_files(self):
        pattern = self.src_path
        try:
            for folder in sorted(glob.glob(pattern)):
                why = _unreleasable(folder)
                if why is not None:
                    _warn(self.log, "Feedback not released", folder, why)
                    continue
                self.src_path = glob.escape(folder)
                try:
                    super().copy_files()
                except (OSError, ValueError) as error:
                    _warn(self.log, "Feedback not released", folder, str(error))
        finally:
            self.src_path = pattern


class CheckedList(_InboundRules, ExchangeList):
    """nbgrader's ``ExchangeList`` (the course's ``ExchangeFactory.list``) that, listing
    ``inbound`` (``nbgrader list --inbound``), leaves out and names a folder it would read past
    a bound or print as something else: nbgrader reads a submission's
    ``submission_secret.txt`` whole, or without one each notebook whole, and prints folder
    names as they are. Review 68: a FIFO in one student's folder had hung the listing of the
    class, a 3 GB sparse secret had failed it with ``MemoryError``; review 69: an empty
    secret, or one not UTF-8, had failed it, 100 sparse notebooks of 99 MB without a secret
    had cost it 2 minutes, 20,000 empty folders 40,000 lines, and a name of terminal codes
    had printed a forged line; review 70: folders collect leaves out, made in another's
    name or under an invented id, had been listed as submissions; review 71: a folder of
    100,000 notebooks had been read (and listed, though collect refuses it). A folder is
    listed when collect would read it (:class:`_InboundRules`, the owner rules on), its name
    is printable, it is a folder (not a link) of at most :data:`MAX_ENTRIES` files and
    folders, and its secret is one printable line of at most 1,000 bytes; what is left out is
    named as collect names it, and counted past 20 lines an owner. With ``--remove``, a folder
    that cannot be removed whole is named and skipped, and the others are removed."""

    verb = "Not listed"
    check_owner = True  # (collect's own setting is CollectApp's)

    def init_dest(self):
        """nbgrader's, but ``inbound`` of a named course is read once, by
        :func:`_choose_inbound` (in :meth:`parse_assignments`), not globbed."""
        if self.inbound and self.coursedir.course_id:
            self.assignments = []
            self._read_inbound = True
        else:
            self._read_inbound = False
            super().init_dest()

    def parse_assignments(self):
        if self.inbound:
            self._choose()
            if getattr(self, "_read_inbound", False):
                self.assignments = sorted(self._chosen)
            kept = []
            for path in self.assignments:
                why = _unlistable(path)
                if why is not None:
                    self._left_out.append((False, self._accounts(_owner(path)), path, why))
                elif self._left_out_why(path) is None:
                    kept.append(path)
            self.assignments = kept
            _report_left_out(self)
        return super().parse_assignments()

    def remove_files(self):
        """nbgrader's ``remove_files``, each folder removed on its own: one that cannot be
        removed whole (a read-only folder of a student's inside it) is named and skipped
        (review 71 F4: it had stopped the removal of every folder after it)."""
        assignments = self.parse_assignments()
        if self.inbound or self.cached:
            self.log.info("Removing submitted assignments:")
            for assignment in assignments:
                for info in assignment["submissions"]:
                    self.log.info(self.format_inbound_assignment(info))
        else:
            self.log.info("Removing released assignments:")
            for info in assignments:
                self.log.info(self.format_outbound_assignment(info))
        for path in self.assignments:
            try:
                shutil.rmtree(path)
            except OSError as error:
                _warn(
                    self.log,
                    "Not removed",
                    path,
                    f"could not be removed whole ({error.strerror}: {error.filename}); "
                    "remove it as root",
                )
        return assignments


def _unlistable(folder: str) -> str | None:
    """Why ``nbgrader list --inbound`` should not read the inbound ``folder``, or None."""
    if safe(os.path.basename(folder)) != os.path.basename(folder):
        return "its name holds characters that are not printable"
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return "a symbolic link or not a folder (never followed)"
    except OSError as error:
        return f"could not be read ({error.strerror})"
    try:
        if _more_entries_than(folder, MAX_ENTRIES):
            return f"more than {MAX_ENTRIES} files and folders (collect takes none of it)"
    except OSError as error:
        return f"could not be read ({error.strerror})"
    if _line(os.path.join(folder, "submission_secret.txt"), 1000) is None:
        return "its submission_secret.txt is missing or not one printable line of 1,000 bytes"
    return None


def _more_entries_than(folder: str, most: int) -> bool:
    """Whether ``folder`` holds more than ``most`` files and folders at any depth (as
    :func:`copy_tree_nofollow` counts them), links never followed; reads no more than
    ``most + 1`` entries."""
    count = 0
    todo = [(folder, 0)]
    while todo:
        path, depth = todo.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                count += 1
                if count > most:
                    return True
                if depth + 1 < MAX_DEPTH and entry.is_dir(follow_symlinks=False):
                    todo.append((entry.path, depth + 1))
    return False


def _unreleasable(folder: str) -> str | None:
    if _read_time(os.path.join(folder, "timestamp.txt")) is None:
        return "timestamp.txt is missing or not a time"
    if _line(os.path.join(folder, "submission_secret.txt"), 1000) is not None:
        return None
    return "submission_secret.txt is missing or not one short line"


def claim_course_folder(exchange: str, course_id: str, instructors: list[str]) -> str:
    """Make the exchange's folder of the course (``EXCHANGE/COURSE_ID``) the first
    instructor's, mode 0755, before any student can make it; returns its path.

    Every student can write to the exchange (mode 1777, as nbgrader asks), and nbgrader
    makes the course's folder only at the first release: a student who made it first owned
    the course's ``outbound`` and ``inbound`` (classmates fetched her assignment and
    submitted into her folder, where she read their submissions) while the instructor's
    release failed ("You don't own the directory"). The hub's configuration calls this when
    the hub starts (as root). Raises ``SystemExit``, saying what to do, if the folder is a
    link, not a folder, or owned by someone who is not an instructor.
    """
    folder = os.path.join(exchange, course_id)
    try:
        os.mkdir(folder, 0o755)
    except FileExistsError:
        pass
    else:
        try:
            uid = pwd.getpwnam(instructors[0]).pw_uid
        except (IndexError, KeyError):
            os.rmdir(folder)
            raise SystemExit(
                f"no instructor who is a user of this machine to own {folder}"
            ) from None
        os.chown(folder, uid, -1)
        os.chmod(folder, 0o755)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise SystemExit(f"{folder} is a link or not a folder: remove it (as root)")
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = f"uid {info.st_uid}"
    if owner not in instructors:
        raise SystemExit(
            f"{folder} belongs to {owner}, not an instructor: whoever owns it receives the "
            "class's submissions; remove it (as root) and start the hub again"
        )
    return folder
