"""``resistlab grade --zip-collect``: nbgrader's archive extraction, bounded and made safe.

nbgrader's ``zip_collect`` unpacks every archive an LMS gave the instructor, and every archive
found inside one, whatever it holds: a 1 MB upload of a notebook padded with spaces became a
1 GiB notebook on disk, a setuid program in a tar archive stayed setuid, and one student's
archive holding a file and a folder of the same name stopped the collection of the whole
class. :class:`BoundedExtractor` does what nbgrader's ``ExtractorPlugin`` does (the same
folders, nested archives unpacked into their own folder), with its own extraction:

* what each archive declares is checked before anything is written: at most
  :data:`MAX_MEMBER_BYTES` per file, :data:`MAX_MEMBERS` files and folders (those the member
  names imply included), no file more than :data:`~.worker.MAX_DEPTH` levels deep or with a
  path longer than :data:`~.worker.MAX_PATH_BYTES` bytes, no name that leaves the folder, no
  name that is both a file and a folder, and no more than the extraction may still write
  (:data:`MAX_RATIO` times what was uploaded, at least :data:`MIN_ALLOWANCE`, and
  :data:`MAX_TOTAL_MEMBERS` files and folders, shared by all archives, nested ones included;
  and, for each upload with the archives nested in it, :data:`MAX_RATIO` times its own size,
  at least :data:`MIN_UPLOAD_ALLOWANCE`, and :data:`MAX_MEMBERS` files and folders);
* only regular files are written, with mode 0644 (no setuid, setgid or sticky bit, whoever
  made the archive), never through a link, and never more bytes than a member declares;
* the extraction may add at most :data:`~.worker.PARSE_MEMORY_BYTES` to the address space of
  nbgrader's process (``memory_bytes``): an archive whose reading needs more fails with a
  ``MemoryError``;
* an archive that fails a check, or whose extraction fails (a damaged archive, a name that
  meets an existing file, memory), is skipped whole (what it had written is removed) and reported
  (``Not extracted: ARCHIVE: WHY``); its students are not collected, everyone else's are.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tarfile
import zipfile

from nbgrader.plugins import ExtractorPlugin, FileNameCollectorPlugin
from traitlets import Integer, Unicode

from .memory import memory_bound
from .report import id_problem, safe
from .worker import MAX_DEPTH, MAX_NOTEBOOK_BYTES, MAX_PATH_BYTES, PARSE_MEMORY_BYTES

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_MEMBERS",
    "MIN_ALLOWANCE",
    "MIN_UPLOAD_ALLOWANCE",
    "BoundedExtractor",
    "CheckedCollector",
]

#: Largest file an archive may hold (the largest notebook the grader reads).
MAX_MEMBER_BYTES = MAX_NOTEBOOK_BYTES
#: Most one extraction may write, as a multiple of everything uploaded ...
MAX_RATIO = 20
#: ... and at least this much (bytes). The allowance is shared by all the archives of one
#: extraction, nested ones included.
MIN_ALLOWANCE = 256 * 2**20
#: Most files and folders one archive may make, and all the archives of one extraction together.
MAX_MEMBERS = 20_000
MAX_TOTAL_MEMBERS = 50_000
#: Each upload (a file of the archive folder, with the archives nested in it) may write at
#: most :data:`MAX_RATIO` times its own size, and at least this much (bytes), and at most
#: :data:`MAX_MEMBERS` files and folders: one upload cannot spend the allowance every upload
#: shares (a 268 KB upload of 256 MiB of zeros had left every upload after it unextracted).
MIN_UPLOAD_ALLOWANCE = 32 * 2**20
#: Most bytes of tar long-name and pax headers one archive may hold (``tarfile`` reads each
#: whole into memory: a 31 KB upload declared a 3 GiB name).
MAX_HEADER_BYTES = 2**20
_NAME_BYTES = 255  # the longest file name Linux file systems take
_CHUNK = 2**20


class _Plan:
    """What an archive would write: its regular files as (path parts, bytes, member), and
    the bytes it declares in all (a name given twice is read twice)."""

    def __init__(self, files: list[tuple[tuple[str, ...], int, object]], folders: int, bytes_):
        self.files, self.folders, self.bytes = files, folders, bytes_
        self.entries = len(files) + folders


_HEADER_TYPES = (*tarfile.GNU_TYPES, tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)


class _BoundedTarInfo(tarfile.TarInfo):
    """A tar header that refuses, before ``tarfile`` reads them into memory, long-name and
    pax headers past :data:`MAX_HEADER_BYTES` in all, and sparse members (GNU and pax)."""

    def _proc_member(self, archive):
        if self.type == tarfile.GNUTYPE_SPARSE:
            raise _TooMany("holds a sparse member")
        if self.type in _HEADER_TYPES:
            seen = getattr(archive, "_header_bytes", 0) + self.size
            archive._header_bytes = seen
            if seen > MAX_HEADER_BYTES:
                raise _TooMany(f"holds headers of more than {MAX_HEADER_BYTES} bytes")
        return super()._proc_member(archive)

    def _proc_gnusparse_00(self, *args):  # pax sparse formats 0.0, 0.1 and 1.0: the map is
        raise _TooMany("holds a sparse member")  # read (1.0: from the data) before any check

    _proc_gnusparse_01 = _proc_gnusparse_10 = _proc_gnusparse_00


class _TooMany(ValueError):
    pass


def _members(archive, most_bytes: int) -> list[tuple[str, int, object]]:
    """(name, declared bytes, member) of every regular file of an open zip or tar archive;
    an archive of more than :data:`MAX_MEMBERS` entries, or declaring more than
    ``most_bytes``, is not read further (``_TooMany``): reading a compressed tar's headers
    means decompressing everything before them."""
    if isinstance(archive, zipfile.ZipFile):
        entries = archive.infolist()  # the central directory: no larger than the archive
    else:
        entries, declared = [], 0
        while len(entries) <= MAX_MEMBERS and (member := archive.next()) is not None:
            entries.append(member)  # a tar's headers are read one by one, and no further
            declared += member.size
            if declared > most_bytes:
                raise _TooMany(f"declares more than {most_bytes / 2**20:.0f} MiB")
    if len(entries) > MAX_MEMBERS:
        raise _TooMany(f"holds more than {MAX_MEMBERS} entries")
    found = []
    for entry in entries:
        if isinstance(entry, zipfile.ZipInfo):
            kind = stat.S_IFMT(entry.external_attr >> 16)  # 0 when the zip names no type
            if not entry.is_dir() and kind in (0, stat.S_IFREG):  # links, devices: never
                found.append((entry.filename, entry.file_size, entry))
        elif entry.isfile():
            found.append((entry.name, entry.size, entry))
    return found


def _index_records(fh, end) -> int:
    """How many entry records a zip's index holds (at most), counted in the bytes
    ``zipfile`` reads as its index, without reading them into entries: the count the end
    record declares can be a lie (1 declared, 1.3 million read: 0.7 GB)."""
    size = end[zipfile._ECD_SIZE]
    start = end[zipfile._ECD_LOCATION] - size  # where zipfile finds the index
    if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
        start -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
    fh.seek(max(0, start))
    count, tail, left = 0, b"", size
    while left > 0 and (chunk := fh.read(min(left, 2**20))):
        left -= len(chunk)
        count += (tail + chunk).count(zipfile.stringCentralDir)
        tail = chunk[-3:]  # a signature split across two chunks
    return count


def _open(path: str):
    if zipfile.is_zipfile(path):
        with open(path, "rb") as fh:  # the entries, counted before the index is read
            end = zipfile._EndRecData(fh)
            held = max(end[zipfile._ECD_ENTRIES_TOTAL], _index_records(fh, end)) if end else 0
        if held > MAX_MEMBERS:
            raise _TooMany(f"holds {held} entries")
        return zipfile.ZipFile(path)
    try:
        return tarfile.open(path, tarinfo=_BoundedTarInfo)
    except tarfile.ReadError:
        raise ValueError("not a zip or tar archive") from None


def _plan(archive, where: str, depth: int, most_bytes: int) -> tuple[str, _Plan | None]:
    """Check what ``archive`` declares, to be written under ``where`` (already ``depth``
    folders below the extraction's top); returns ``(why not, None)`` or ``("", plan)``."""
    files: dict[tuple[str, ...], tuple[int, object]] = {}
    try:
        members = _members(archive, most_bytes)
    except _TooMany as err:
        return str(err), None
    declared = sum(size for _, size, _ in members)
    if declared > most_bytes:  # a zip's index is read whole; a tar stopped reading above
        return (
            f"expands to {declared / 2**20:.0f} MiB, past what this upload may still "
            f"write ({most_bytes / 2**20:.0f} MiB)"
        ), None
    for name, size, member in members:
        parts = tuple(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))
        if not parts or ".." in parts:
            return f"{name!r} is not a name inside the archive's folder", None
        if size > MAX_MEMBER_BYTES:
            limit = MAX_MEMBER_BYTES // 2**20
            return f"{name} expands to {size / 2**20:.0f} MiB (at most {limit} MiB per file)", None
        if depth + len(parts) > MAX_DEPTH:
            levels = depth + len(parts)
            return f"{name[:200]!r} lies {levels} levels deep (at most {MAX_DEPTH})", None
        full = os.fsencode(os.path.join(where, *parts))
        if len(full) > MAX_PATH_BYTES or any(len(os.fsencode(p)) > _NAME_BYTES for p in parts):
            return f"{name[:200]!r} makes a path longer than {MAX_PATH_BYTES} bytes", None
        files[parts] = (size, member)  # a name given twice: the last copy, as tar does
    folders = {parts[:i] for parts in files for i in range(1, len(parts))}
    clash = next((parts for parts in files if parts in folders), None)
    if clash:
        return f"{'/'.join(clash)!r} is both a file and a folder", None
    found = [(parts, size, member) for parts, (size, member) in files.items()]
    plan = _Plan(found, len(folders), declared)
    if plan.entries > MAX_MEMBERS:
        return f"holds {plan.entries} files and folders (at most {MAX_MEMBERS})", None
    return "", plan


