"""``--zip-collect``'s extraction (``resistlab.course.grading.zipcollect``), archive by archive.

Each test builds the LMS download folder an instructor would get, with one student's upload
shaped to stop, flood or escape the extraction, and an honest upload beside it: the honest
one is extracted, the other skipped whole with a message naming it and why.
"""

from __future__ import annotations

import io
import logging
import os
import stat
import tarfile
import zipfile

import pytest

from resistlab.course.grading import zipcollect


def _extract(archive, extracted, **traits):
    """Run the extractor as ``nbgrader zip_collect`` does; returns the warnings it logged."""
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    log = logging.getLogger(f"zipcollect-test-{id(lines)}")
    log.addHandler(Keep())
    zipcollect.BoundedExtractor(log=log, **traits).extract(str(archive), str(extracted))
    return lines


def _tar(members) -> bytes:
    """A .tar.gz of ``members``: (TarInfo fields, data) pairs."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for fields, data in members:
            info = tarfile.TarInfo(fields.pop("name"))
            for key, value in fields.items():
                setattr(info, key, value)
            info.size = len(data) if info.isreg() else 0
            tf.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def _zip(members) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def folders(tmp_path):
    archive, extracted = tmp_path / "archive", tmp_path / "extracted"
    archive.mkdir()
    extracted.mkdir()
    (archive / "alice_upload.zip").write_bytes(_zip([("alice_01.ipynb", "{}")]))
    return archive, extracted


def _honest_extracted(extracted):
    return (extracted / "alice_upload" / "alice_01.ipynb").read_text() == "{}"


def test_setuid_links_and_devices_in_an_archive_are_never_made(folders):
    """Review 5 #1: a setuid-root program in a nested .tar.gz stayed setuid in ``extracted/``
    (run by any user, it ran as root). Files are written 0644; links and devices not at all."""
    archive, extracted = folders
    inner = _tar([
        ({"name": "idtool", "mode": 0o6755, "uid": 0}, b"\x7fELF"),
        ({"name": "sticky", "mode": 0o1777}, b"x"),
        ({"name": "passwd", "type": tarfile.LNKTYPE, "linkname": "/etc/passwd"}, b""),
        ({"name": "etc", "type": tarfile.SYMTYPE, "linkname": "/etc"}, b""),
        ({"name": "zero", "type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 5}, b""),
        ({"name": "fifo", "type": tarfile.FIFOTYPE}, b""),
    ])  # fmt: skip
    (archive / "mallory_upload.zip").write_bytes(_zip([("tools.tar.gz", inner)]))
    _extract(archive, extracted)
    assert _honest_extracted(extracted)
    made = {p.name: p.lstat().st_mode for p in extracted.rglob("*")}
    assert {"idtool", "sticky"} <= set(made)
    assert not {"passwd", "etc", "zero", "fifo"} & set(made), sorted(made)
    for name, mode in made.items():
        assert stat.S_ISREG(mode) or stat.S_ISDIR(mode), name
        assert not mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX), (name, oct(mode))
        assert stat.S_ISDIR(mode) or stat.S_IMODE(mode) == 0o644, (name, oct(mode))


@pytest.mark.parametrize(
    "shape",
    ["file_and_folder_zip", "file_and_folder_tar", "zip_symlink_then_member", "deep", "long"],
)
def test_an_archive_that_cannot_be_extracted_is_skipped_and_the_class_collected(folders, shape):
    """Review 5 #2 and #19: each of these stopped ``nbgrader zip_collect`` for the whole class
    (FileExistsError, NotADirectoryError, RecursionError, ENAMETOOLONG). Now the archive is
    skipped whole, named with the reason, and nothing of it is left."""
    archive, extracted = folders
    if shape == "file_and_folder_zip":
        upload = _zip([("a", "x"), ("a/b", "y")])
        why = "'a' is both a file and a folder"
    elif shape == "file_and_folder_tar":
        upload = _zip([("t.tar.gz", _tar([({"name": "a"}, b"x"), ({"name": "a/b"}, b"y")]))])
        why = "'a' is both a file and a folder"
    elif shape == "zip_symlink_then_member":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            link = zipfile.ZipInfo("lnk")
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(link, "/etc")
            zf.writestr("lnk/hostname_copy", "x")
        upload, why = buffer.getvalue(), None  # the link is not made; the file is, in a folder
    elif shape == "deep":
        upload = _zip([("t.tar.gz", _tar([({"name": "a/" * 1200 + "f"}, b"x")]))])
        why = "levels deep (at most 16)"
    else:
        name = "/".join(["d" * 255] * 12) + "/f"  # 3,000 bytes in 14 levels
        upload = _zip([("t.tar.gz", _tar([({"name": name}, b"x")]))])
        why = "makes a path longer than 3000 bytes"
    (archive / "mallory_upload.zip").write_bytes(upload)
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    if why is None:
        assert (extracted / "mallory_upload" / "lnk" / "hostname_copy").read_text() == "x"
        assert not any(p.is_symlink() for p in extracted.rglob("*"))
        return
    assert any(line.startswith("Not extracted: ") and why in line for line in log), log
    left = [p for p in (extracted / "mallory_upload").rglob("*") if p.is_file()]
    assert all(p.suffix == ".gz" for p in left), left  # only the nested archive itself


def test_a_plain_upload_and_an_archive_of_the_same_name_stop_nobody(folders):
    """Review 5 #2a: ``x_notes`` and ``x_notes.zip`` uploaded by one student (the archive's
    folder would replace the file) stopped the collection of everyone."""
    archive, extracted = folders
    (archive / "mallory_notes").write_text("plain")
    (archive / "mallory_notes.zip").write_bytes(_zip([("mallory_01.ipynb", "{}")]))
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    assert (extracted / "mallory_notes").read_text() == "plain"
    assert any("mallory_notes.zip" in line and "not a folder" in line for line in log), log


def test_folders_implied_by_member_names_count_against_the_caps(folders, monkeypatch):
    """Review 5 #6: 1,000 members 100 folders deep (a 45 KB upload) made 102,008 inodes: the
    caps counted members only. Folders the names imply count now (small caps here)."""
    archive, extracted = folders
    monkeypatch.setattr(zipcollect, "MAX_MEMBERS", 100)
    names = [f"d{i}/" + "a/" * 13 + "f" for i in range(10)]  # 10 files, 140 folders
    (archive / "mallory_upload.zip").write_bytes(_zip([(n, "") for n in names]))
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    assert any("holds 150 files and folders (at most 100)" in line for line in log), log
    assert not (extracted / "mallory_upload").exists()


def test_a_damaged_archive_leaves_nothing_half_written(folders):
    """An archive that fails part-way (here: a member whose data do not match its checksum)
    is removed whole: the files it had written before are gone."""
    archive, extracted = folders
    upload = bytearray(_zip([("first.txt", "fine"), ("second.txt", "x" * 100)]))
    at = upload.rindex(b"x" * 100)
    upload[at] = ord("y")  # the stored data no longer match their CRC
    (archive / "mallory_upload.zip").write_bytes(bytes(upload))
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    assert not (extracted / "mallory_upload").exists(), list((extracted).rglob("*"))
    assert any("mallory_upload.zip: BadZipFile" in line for line in log), log


def test_files_are_counted_across_all_archives(folders, monkeypatch):
    """Review 4 #6: ten archives of 19,990 empty files each (under the per-archive cap) made
    200,000 files; the files of one extraction are counted together (a small cap here)."""
    archive, extracted = folders
    monkeypatch.setattr(zipcollect, "MAX_TOTAL_MEMBERS", 50)
    for k in range(3):
        upload = _zip([(f"f{i}.txt", "") for i in range(20)])
        (archive / f"upload{k}.zip").write_bytes(upload)
    log = _extract(archive, extracted)
    files = [p for p in extracted.rglob("*") if p.is_file()]
    assert len(files) == 41, len(files)  # alice's and two of the three uploads
    assert any("past the 50 of all archives together" in line for line in log), log


def test_a_tar_of_too_many_headers_is_not_read_to_its_end(folders, monkeypatch):
    """A tar of many small headers is refused after :data:`MAX_MEMBERS` of them, not listed
    whole in memory first."""
    archive, extracted = folders
    monkeypatch.setattr(zipcollect, "MAX_MEMBERS", 30)
    upload = _tar([({"name": f"f{i}"}, b"") for i in range(1000)])
    (archive / "mallory_upload.tar.gz").write_bytes(upload)
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    assert any("holds more than 30 entries" in line for line in log), log
    assert os.listdir(extracted) == ["alice_upload"]


def test_a_name_given_again_and_again_is_counted_each_time(folders, monkeypatch):
    """Review 6 #2: 2,000 tar members all named ``f``, 63 MiB each (a 290 KB upload), were
    each decompressed and written over the last: the collection ran for hours. Every member's
    declared size counts, and reading stops at the allowance (small here)."""
    archive, extracted = folders
    monkeypatch.setattr(zipcollect, "MIN_ALLOWANCE", 4000)
    monkeypatch.setattr(zipcollect, "MAX_RATIO", 1)
    upload = _tar([({"name": "f"}, bytes(1000)) for _ in range(50)])
    (archive / "mallory_upload.tar.gz").write_bytes(upload)
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    assert any("mallory_upload.tar.gz: declares more than" in line for line in log), log
    assert os.listdir(extracted) == ["alice_upload"]


@pytest.mark.parametrize("form", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_name_headers_are_refused_before_they_are_read(folders, monkeypatch, form):
    """Review 6 #3: a GNU long-name or pax header declaring 3 GiB (a 31 KB upload) was read
    whole into memory (6.2 GB). Such headers are refused past a small total (1 KB here)."""
    archive, extracted = folders
    monkeypatch.setattr(zipcollect, "MAX_HEADER_BYTES", 1000)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=form) as tf:
        info = tarfile.TarInfo("n" * 2000)
        tf.addfile(info, io.BytesIO(b""))
    (archive / "mallory_upload.tar.gz").write_bytes(buffer.getvalue())
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    assert any("holds headers of more than 1000 bytes" in line for line in log), log


@pytest.mark.parametrize("version", ["0.0", "0.1", "1.0"])
def test_pax_sparse_members_are_refused_before_their_map_is_read(folders, version):
    """Review 7 #1 and #3: pax sparse members (formats 0.0, 0.1 and 1.0) were extracted; the
    1.0 map, read from the member's data, declared 20 million entries in a 13 KB upload and
    took 3.8 GB before any check saw the member."""
    archive, extracted = folders
    pax = {
        "0.0": {"GNU.sparse.size": "10", "GNU.sparse.numblocks": "1", "GNU.sparse.offset": "0",
                "GNU.sparse.numbytes": "1"},
        "0.1": {"GNU.sparse.size": "10", "GNU.sparse.map": "0,1"},
        "1.0": {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.realsize": "1",
                "GNU.sparse.name": "f"},
    }[version]  # fmt: skip
    data = b"1\n0\n1\n".ljust(512, b"\0") + b"x" if version == "1.0" else b"x"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("f")
        info.size = len(data)
        info.pax_headers = pax
        tf.addfile(info, io.BytesIO(data))
    (archive / "mallory_upload.tar.gz").write_bytes(buffer.getvalue())
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    assert any("holds a sparse member" in line for line in log), log
    assert os.listdir(extracted) == ["alice_upload"]


def test_a_zip_of_too_many_entries_is_refused_before_its_index_is_read(folders, monkeypatch):
    """A zip's index (one record per entry, kept in memory) is not read when the archive
    declares more entries than :data:`MAX_MEMBERS` (small here)."""
    archive, extracted = folders
    monkeypatch.setattr(zipcollect, "MAX_MEMBERS", 30)
    (archive / "mallory_upload.zip").write_bytes(_zip([(f"f{i}", "") for i in range(31)]))
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    # "holds 31 entries" is the count the zip declares; its index would say "more than 30"
    assert any("mallory_upload.zip: _TooMany: holds 31 entries" in line for line in log), log


def test_an_archive_whose_reading_needs_more_memory_than_the_bound_is_skipped(folders):
    """What no count foresaw is bounded by memory. With the extraction's bound lowered to
    4 MiB, a zip of 19,000 empty files (within every count) runs out while its index is read:
    it is skipped whole, the class is collected, and the bound is lifted afterwards. (In a
    fresh interpreter, as ``nbgrader zip_collect`` is: the bound counts address space the
    process maps, and a long-lived one may hold free memory it already mapped.)"""
    import json
    import subprocess
    import sys

    archive, extracted = folders
    (archive / "mallory_upload.zip").write_bytes(_zip([(f"m/f{i}", "") for i in range(19_000)]))
    script = f"""
