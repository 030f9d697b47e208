"""``resistlab grade --zip-collect``: nbgrader's archive extraction, bounded.

nbgrader's ``zip_collect`` unpacks every archive an LMS gave the instructor, and every archive
found inside one, whatever it expands to: a 1 MB upload of a notebook padded with spaces became
a 1 GiB notebook on disk. :class:`BoundedExtractor` does what nbgrader's ``ExtractorPlugin``
does, but first reads what each archive declares (the uncompressed size of every member, which
is also where extraction stops: zip and tar readers write no more than the declared size) and
skips an archive with a member above :data:`MAX_MEMBER_BYTES`, or that expands to more than
:data:`MAX_RATIO` times its own size (and at least :data:`MIN_ALLOWANCE`). A skipped archive is
reported; its students are not collected, everyone else's are.
"""

from __future__ import annotations

import os
import re
import shutil
import tarfile
import zipfile

from nbgrader.plugins import ExtractorPlugin, FileNameCollectorPlugin
from nbgrader.utils import parse_utc, unzip

from .worker import MAX_NOTEBOOK_BYTES

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_MEMBERS",
    "MIN_ALLOWANCE",
    "BoundedExtractor",
    "CheckedCollector",
    "archive_problem",
]

#: Largest file an archive may hold (the largest notebook the grader reads).
MAX_MEMBER_BYTES = MAX_NOTEBOOK_BYTES
#: Most an archive may expand to, as a multiple of its own size ...
MAX_RATIO = 20
#: ... and at least this much (bytes), whatever its size. The allowance is shared by all the
#: archives of one extraction, nested ones included.
MIN_ALLOWANCE = 256 * 2**20
#: Most files one archive may hold, and all the archives of one extraction together.
MAX_MEMBERS = 20_000
MAX_TOTAL_MEMBERS = 50_000


def _members(path: str) -> list[tuple[str, int]]:
    """(name, uncompressed bytes) of every file of the zip or tar archive ``path``."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [(i.filename, i.file_size) for i in archive.infolist() if not i.is_dir()]
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            return [(m.name, m.size) for m in archive.getmembers() if m.isfile()]
    raise ValueError("not a zip or tar archive")


def archive_problem(path) -> str:
    """Why the archive at ``path`` must not be extracted, or ``""``.

    Examples
    --------
    >>> import io, tempfile, zipfile
    >>> folder = tempfile.mkdtemp()
    >>> with zipfile.ZipFile(f"{folder}/ok.zip", "w") as zf:
    ...     zf.writestr("alice_01.ipynb", "{}")
    >>> archive_problem(f"{folder}/ok.zip")
    ''
    >>> with zipfile.ZipFile(f"{folder}/bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
    ...     zf.writestr("mallory_01.ipynb", " " * (65 * 2**20))
    >>> archive_problem(f"{folder}/bomb.zip")
    'mallory_01.ipynb expands to 65 MiB (at most 64 MiB per file)'
    """
    return _check(str(path))[0]


def _check(path: str) -> tuple[str, list[tuple[str, int]]]:
    """:func:`archive_problem` and the members it read (none when the archive is unreadable)."""
    try:
        members = _members(path)
    except Exception as err:  # a damaged archive: nbgrader would fail on it too
        return f"unreadable archive ({type(err).__name__})", []
    if len(members) > MAX_MEMBERS:
        return f"holds {len(members)} files (at most {MAX_MEMBERS})", members
    for name, size in members:
        if size > MAX_MEMBER_BYTES:
            limit = MAX_MEMBER_BYTES // 2**20
            why = f"{name} expands to {size / 2**20:.0f} MiB (at most {limit} MiB per file)"
            return why, members
    total, own = sum(size for _, size in members), os.path.getsize(path)
    allowance = max(MIN_ALLOWANCE, MAX_RATIO * own)
    if total > allowance:
        why = (
            f"expands to {total / 2**20:.0f} MiB, more than {allowance / 2**20:.0f} MiB for an "
            f"archive of {own / 2**20:.1f} MiB"
        )
        return why, members
    return "", members


class BoundedExtractor(ExtractorPlugin):
    """nbgrader's ``ExtractorPlugin`` that checks every archive (nested ones included) with
    :func:`archive_problem` before it unpacks it, and skips the ones that fail."""

    def _unpack(self, archive: str, dest: str) -> bool:
        why, members = _check(archive)  # the archive's index is read once
        size, count = sum(n for _, n in members), len(members)
        if not why and size > self._left:
            why = (
                f"expands to {size / 2**20:.0f} MiB, past what this extraction may still "
                f"write ({self._left / 2**20:.0f} MiB)"
            )
        if not why and count > self._files_left:
            why = f"holds {count} files, past the {MAX_TOTAL_MEMBERS} of all archives together"
        if why:
            self.log.warning("Not extracted: %s: %s", archive, why)
            return False
        self._left -= size
        self._files_left -= count
        unzip(archive, dest, zip_ext=self.zip_ext, create_own_folder=True, tree=False)
        return True

    def extract(self, archive_path: str, extracted_path: str) -> None:
        if not os.listdir(archive_path):
            self.log.warning("No files found in directory: %s", archive_path)
            return
        uploaded = sum(
            os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(archive_path) for f in fs
        )
        self._left = max(MIN_ALLOWANCE, MAX_RATIO * uploaded)  # for every archive, nested too
        self._files_left = MAX_TOTAL_MEMBERS
        for root, _, files in os.walk(archive_path):
            if not files:
                continue
            extract_to = os.path.normpath(
                os.path.join(extracted_path, os.path.relpath(root, archive_path))
            )
            os.makedirs(extract_to, exist_ok=True)
            for name in files:
                source = os.path.join(root, name)
                stem, ext = os.path.splitext(name)
                if ext not in self.zip_ext:
                    shutil.copy(source, os.path.join(extract_to, name))
                    continue
                if not self._unpack(source, extract_to):
                    continue
                # archives inside the archive, as nbgrader's unzip(tree=True) does, each checked
                inner, ext2 = os.path.splitext(stem)
                folder = os.path.join(extract_to, inner if ext2 == ".tar" else stem)
                done: set[str] = set()
                while True:
                    found = [
                        os.path.join(r, f)
                        for r, _, fs in os.walk(folder)
                        for f in fs
                        if os.path.splitext(f)[1] in self.zip_ext
                        and os.path.join(r, f) not in done
                    ]
                    if not found:
                        break
                    for nested in found:
                        done.add(nested)
                        self._unpack(nested, os.path.dirname(nested))


class CheckedCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector, with two checks: a file whose timestamp cannot be read
    is skipped with a warning (nbgrader stops the whole collection on it), and a file inside a
    folder whose own name names another student (an archive a student uploaded, unpacked into
    its own folder) is skipped: a student cannot submit in another student's name."""

    def collect(self, submitted_file: str):
        info = super().collect(submitted_file)
        if not info:
            return info
        stamp = info.get("timestamp")
        if isinstance(stamp, str) and stamp:
            try:
                parse_utc(stamp)
            except (ValueError, OverflowError):
                self.log.warning("Not collected: %s: unreadable timestamp", submitted_file)
                return None
        top = getattr(self.parent, "extracted_directory", "extracted")
        folder = os.path.dirname(submitted_file)
        while folder and folder != os.path.dirname(folder) and os.path.basename(folder) != top:
            match = re.match(self.named_regexp, folder)
            if match and match.groupdict().get("student_id") not in (None, info["student_id"]):
                self.log.warning(
                    "Not collected: %s: inside %s, which names another student",
                    submitted_file,
                    folder,
                )
                return None
            folder = os.path.dirname(folder)
        return info