def _folder(top: str, parts: tuple[str, ...], made: list[str]) -> str:
    """Make the folders ``top/parts...`` that are missing (recorded in ``made``); a part that
    exists and is not a folder (a file, a link) is an error, never followed."""
    path = top
    for part in parts:
        path = os.path.join(path, part)
        try:
            os.mkdir(path, 0o755)
            made.append(path)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                raise NotADirectoryError(f"{path} exists and is not a folder") from None
    return path


def _write(source, target: str, size: int | None, made: list[str]) -> None:
    """Copy the open binary stream ``source`` to a new regular file ``target`` (mode 0644),
    never through a link, and never more than ``size`` bytes."""
    try:
        if not stat.S_ISREG(os.lstat(target).st_mode):
            raise FileExistsError(f"{target} exists and is not a file")
    except FileNotFoundError:
        made.append(target)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(fd, 0o644)
        written = 0
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if size is not None and written > size:
                raise ValueError(f"{target}: more bytes than the archive declares")
            out.write(chunk)


def _undo(made: list[str]) -> None:
    for path in reversed(made):
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                os.rmdir(path)
            else:
                os.unlink(path)
        except OSError:
            pass


#: Where the plugins append what they skip (one JSON object a line: ``verb``, ``path``,
#: ``why``), for ``resistlab grade --zip-collect`` to name: read from nbgrader's log, a file
#: name holding a line break had forged skips there, and hidden a real one (review 66).
SKIP_RECORD_HELP = "A file to which each archive or file skipped is appended, as JSON."