import json, logging, resource
from resistlab.course.grading import zipcollect
lines = []
class Keep(logging.Handler):
    def emit(self, record):
        lines.append(record.getMessage())
log = logging.getLogger("bounded")
log.addHandler(Keep())
before = resource.getrlimit(resource.RLIMIT_AS)
extractor = zipcollect.BoundedExtractor(log=log, memory_bytes=4 * 2**20)
extractor.extract({str(archive)!r}, {str(extracted)!r})
print(json.dumps([lines, resource.getrlimit(resource.RLIMIT_AS) == before]))
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    log, restored = json.loads(proc.stdout.splitlines()[-1])
    assert restored
    assert _honest_extracted(extracted)
    assert os.listdir(extracted) == ["alice_upload"]
    assert any("mallory_upload.zip: MemoryError" in line for line in log), log
    # under the default bound the same upload is extracted
    log = _extract(archive, extracted.parent / "default")
    assert len(os.listdir(extracted.parent / "default" / "mallory_upload" / "m")) == 19_000


def test_a_zip_lying_about_its_entry_count_is_refused_before_its_index_is_read(
    folders, monkeypatch
):
    """Review 8 #4: the end record declares 1 entry and the index holds 31 (1.3 million took
    0.7 GB to read): the records are counted in the index's bytes first."""
    import struct

    archive, extracted = folders
    monkeypatch.setattr(zipcollect, "MAX_MEMBERS", 30)
    data = bytearray(_zip([(f"f{i}", "") for i in range(31)]))
    end = data.rindex(zipfile.stringEndArchive)
    struct.pack_into("<HH", data, end + 8, 1, 1)  # entries on this disk, entries in all
    (archive / "mallory_upload.zip").write_bytes(bytes(data))
    assert len(zipfile.ZipFile(archive / "mallory_upload.zip").infolist()) == 31
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    assert any("mallory_upload.zip: _TooMany: holds 31 entries" in line for line in log), log


def test_one_upload_cannot_spend_what_every_upload_shares(folders, monkeypatch):
    """Review 28 #2: a 268 KB upload of 256 MiB of zeros, first in name order, spent the
    allowance all archives share, and every upload after it was refused. Each upload has
    its own allowance too (small here): the bomb is refused, the uploads after it are not."""
    archive, extracted = folders
    monkeypatch.setattr(zipcollect, "MIN_ALLOWANCE", 4000)
    monkeypatch.setattr(zipcollect, "MAX_RATIO", 1)
    monkeypatch.setattr(zipcollect, "MIN_UPLOAD_ALLOWANCE", 2000, raising=False)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", bytes(3000))
    (archive / "aaa_bomb.zip").write_bytes(bomb.getvalue())
    (archive / "zed_upload.zip").write_bytes(_zip([("zed_01.ipynb", "{" + " " * 1500 + "}")]))
    log = _extract(archive, extracted)
    assert _honest_extracted(extracted)
    assert (extracted / "zed_upload" / "zed_01.ipynb").is_file(), log
    assert any("aaa_bomb.zip: expands to" in line and "this upload" in line for line in log), log
    assert not (extracted / "aaa_bomb").exists()