def _skipped(plugin, verb: str, path: str, why: str) -> None:
    """Log that ``path`` was not ``verb`` (extracted, collected) and why, with every character
    that is not printable escaped, and append it to the plugin's ``skip_record``."""
    plugin.log.warning("Not %s: %s: %s", verb, safe(path), safe(why))
    if plugin.skip_record:
        with open(plugin.skip_record, "a", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(json.dumps({"verb": verb, "path": path, "why": why}) + "\n")


class BoundedExtractor(ExtractorPlugin):
    """nbgrader's ``ExtractorPlugin``, with the checks and the safe extraction described in
    :mod:`resistlab.course.grading.zipcollect`.

    Examples
    --------
    >>> import logging, os, tempfile, zipfile
    >>> top = tempfile.mkdtemp()
    >>> os.mkdir(f"{top}/archive")
    >>> with zipfile.ZipFile(f"{top}/archive/alice_upload.zip", "w") as zf:
    ...     zf.writestr("alice_01.ipynb", "{}")
    >>> with zipfile.ZipFile(f"{top}/archive/mallory_upload.zip", "w") as zf:
    ...     zf.writestr("a", "a file")
    ...     zf.writestr("a/b", "and a folder of the same name")
    >>> log = logging.getLogger("zipcollect-example")
    >>> BoundedExtractor(log=log).extract(f"{top}/archive", f"{top}/extracted")
    >>> sorted(os.listdir(f"{top}/extracted"))
    ['alice_upload']
    """

    def _unpack(self, archive: str, top: str, parent: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Extract ``archive`` into its own folder in ``top/parent``; returns the files written
        (as parts below ``top``), or none when the archive is skipped."""
        stem = os.path.splitext(os.path.basename(archive))[0]
        inner, ext2 = os.path.splitext(stem)
        own = (*parent, inner if ext2 == ".tar" else stem)
        made: list[str] = []
        try:
            with _open(archive) as opened:
                most = min(self._left, self._upload_left)
                why, plan = _plan(opened, os.path.join(top, *own), len(own), most)
                if not why and plan.entries > self._entries_left:
                    why = (
                        f"holds {plan.entries} files and folders, past the {MAX_TOTAL_MEMBERS} "
                        "of all archives together"
                    )
                if not why and plan.entries > self._upload_entries_left:
                    why = (
                        f"holds {plan.entries} files and folders, past the {MAX_MEMBERS} of "
                        "one upload and the archives nested in it"
                    )
                if why:
                    _skipped(self, "extracted", archive, why)
                    return []
                self._left -= plan.bytes
                self._upload_left -= plan.bytes
                self._entries_left -= plan.entries
                self._upload_entries_left -= plan.entries
                read = opened.open if isinstance(opened, zipfile.ZipFile) else opened.extractfile
                written = []
                for parts, size, member in plan.files:
                    folder = _folder(top, own + parts[:-1], made)
                    with read(member) as source:
                        _write(source, os.path.join(folder, parts[-1]), size, made)
                    written.append(own + parts)
                return written
        except Exception as err:  # damaged, encrypted, or a name that meets an existing file
            _undo(made)
            _skipped(self, "extracted", archive, f"{type(err).__name__}: {err}")
            return []

    #: Address space the extraction may add to nbgrader's process: past it, the archive being
    #: read fails with a ``MemoryError`` and is skipped (see :func:`~.memory.memory_bound`).
    memory_bytes = Integer(PARSE_MEMORY_BYTES)
    skip_record = Unicode("", help=SKIP_RECORD_HELP).tag(config=True)

    def extract(self, archive_path: str, extracted_path: str) -> None:
        if not os.listdir(archive_path):
            self.log.warning("No files found in directory: %s", safe(archive_path))
            return
        with memory_bound(self.memory_bytes):
            self._extract(archive_path, extracted_path)

    def _extract(self, archive_path: str, extracted_path: str) -> None:
        uploaded = sum(
            os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(archive_path) for f in fs
        )
        self._left = max(MIN_ALLOWANCE, MAX_RATIO * uploaded)  # for every archive, nested too
        self._entries_left = MAX_TOTAL_MEMBERS
        os.makedirs(extracted_path, exist_ok=True)
        for root, _, files in os.walk(archive_path):
            rel = os.path.relpath(root, archive_path)
            parent = () if rel == "." else tuple(rel.split(os.sep))
            for name in sorted(files):
                source = os.path.join(root, name)
                if os.path.splitext(name)[1] not in self.zip_ext:
                    self._copy(source, extracted_path, parent)
                    continue
                own_size = os.path.getsize(source)  # this upload's own allowance
                self._upload_left = max(MIN_UPLOAD_ALLOWANCE, MAX_RATIO * own_size)
                self._upload_entries_left = MAX_MEMBERS
                queue = self._unpack(source, extracted_path, parent)
                while queue:  # archives inside the archive, as nbgrader's unzip(tree=True) does
                    parts = queue.pop(0)
                    if os.path.splitext(parts[-1])[1] in self.zip_ext:
                        nested = os.path.join(extracted_path, *parts)
                        queue += self._unpack(nested, extracted_path, parts[:-1])

    def _copy(self, source: str, top: str, parent: tuple[str, ...]) -> None:
        """Copy an uploaded file that is not an archive (a regular file only, mode 0644)."""
        made: list[str] = []
        try:
            if not stat.S_ISREG(os.lstat(source).st_mode):
                raise ValueError("not a regular file")
            folder = _folder(top, parent, made)
            with open(source, "rb") as fh:
                _write(fh, os.path.join(folder, os.path.basename(source)), None, made)
        except Exception as err:
            _undo(made)
            _skipped(self, "extracted", source, f"{type(err).__name__}: {err}")


#: A date and time written with dashes only, as in nbgrader's example LMS names
#: (``..._attempt_2016-01-30-15-00-00_...``), which dateutil misreads (``10-30-00`` as
#: 10:00) or cannot read (``10-15-30``): read as ``DATE HH:MM[:SS]``.
_DASHED_TIME = re.compile(
    r"(\d{4}-\d{1,2}-\d{1,2})[-_T ](\d{1,2})-(\d{1,2})(?:-(\d{1,2}(?:\.\d+)?))?"
)


class CheckedCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector, with checks that keep one upload from deciding
    another student's collection or its own time:

    * a file inside folders below the extraction folder (an archive unpacked into its own
      folder, nested ones too) counts only for the student the LMS names those folders after:
      each enclosing folder whose name the course's ``named_regexp`` reads (its shortest
      ``_``-separated prefix followed by ``_NOTEBOOK``, so that the part of an upload's name
      the student chose cannot decide the reading; else as it is, or with ``.ipynb``
      appended) must name the student the file claims, or the file is skipped; and the
      file's timestamp is the one the outermost such folder carries (the LMS's name of the
      upload, with the time the LMS gave it), not one the file's own name or a folder inside
      the upload claims;
    * a file's own name is read the same way (a plain upload, or one at the top of a
      class-wide archive, is named by the LMS too): its shortest ``_``-separated prefix
      followed by ``_NOTEBOOK`` first, so that the name the student gave the file cannot make
      it another student's, or give it an earlier time (with nbgrader's example
      ``named_regexp``, whose ``.+`` is greedy, the last ``_ID_attempt_TIME_`` of the name
      had won);
    * a file whose student id :func:`~resistlab.course.grading.report.id_problem` refuses
      is skipped (nbgrader's ``export`` writes ids unquoted);
    * a time written with dashes only (:data:`_DASHED_TIME`, nbgrader's example naming) is
      read as that date and time; a file whose timestamp cannot be read is skipped
      (nbgrader stops the whole collection);
    * a second file for the same student and notebook, when either has no timestamp to choose
      between them, is skipped (nbgrader stops the whole collection).

    Each skipped file is logged as ``Not collected: PATH: WHY``.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._first: dict[tuple[str, str], str] = {}  # (student, notebook) -> first file
        self._stamped: set[str] = set()  # students with a timestamped file
        self._paths: dict[str, set[str]] = {}  # student -> files and folders collected

    def _folder_claim(self, folder: str, notebook: str):
        """(student id, timestamp) the regexp reads from a folder's name, or None.

        The LMS names an upload ``PREFIX_NAME`` where the student chose ``NAME`` (which can
        keep the regexp from reading the whole, or make it read another student): the name
        is read first as its shortest ``_``-separated prefix followed by ``_NOTEBOOK``, then
        as it is and with ``.ipynb`` appended."""
        parent, base = os.path.split(folder)
        parts = base.split("_")
        names = [
            os.path.join(parent, "_".join([*parts[:k], notebook])) for k in range(1, len(parts))
        ]
        for name in (*names, folder, folder + ".ipynb"):
            match = re.match(self.named_regexp, name)
            if match and match.groupdict().get("student_id"):
                return match.group("student_id"), match.groupdict().get("timestamp")
        return None

    def _extraction_root(self) -> str | None:
        """The extraction folder of this run (absolute), as nbgrader's app formats it."""
        fmt = getattr(self.parent, "_format_collect_path", None)
        try:
            return os.path.abspath(fmt(self.parent.extracted_directory)) if fmt else None
        except Exception:
            return None

    def _is_root(self, folder: str, root: str | None) -> bool:
        # without the app's path, the first folder named like the extraction folder (a
        # folder of that name inside an upload would end the walk early)
        if root is not None:
            return folder == root
        return os.path.basename(folder) == getattr(self.parent, "extracted_directory", "extracted")

    def _misplaced(self, student: str, name: str) -> str | None:
        """Why the file ``name`` (a path in the student's submitted folder) cannot be
        copied there, or None (it is then recorded). nbgrader's copy of a file to a path
        that another file of the student's needs as a folder, or the reverse, had raised
        and stopped the collection of everyone after her."""
        parts = name.split("/")
        if os.path.isabs(name) or any(p in ("", ".", "..") for p in parts):
            return f"its name {name!r} is not a path inside the student's folder"
        if name == "timestamp.txt":
            return "timestamp.txt is written from the upload's time, not taken from it"
        paths = self._paths.setdefault(student, set())
        folders = ["/".join(parts[:k]) + "/" for k in range(1, len(parts))]
        if name + "/" in paths or any(folder[:-1] in paths for folder in folders):
            return f"{name} and another file of {student}'s need the same path as file and folder"
        paths.update([name, *folders])
        return None

    skip_record = Unicode("", help=SKIP_RECORD_HELP).tag(config=True)

    def _skip(self, path: str, why: str) -> None:
        _skipped(self, "collected", path, why)

    def collect(self, submitted_file: str):
        info = super().collect(submitted_file)
        if not info:  # (nbgrader then logs the name as it is: only the record is read)
            why = "the course's FileNameCollectorPlugin.named_regexp does not read its name"
            if os.path.splitext(submitted_file)[1] not in self.valid_ext:
                why = f"its extension is not in FileNameCollectorPlugin.valid_ext {self.valid_ext}"
            self._skip(submitted_file, why)
            return None
        folder, upload_time = os.path.dirname(os.path.abspath(submitted_file)), None
        root = self._extraction_root()
        notebook = os.path.splitext(info["file_id"])[0] + os.path.splitext(submitted_file)[1]
        # the file's own name too (a plain upload, or one in a class-wide archive, is named
        # PREFIX_NAME by the LMS, NAME the student's); inside an upload's folder the folders'
        # claims below decide
        claim = self._folder_claim(submitted_file, notebook)
        if claim and claim != (info["student_id"], info.get("timestamp")):
            self.log.info(
                "Read %s as %s's, at %s (the whole name reads %s's, at %s)",
                safe(submitted_file),
                claim[0],
                claim[1],
                info["student_id"],
                info.get("timestamp"),
            )
            info["student_id"], info["timestamp"] = claim
        why = id_problem(str(info.get("student_id", "")))
        if why:  # nbgrader's export writes ids unquoted: a line break forged another's row
            self._skip(submitted_file, f"the student id {why}")
            return None
        while folder != os.path.dirname(folder) and not self._is_root(folder, root):
            claim = self._folder_claim(folder, notebook)
            if claim and claim[0] != info["student_id"]:
                self._skip(submitted_file, f"inside {folder}, which names another student")
                return None
            if claim:  # the outermost folder's (the upload's LMS name) is kept
                upload_time = claim[1]
            folder = os.path.dirname(folder)
        if upload_time:
            info["timestamp"] = upload_time
        stamp = info.get("timestamp")
        if isinstance(stamp, str) and _DASHED_TIME.fullmatch(stamp):
            date, hours, minutes, seconds = _DASHED_TIME.fullmatch(stamp).groups()
            stamp = f"{date} {hours}:{minutes}" + (f":{seconds}" if seconds else "")
            info["timestamp"] = stamp
        if isinstance(stamp, str) and stamp:
            from resistlab.course.exchange import parse_time

            try:
                parse_time(stamp, stored=False)  # (a zone never a path; any failure a ValueError)
            except ValueError:
                self._skip(submitted_file, "unreadable timestamp")
                return None
        else:
            stamp = None
        name, student = notebook, info["student_id"]
        why = self._misplaced(student, name)
        if why:
            self._skip(submitted_file, why)
            return None
        # nbgrader compares a duplicate's timestamp with the newest of the student's files,
        # and stops the whole collection when either is missing
        first = self._first.setdefault((student, name), submitted_file)
        if first != submitted_file and (stamp is None or student not in self._stamped):
            self._skip(
                submitted_file,
                f"a second {name} for {student} (the first: {first}), with no timestamp to "
                "choose between them",
            )
            return None
        if stamp is not None:
            self._stamped.add(student)
        return info
