"""Grade one submission in a worker process; return the result, never touch the gradebook.

:func:`grade_submission` runs nbgrader's autograde pipeline on every notebook of one
submission, in nbgrader's order and with nbgrader's preprocessors:

* sanitise: ``ClearOutput``, ``DeduplicateIds``, the kernelspec of the instructor's copy,
  ``OverwriteCells`` (from the :mod:`~resistlab.course.grading.snapshot`), ``CheckCellMetadata``;
* autograde: ``Execute`` (as :class:`~resistlab.course.grading.kernel.GradingExecute`),
  ``IgnorePattern``, ``ClearMetadataPreprocessor``, ``LimitOutput`` (nbgrader then checks the
  metadata a second time; execution cannot change it, so that check is not repeated);

and adds the integrity checks of :mod:`~resistlab.course.grading.integrity`. The executed
notebooks go back to the parent, which alone scores them into the gradebook
(``SaveAutoGrades`` and ``AssignLatePenalties`` need the database).

A submission that cannot be read (corrupted JSON, a missing or renamed notebook, broken
metadata) gives a flag and a zero for that notebook, never an exception: one broken
submission never stops the others.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader import utils
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
)

from .flags import Flag, bounded
from .gradebook import NBGRADER_FILES
from .integrity import (
    audit_flags,
    call_flags,
    code_flags,
    forbidden_names,
    import_aliases,
    names_used_by_tests,
    output_flags,
    shortcut_flags,
    structure_flags,
)
from .kernel import GradingExecute, WarmKernels, _readable, remove_tree
from .memory import memory_bound
from .sandbox import (
    AUDIT_CHECK,
    SandboxStatus,
    build_policy,
    bwrap_path,
    read_audit,
    sandbox_uid,
)
from .sealed import SealedTests
from .snapshot import AssignmentSnapshot, SnapshotOverwriteCells

__all__ = [
    "GradingContext",
    "SubmissionResult",
    "SubmissionTask",
    "grade_submission",
    "list_files",
    "unreadable_folder",
]

#: Folders of the kernel's own configuration (see ``_kernel_env``): a submitted copy could run
#: code when the kernel starts (an IPython startup file), so they are never copied.
_KERNEL_FOLDERS = (".ipython", ".jupyter", ".config", ".local", ".mpl", ".cache", ".tmp")
#: The kernel's connection file and socket folder in its scratch folder (see ``kernel.py``):
#: a submitted file or folder of that name would stop the kernel from starting.
_KERNEL_NAMES = re.compile(r"\.kernel\d+(-[0-9a-f]+)?\.json|\.k\d+(-[0-9a-f]+)?")
#: A surrogate written as a JSON escape: alone, it cannot be written back as UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


#: Largest notebook the grader reads (bytes); a larger one scores 0 (``too_large``).
MAX_NOTEBOOK_BYTES = 64 * 2**20
#: Largest other file of a submission that is copied (to the kernel and to ``autograded/``),
#: and the most those files may hold together; the rest are never read (``too_large``).
MAX_FILE_BYTES = 64 * 2**20
MAX_FILES_BYTES = 256 * 2**20
#: Most cells of a notebook the grader reads (counted in a parse bounded by MAX_OBJECTS,
#: before nbformat builds the notebook); a notebook with more scores 0 (``too_large``).
MAX_CELLS = 5000
#: Most JSON objects and arrays in a notebook the grader parses (a cell with outputs is a
#: few); counted in the text, outside strings, before anything is parsed.
MAX_OBJECTS = 200_000
#: Most values (array items, object members, and lines of text, each a value when written
#: back) and levels of nesting in a notebook: 30 million zeros in one array took 8.3 GB, a
#: string of 40 million line breaks 4.2 GB, and deep nesting multiplies what is written back.
MAX_VALUES = 1_000_000
MAX_NESTING = 64
#: Address space the grader's own reading of one notebook or one uploaded archive may add to
#: its process (see :func:`memory_bound`): a bound for what no count above foresaw. Reading
#: a 60 MiB notebook within the counts adds under 0.2 GiB.
PARSE_MEMORY_BYTES = 2 * 2**30
#: A JSON string (for counting what lies outside strings).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
#: A line break inside a JSON string (where ``str.splitlines`` splits a source or output when
#: the notebook is written back: each becomes a value).
_RARE_LINE_BREAK = re.compile(r"\\u(?:000[bB]|001[c-eC-E]|0085|202[89])|[\x85\u2028\u2029]")


@dataclass
class GradingContext:
    """Everything a worker needs, computed once by the parent (plain, picklable data)."""

    snapshot: AssignmentSnapshot
    config: dict  # the course's traitlets configuration
    run_dir: str  # private folder of this grading run (scratch folders live here)
    ignore: list[str]  # CourseDirectory.ignore
    sandbox: str = "auto"  # "auto", "require" or "off"
    timeout: int | None = None  # per-cell timeout override (seconds)
    python_paths: list[str] = field(default_factory=list)
    kernel_bin: str = ""  # folder of the kernel's interpreter (first on the kernel's PATH)
    kernel_python: str = ""  # the kernel's interpreter (its template starts ahead of need)
    protected: list[str] = field(default_factory=list)
    fences: list[str] = field(default_factory=list)
    extra_read: list[str] = field(default_factory=list)
    memory_bytes: int | None = None
    file_bytes: int | None = 512 * 2**20
    cpu_seconds: int | None = None
    processes: int | None = 256
    # descriptors of each process: Linux's usual soft limit, so that open_files * processes
    # (262,144) stays within a few times what the disk watch reads (kernel.MAX_WATCHED_ITEMS)
    open_files: int | None = 1024
    cgroups: bool = True  # limit each sandbox through a cgroup where one can be made
    threads: int = 1
    mpl_cache: str | None = None
    keep_scratch: bool = False
    warm_kernels: bool = True  # fork kernels from a template that preloaded WARM_PRELOAD
    budget_seconds: float | None = None  # wall-clock budget per submission (replays included)
    overdue_grace: float = 60.0  # past budget + grace the parent kills the worker (runner.py)
    max_added_cells: int = 200  # cells a student may add per notebook (the rest are dropped)


@dataclass
class SubmissionTask:
    """One submission to grade."""

    student: str
    folder: str  # submitted/<student>/<assignment>
    source_folder: str  # the instructor's assignment folder (non-notebook files are copied)
    digest: str  # content hash of the submission (see runner.submission_digest)


@dataclass
class SubmissionResult:
    """What the worker found; the parent turns it into grades."""

    student: str
    digest: str
    notebooks: dict[str, dict] = field(default_factory=dict)  # executed notebooks (JSON)
    zeroed: list[str] = field(default_factory=list)  # notebooks scored 0 (missing/unreadable)
    flags: list[Flag] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # other submitted files (relative paths)
    error: str | None = None
    seconds: float = 0.0
    sandbox: dict | None = None
    forked_kernels: int = 0  # kernels forked from the worker's warm template
    kernel_notes: list[str] = field(default_factory=list)  # why the template was not used


_counter = 0


def _slot(context: GradingContext) -> Path:
    """This worker's folder in the run folder: the only host folder its sandbox can write
    (each kernel's scratch folder is made inside it)."""
    path = Path(context.run_dir) / f"s{os.getpid()}"
    if not path.is_dir():
        path.mkdir(mode=0o755)
    else:  # a kernel under the grader's own uid may have taken its mode away (chmod 0o500
        # made every later submission of the worker an ERROR)
        _readable(str(Path(context.run_dir)))
        with contextlib.suppress(OSError):
            os.chmod(path, 0o755)
    return path


def _scratch(context: GradingContext) -> Path:
    """A fresh, short folder (UNIX socket paths are limited to 107 bytes)."""
    global _counter
    _counter += 1
    slot = _slot(context)
    path = slot / str(_counter)
    path.mkdir(mode=0o700)
    with contextlib.suppress(OSError):  # a kernel under the grader's own uid may have
        os.utime(slot)  # written a note in its times for the next student (review 52)
    return path


def _give(folder: Path, uid: int | None) -> None:
    """Hand a scratch folder to the kernels' own uid (root grader only)."""
    if uid is None:
        return
    for dirpath, dirnames, filenames in os.walk(folder):
        os.chown(dirpath, uid, uid)
        for name in [*dirnames, *filenames]:
            os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)


def _fit_metadata(nb, filename: str, flags: list, validate: bool = True) -> None:
    """Drop each metadata entry, of the notebook or of a cell, that the notebook format does
    not allow (``jupyter: 5``, ``name: 5``, ``authors: 5``), and repeated tags, with an
    ``invalid_metadata`` flag: such a notebook was graded, and then no feedback page could
    be written for it, on any run (review 52). ``validate``: whether the notebook may hold
    such entries (False when ``nbformat.reads`` just found it valid: not validated again)."""
    from nbformat.validator import iter_validate

    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags")
        if isinstance(tags, list) and len(tags) != len(set(map(repr, tags))):
            cell.metadata["tags"] = list({repr(t): t for t in tags}.values())
            flags.append(Flag("invalid_metadata", f"{filename}: repeated tags (made unique)"))
    for _ in range(100 if validate else 0):  # each pass drops one entry it does not allow
        for error in iter_validate(nb):
            path = list(error.absolute_path)
            if "metadata" in path[:-1]:
                at = path.index("metadata")
                holder = nb
                for key in path[: at + 1]:
                    holder = holder[key]
                del holder[path[at + 1]]
                where = ".".join(str(k) for k in path[: at + 2])
                flags.append(Flag("invalid_metadata", f"{filename}: {where} (dropped)"))
                break
        else:
            return


def _unreadable_file(path: Path) -> bool:
    """Whether ``path`` is a plain file the grader may not read (an unprivileged grader, a
    file that kept mode 000 through an archive unpacked with its modes)."""
    import stat

    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        os.close(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK))
    except PermissionError:
        return True
    except OSError:
        return False
    return False


def _special(path: Path) -> str:
    """What makes ``path`` unsafe to open or copy ('' for a plain file or a link)."""
    import stat

    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return ""
    if stat.S_ISLNK(mode) or stat.S_ISDIR(mode):
        return ""
    if not stat.S_ISREG(mode):
        kind = "fifo" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device"
        return kind
    if mode & (stat.S_ISUID | stat.S_ISGID):
        return "setuid/setgid"
    return ""


def unreadable_folder(folder) -> str:
    """Why a submission folder must not be read ('' when it can be): ``submitted/STUDENT`` or
    ``submitted/STUDENT/ASSIGNMENT`` is a symbolic link, or the latter is not a folder (a
    file, a FIFO, a device: opening it could block the grader or never end).

    Following a link would grade whatever it points at (another student's submission, the
    instructor's notebooks): the submission is scored 0 and flagged instead, and so is one
    that is not a folder (an earlier grade is not kept through it).
    """
    folder = Path(folder)
    for path in (folder.parent, folder):
        if path.is_symlink():
            return f"{path.parent.name}/{path.name} is a symbolic link -> {os.readlink(path)}"
    if not folder.is_dir():
        kind = _special(folder) or "file"
        return f"{folder.parent.name}/{folder.name} is not a folder (a {kind})"
    return ""


#: Most entries (files and folders) of a submission folder the grader lists, and the deepest
#: folder it enters; the rest is never read (``too_large``).
MAX_ENTRIES = 1000
MAX_DEPTH = 16
MAX_PATH_BYTES = 3000  # below the system's 4,096, with room for the scratch folder's prefix


def list_files(folder, ignore, denied: list | None = None) -> tuple[list[str], str]:
    """The files under ``folder`` (relative paths, sorted) and why the list stops short ('');
    the folders the grader may not list are added to ``denied`` when it is given.

    Like nbgrader's ``find_all_files`` (a name matching a pattern of ``ignore`` is skipped,
    with everything under it), but iterative and bounded: at most :data:`MAX_ENTRIES`
    entries and :data:`MAX_DEPTH` levels, so 100,000 empty files or 2,500 nested folders
    cost milliseconds. A link is listed as a file (never followed).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "a" / "b").mkdir(parents=True)
    >>> for name in ("x.ipynb", "a/b/y.csv", "a/.ipynb_checkpoints"):
    ...     _ = (root / name).write_text("")
    >>> list_files(root, [".ipynb_checkpoints"])
    (['a/b/y.csv', 'x.ipynb'], '')
    """
    import fnmatch

    found, why, entries = [], "", 0
    stack = [("", 0)]
    while stack:
        rel, depth = stack.pop()
        try:
            scan = os.scandir(os.path.join(folder, rel))
        except OSError as err:
            if denied is not None and isinstance(err, PermissionError):
                denied.append(rel)
            continue
        with scan:
            for entry in scan:
                entries += 1
                if entries > MAX_ENTRIES:
                    return sorted(found), f"more than {MAX_ENTRIES} files and folders"
                if any(fnmatch.fnmatch(entry.name, pattern) for pattern in ignore):
                    continue
                path = os.path.join(rel, entry.name)
                if len(os.fsencode(entry.path)) > MAX_PATH_BYTES:
                    why = f"paths longer than {MAX_PATH_BYTES} bytes"
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 >= MAX_DEPTH:
                        why = f"folders nested more than {MAX_DEPTH} deep"
                    else:
                        stack.append((path, depth + 1))
                else:
                    found.append(path)
    return sorted(found), why


def _kernel_env(context: GradingContext, scratch: Path) -> dict:
    if context.sandbox == "off":
        env = dict(os.environ)
    else:
        folders = (context.kernel_bin, "/usr/local/bin", "/usr/bin", "/bin")
        env = {"PATH": os.pathsep.join(p for p in folders if p)}
        for name in ("LANG", "LC_ALL", "LC_CTYPE", "TZ"):
            if name in os.environ:
                env[name] = os.environ[name]
        env.update(
            {
                "HOME": str(scratch),
                "TMPDIR": str(scratch / ".tmp"),
                "IPYTHONDIR": str(scratch / ".ipython"),
                "MPLCONFIGDIR": str(scratch / ".mpl"),
                "XDG_CACHE_HOME": str(scratch / ".cache"),
                "XDG_CONFIG_HOME": str(scratch / ".config"),
                "JUPYTER_CONFIG_DIR": str(scratch / ".jupyter"),
                "JUPYTER_DATA_DIR": str(scratch / ".local"),
                "JUPYTER_RUNTIME_DIR": str(scratch / ".local" / "runtime"),
            }
        )
    env.pop("MPLBACKEND", None)  # figures render inline, as in JupyterLab
    threads = str(max(1, context.threads))
    env.update(
        {
            "NBGRADER_EXECUTION": "autograde",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "OMP_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            # two malloc arenas, not eight per CPU: each thread's arena reserves 64 MiB of
            # address space, and a warm kernel's dozen threads had held 1 GB of it before
            # its first cell, so that under --memory 1024 pandas could not be imported
            # (review 56: honest notebooks lost points, unflagged)
            "MALLOC_ARENA_MAX": "2",
        }
    )
    return env


def _fresh_home(context: GradingContext, scratch: Path, uid: int | None) -> None:
    """Give a kernel about to start fresh configuration folders in ``scratch``: an earlier
    kernel of the notebook could write an IPython startup file or a kernel config there, then
    stop itself, and the restarted kernel ran it before answering (no cell of the notebook
    holds that code)."""
    _readable(str(scratch))
    for name in _KERNEL_FOLDERS:
        path = scratch / name
        if path.is_dir() and not path.is_symlink():
            remove_tree(path)
        elif os.path.lexists(path):
            with contextlib.suppress(OSError):
                path.unlink()
    _make_home(context, scratch)
    for name in _KERNEL_FOLDERS:
        if (scratch / name).is_dir():
            _give(scratch / name, uid)


def _make_home(context: GradingContext, folder: Path) -> None:
    """The folders of a kernel's environment, with matplotlib's font list (saves a scan)."""
    for sub in (".tmp", ".mpl", ".ipython", ".cache", ".config", ".local/runtime"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    if context.mpl_cache and Path(context.mpl_cache).is_dir():
        for item in Path(context.mpl_cache).glob("fontlist-*.json"):
            shutil.copy(item, folder / ".mpl" / item.name)


#: What a warm kernel template imports once: the notebooks' heavy imports (pandas and
#: ipywidgets as a kernel's shell shows them: ``kernel_template._preload``), not
#: matplotlib's inline backend. ``tests/course/grading/test_parity.py`` checks that a forked
#: kernel records the same outputs as a fresh one.
WARM_PRELOAD = (
    "numpy",
    "scipy.optimize",
    "scipy.stats",
    "matplotlib.pyplot",
    "IPython",
    "ipykernel.ipkernel",
    "ipykernel.kernelapp",
    # every notebook's setup imports both: in every kernel, about 0.8 s of CPU under the hook
    "pandas",
    "ipywidgets",
    # the library's models, plots and widgets: a kernel's own import of one compiled it
    # again, and the audit hook read it again, in every kernel
    "resistlab.accessibility",
    "resistlab.adaptive",
    "resistlab.amplification",
    "resistlab.apoptosis",
    "resistlab.binding",
    "resistlab.datasets",
    "resistlab.dna_repair",
    "resistlab.efflux",
    "resistlab.epigenetics",
    "resistlab.evolution",
    "resistlab.immunology",
    "resistlab.microenvironment",
    "resistlab.persisters",
    "resistlab.pharmacology",
    "resistlab.pk",
    "resistlab.precision",
    "resistlab.signalling",
    "resistlab.stem_cells",
    "resistlab.synergy",
    "resistlab.transport",
    "resistlab.plotting",
    "resistlab.widgets",
)

_WARM: dict[str, WarmKernels] = {}


def _warm_kernels(context: GradingContext) -> WarmKernels | None:
    """This worker's kernel templates for this grading run (started on first use).

    With bubblewrap every kernel is forked from a template in a bubblewrap sandbox (an empty
    template with ``--cold-kernels``); without it, warm kernels are an option.
    """
    bwrap = bwrap_path() if context.sandbox != "off" else None
    if not WarmKernels.available() or (not context.warm_kernels and not bwrap):
        return None
    warm = _WARM.get(context.run_dir)
    if warm is None:
        for old in _WARM.values():
            old.close()
        _WARM.clear()
        # Outside the run folder: kernels may read the template's home, never the run folder.
        # The home sits in a folder of the grader's own (0700), which no sandbox holds: a
        # kernel that gave its home to everyone (chmod 0777; Landlock does not govern modes)
        # had let any local user put files there that later students' kernels read.
        # (named after the run: the run removes what a killed worker left, kernels' files
        # under their own uids included)
        prefix = f"rl-template-{Path(context.run_dir).name}-"
        folder = Path(tempfile.mkdtemp(prefix=prefix)) / "home"
        folder.mkdir()
        _make_home(context, folder)
        env = _kernel_env(context, folder)
        env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # as ipykernel sets it
        preload = WARM_PRELOAD if context.warm_kernels else ()
        if bwrap:
            os.chmod(folder, 0o755)
            _give(folder, sandbox_uid(os.getpid()))  # the template's own home
            policy = build_policy(
                python_paths=context.python_paths,
                scratch=_slot(context),
                audit_path="",
                protected=context.protected,
                fences=context.fences,
                extra_read=context.extra_read,
            )
            warm = WarmKernels(
                folder,
                env,
                preload,
                bwrap=bwrap,
                read=policy.read,
                slot=str(_slot(context)),
                uid=sandbox_uid(os.getpid()),
                memory_bytes=context.memory_bytes,
                processes=context.processes,
                cgroups=context.cgroups,
            )
        else:
            warm = WarmKernels(folder, env, preload)
        _WARM[context.run_dir] = warm
        if context.kernel_python:  # imports while the worker scans the first submission
            warm.start(context.kernel_python)

        # Worker processes end through os._exit: atexit would not run, Finalize does.
        from multiprocessing.util import Finalize

        Finalize(warm, _close_template, args=(warm,), exitpriority=10)
    return warm


def prepare(context: GradingContext) -> None:
    """Start this worker's kernel template for the run before its first submission comes
    (the parent asks while it checks the sandbox and opens the gradebook)."""
    _stop_on_sigterm()
    _warm_kernels(context)


def _close_template(warm: WarmKernels) -> None:
    """Stop a worker's kernel template and remove its home, however its kernels left the
    modes there (a kernel of an unprivileged grader, the folder's owner outside, had made
    it ``chmod 0``: it stayed in ``/tmp`` after the run)."""
    warm.close()
    remove_tree(warm.folder.parent)


def _prepare_scratch(context: GradingContext, task: SubmissionTask, files: list[str]) -> Path:
    scratch = _scratch(context)
    _make_home(context, scratch)
    warm = _WARM.get(context.run_dir)
    # Like nbgrader: the submission's other files, then the instructor's (which win).
    for rel in files:
        dest = scratch / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(task.folder) / rel, dest, follow_symlinks=False)
    source = Path(task.source_folder)
    if source.is_dir():
        for rel in list_files(source, [*context.ignore, "*.ipynb"])[0]:
            dest = scratch / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source / rel, dest)
    if warm is not None and warm.bwrap:
        _give(scratch, warm.uid)
    return scratch


def _stderr_count(nb) -> dict[int, int]:
    return {
        i: sum(
            1
            for o in c.get("outputs", [])
            if o.get("output_type") == "stream" and o.get("name") == "stderr"
        )
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code"
    }


def _output_sizes(nb) -> dict[int, int]:
    sizes = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            sizes[index] = sum(
                len(o.get("text", "")) + len(o.get("traceback", [])) for o in cell.outputs
            )
    return sizes


def _sanitise(nb, resources, context: GradingContext, nb_name: str):
    config = context.config
    nb, resources = ClearOutput(config=config)(nb, resources)
    nb, resources = DeduplicateIds(config=config)(nb, resources)
    for cell in nb.cells:  # DeduplicateIds leaves `nbgrader: {}`, which nbgrader cannot read
        if cell.get("metadata", {}).get("nbgrader", None) == {}:
            del cell.metadata["nbgrader"]
    kernelspec = context.snapshot.notebooks[nb_name].kernelspec
    if kernelspec:
        nb.metadata["kernelspec"] = kernelspec
    # OverwriteCells validates a cell it gives back its type against nbformat 4.5, where a
    # cell needs an id: a notebook without ids (4.4 and older) is made 4.5 first (one
    # retyped cell had scored such a notebook 0, as nbgrader fails on it)
    nb["nbformat_minor"] = max(5, nb.get("nbformat_minor", 0))
    _give_ids(nb)
    overwrite = SnapshotOverwriteCells(context.snapshot, config=config)
    overwrite.enabled = True
    nb, resources = overwrite(nb, resources)
    _give_ids(nb)  # cells re-added by OverwriteCells have no id
    nb, resources = _CheckCellMetadata(config=config)(nb, resources)
    return nb, resources


class _SchemaOnce(BaseMetadataValidator):
    """nbgrader's per-cell check of its metadata schema, with the schema's own validator made
    once: ``jsonschema.validate`` checks the schema itself at every cell (about 2 ms a cell,
    a tenth of a second a notebook, in every worker). The same errors, the same best one."""

    def validate_cell(self, cell) -> None:
        if "nbgrader" not in cell.metadata:
            return
        schema = cell.metadata["nbgrader"].get("schema_version", 0)
        if schema != self.schema_version:  # nbgrader's own errors for both
            super().validate_cell(cell)
            return
        checker = _SCHEMA_CHECKERS.get(self.schema_version)
        if checker is None:
            cls = jsonschema.validators.validator_for(self.schema)
            cls.check_schema(self.schema)
            checker = _SCHEMA_CHECKERS[self.schema_version] = cls(self.schema)
        error = jsonschema.exceptions.best_match(checker.iter_errors(cell.metadata["nbgrader"]))
        if error is not None:
            raise error


_SCHEMA_CHECKERS: dict = {}


class _MetadataOnce(MetadataValidator, _SchemaOnce):
    """nbgrader's ``MetadataValidator``, whose per-cell checks call :class:`_SchemaOnce`'s."""


class _CheckCellMetadata(CheckCellMetadata):
    """nbgrader's ``CheckCellMetadata`` with :class:`_MetadataOnce`."""

    def preprocess(self, nb, resources):
        try:
            _MetadataOnce().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg) from None
        return nb, resources


def _give_ids(nb) -> None:
    for cell in nb.cells:
        cell.setdefault("id", uuid.uuid4().hex[:8])


def _normalise_metadata(nb, snap, flags) -> None:
    """Make every cell's nbgrader metadata readable before nbgrader sees it.

    A cell whose nbgrader metadata is not a mapping (``"nbgrader": null``), has no string
    ``grade_id``, or names a cell the assignment does not have (renamed, a homoglyph, an
    invented test) loses that metadata and runs as a cell the student added; the released
    cell it replaced counts as deleted (tests are re-added by ``OverwriteCells``, answers
    score 0). A released cell keeps its identity, and its ``grade``, ``solution``,
    ``locked`` and ``points`` are restored from the released copy (so a test switched to
    ``grade: false`` is graded, and nbgrader's checksum matches). Each case raises a review
    flag; none makes the submission an error.
    """
    released = {c["grade_id"]: c for c in snap.release_cells}
    for index, cell in enumerate(nb.cells):
        metadata = cell.get("metadata")
        if not isinstance(metadata, dict):
            cell["metadata"] = nbformat.NotebookNode()
            continue
        if "nbgrader" not in metadata:
            continue
        meta = metadata["nbgrader"]
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(gid, str) or gid not in released:
            del metadata["nbgrader"]
            what = f"{gid!r}" if isinstance(gid, str) else f"cell {index}"
            flags.append(Flag("invalid_metadata", f"{what}: not a cell of the assignment"))
            continue
        original = released[gid]
        clean = {
            "grade_id": gid,
            "grade": original["grade"],
            "solution": original["solution"],
            "locked": original["locked"],
            "task": False,
            "schema_version": 3,
        }
        if original["grade"]:
            clean["points"] = original["points"]
        for key in ("checksum", "cell_type"):  # nbgrader's own records, when they are text
            if isinstance(meta.get(key), str):
                clean[key] = meta[key]
        changed = sorted(k for k in set(meta) | set(clean) if meta.get(k) != clean.get(k))
        if any(type(meta.get(k)) is not type(clean.get(k)) for k in changed):
            flags.append(Flag("invalid_metadata", f"{gid!r}: {', '.join(changed)} restored"))
        metadata["nbgrader"] = nbformat.NotebookNode(clean)


_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
#: Errors that a submission's content can raise in the checks before and after execution (a
#: metadata value of an unexpected type, code nested too deeply to scan, ...). They score the
#: notebook 0 with a review flag; anything else (the sandbox, the kernel) is a grading error.
_INPUT_ERRORS = (
    RecursionError,
    MemoryError,  # Python's parser gives up on 30,000 nested unary minus signs with it
    TypeError,
    ValueError,
    KeyError,
    AttributeError,
    IndexError,
    UnicodeError,
)


def _parse_bounded(text: str) -> tuple[str, object]:
    r"""The notebook ``text`` parsed as JSON, or why it is too large to parse into cells: more
    than :data:`MAX_OBJECTS` JSON objects and arrays, :data:`MAX_VALUES` values and lines or
    :data:`MAX_NESTING` levels (the brackets and commas outside strings and the line breaks
    inside them, counted before parsing), or more than :data:`MAX_CELLS` cells. Returns
    ``(why, None)`` or ``("", tree)`` (``tree`` is ``None`` when ``text`` is not JSON).

    Examples
    --------
    >>> _parse_bounded('{"cells": [], "metadata": {"s": "[[[[{{{{"}}')
    ('', {'cells': [], 'metadata': {'s': '[[[[{{{{'}})
    >>> _parse_bounded('{"cells": [], "metadata": {"x": [' + "[]," * 200_000 + '[]]}}')
    ('more than 200000 JSON objects and arrays', None)
    >>> _parse_bounded('{"cells": [], "metadata": {"x": [' + "0," * 1_000_000 + '0]}}')
    ('more than 1000000 JSON values and lines', None)
    >>> _parse_bounded('{"cells": [], "metadata": {"x": "' + "\\n" * 1_000_000 + '"}}')
    ('more than 1000000 JSON values and lines', None)
    >>> _parse_bounded('{"cells": [], "metadata": {"x": ' + "[" * 70 + "]" * 70 + "}}")
    ('JSON nested more than 64 levels', None)
    """

    bare = _JSON_STRING.sub("", text)
    if bare.count("{") + bare.count("[") > MAX_OBJECTS:
        return f"more than {MAX_OBJECTS} JSON objects and arrays", None
    breaks = sum(text.count(e) for e in ("\\n", "\\r", "\\f"))
    if bare.count(",") + breaks + _RARE_LINE_BREAK.subn("", text)[1] >= MAX_VALUES:
        return f"more than {MAX_VALUES} JSON values and lines", None
    depth = deepest = 0
    for char in _NOT_A_BRACKET.sub("", bare):
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        return f"JSON nested more than {MAX_NESTING} levels", None
    del bare
    try:
        tree = json.loads(text)
    except (ValueError, RecursionError):
        return "", None  # not JSON: nbformat says so (corrupted_notebook)
    cells = tree.get("cells") if isinstance(tree, dict) else None
    if isinstance(cells, list) and len(cells) > MAX_CELLS:
        return f"{len(cells)} cells, above the {MAX_CELLS} the grader reads", None
    return "", tree


def _repair_raw(tree, flags) -> bool:
    """Repair, before nbformat reads them, the fields nbformat itself fails on (notebook or
    cell metadata that is not a mapping, an entry of ``cells`` that is not a cell, a cell
    without text source or metadata or whose type is not text, code cells' outputs and
    execution counts of other types, outputs, execution counts or attachments on markdown
    and raw cells, a format version other than the number 4 on a notebook with a list of
    cells); True when it changed any. Each repair raises ``invalid_metadata``: one
    bad cell no longer scores the whole notebook 0.

    Examples
    --------
    >>> cell = {"cell_type": "code", "metadata": [], "source": ["x", 1], "outputs": []}
    >>> tree = {"cells": [cell, None, {"cell_type": "markdown", "source": "", "outputs": 5}],
    ...         "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> flags = []
    >>> _repair_raw(tree, flags), tree["cells"][0]["metadata"], tree["cells"][0]["source"]
    (True, {}, '')
    >>> [f.detail for f in flags]  # doctest: +NORMALIZE_WHITESPACE
    ['cell 0: metadata is not a mapping (emptied)',
     'cell 0: source is not text (emptied)',
     'cell 1: not a cell (dropped)',
     'cell 2: metadata is not a mapping (emptied)',
     'cell 2: outputs on a markdown cell (dropped)']
    """
    changed = False
    if isinstance(tree, dict) and not isinstance(tree.get("metadata"), dict):
        missing = "metadata" not in tree  # (review 50: a missing one had scored 0)
        tree["metadata"] = {}
        why = "missing (made empty)" if missing else "not a mapping (emptied)"
        flags.append(Flag("invalid_metadata", f"notebook metadata is {why}"))
        changed = True
    if isinstance(tree, dict):  # the format's version: nbformat picks its reader by it
        major, minor = tree.get("nbformat"), tree.get("nbformat_minor")
        if (type(major) is not int or major != 4) and isinstance(tree.get("cells"), list):
            # (a version 3 notebook has worksheets, no cells: nbformat converts it)
            tree["nbformat"] = 4
            flags.append(Flag("invalid_metadata", "nbformat is not the number 4 (made 4)"))
            changed = True
        if tree.get("nbformat") == 4 and (type(minor) is not int or minor < 0):
            tree["nbformat_minor"] = 5
            flags.append(Flag("invalid_metadata", "nbformat_minor is not a number (made 5)"))
            changed = True
    changed = _repair_headings(tree, flags) or changed
    cells = tree.get("cells") if isinstance(tree, dict) else None
    if not isinstance(cells, list):
        return changed
    extra = _drop_fields(tree, _NOTEBOOK_KEYS)  # (review 53: graded, and left in autograded/
    if extra:  # a notebook that no reader of the format accepts)
        flags.append(Flag("invalid_metadata", f"notebook fields {extra} (dropped)"))
        changed = True
    kept = []
    for index, cell in enumerate(cells):
        notes = []
        if not isinstance(cell, dict):
            flags.append(Flag("invalid_metadata", f"cell {index}: not a cell (dropped)"))
            changed = True
            continue
        if not isinstance(cell.get("cell_type"), str):  # (a text one is judged later)
            cell["cell_type"] = "raw"
            notes.append("its type is not text (made a raw cell)")
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
            notes.append("metadata is not a mapping (emptied)")
        if not _text_or_lines(cell.get("source")):
            cell["source"] = ""
            notes.append("source is not text (emptied)")
        if cell["cell_type"] == "code":
            outputs = cell.get("outputs")
            if not isinstance(outputs, list) or not all(map(_output_shaped, outputs)):
                cell["outputs"] = []  # (the grader clears them before the notebook runs)
                notes.append("outputs are not a list of outputs (dropped)")
            count = cell.get("execution_count")
            if not (count is None or (isinstance(count, int) and not isinstance(count, bool))):
                cell["execution_count"] = None
                notes.append("execution count is not a number (emptied)")
        else:  # a markdown or raw cell has neither (feedback had failed on them)
            for key in ("outputs", "execution_count"):
                if key in cell:
                    del cell[key]
                    notes.append(f"{key} on a {cell['cell_type'][:40]} cell (dropped)")
            attachments = cell.get("attachments", {})
            if not isinstance(attachments, dict) or not all(
                isinstance(v, dict) and all(map(_text_or_lines, v.values()))
                for v in attachments.values()
            ):
                del cell["attachments"]
                notes.append("attachments are not a mapping of mappings (dropped)")
        extra = _drop_fields(cell, _CELL_KEYS.get(cell["cell_type"]))
        if extra:  # (an attachment on a code cell, a field of the student's own)
            notes.append(f"fields {extra} on a {cell['cell_type']} cell (dropped)")
        for note in notes:
            flags.append(Flag("invalid_metadata", f"cell {index}: {note}"))
        changed = changed or bool(notes)
        kept.append(cell)
    tree["cells"] = kept
    return changed


#: The fields nbformat 4.5 allows a notebook and each type of cell.
_NOTEBOOK_KEYS = {"nbformat", "nbformat_minor", "metadata", "cells"}
_CELL_KEYS = {
    "code": {"id", "cell_type", "metadata", "source", "outputs", "execution_count"},
    "markdown": {"id", "cell_type", "metadata", "source", "attachments"},
    "raw": {"id", "cell_type", "metadata", "source", "attachments"},
}


def _drop_fields(holder: dict, allowed: set | None) -> str:
    """Remove the fields of ``holder`` that are not ``allowed`` (nothing when ``allowed`` is
    None: a cell type nbformat does not know, made a raw cell later); their names, the first
    three of them, or ``""``."""
    extra = sorted(set(holder) - allowed, key=str) if allowed is not None else []
    for key in extra:
        del holder[key]
    names = ", ".join(repr(str(key)[:40]) for key in extra[:3])
    return names + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")


def _text_or_lines(value) -> bool:
    """Whether ``value`` is text as the format holds it (a source, an output's text, what a
    MIME bundle holds): a string, or a list of lines of text."""
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(line, str) for line in value)
    )


def _repair_headings(tree, flags) -> bool:
    """Give a version 3 notebook's heading cells a level from 1 to 6; True when any changed.
    nbformat converts such a cell to a markdown cell of ``level`` ``#`` characters: a 33 KB
    notebook with a level of 600,000,000 in two cells had become a 1.2 GB graded notebook,
    4.8 GB in the grading process (review 53).

    Examples
    --------
    >>> cells = [{"cell_type": "heading", "level": 10**9, "source": "x", "metadata": {}}]
    >>> tree = {"nbformat": 3, "worksheets": [{"cells": cells}]}
    >>> flags = []
    >>> _repair_headings(tree, flags), cells[0]["level"], [f.detail for f in flags]
    (True, 6, ['cell 0: heading level is not 1 to 6 (made 6)'])
    """
    worksheets = tree.get("worksheets") if isinstance(tree, dict) else None
    if not isinstance(worksheets, list):
        return False
    changed, index = False, 0
    for sheet in worksheets:
        cells = sheet.get("cells") if isinstance(sheet, dict) else None
        for cell in cells if isinstance(cells, list) else ():
            if isinstance(cell, dict) and cell.get("cell_type") == "heading":
                level = cell.get("level", 1)
                if type(level) is not int or not 1 <= level <= 6:
                    cell["level"] = 6 if type(level) is int and level > 6 else 1
                    why = f"cell {index}: heading level is not 1 to 6 (made {cell['level']})"
                    flags.append(Flag("invalid_metadata", why))
                    changed = True
            index += 1
    return changed


def _output_shaped(output) -> bool:
    """Whether a saved output has the shape nbformat reads (the types of its fields)."""
    if not isinstance(output, dict) or not isinstance(output.get("output_type"), str):
        return False
    return (
        isinstance(output.get("data", {}), dict)
        and isinstance(output.get("metadata", {}), dict)
        and _text_or_lines(output.get("text", ""))
    )


def _repair_types(nb, flags) -> None:
    """Give every cell fields of the types nbgrader and nbconvert expect, before either sees
    the notebook: a cell that is not a mapping is dropped; metadata that is not a mapping is
    emptied; nbgrader metadata that is not a mapping, or whose ``grade_id`` is not text,
    becomes ``null`` (then :func:`_normalise_metadata` treats the cell as added); a source
    that is not text is emptied; a cell id the schema forbids is replaced. Each repair of
    the student's metadata raises ``invalid_metadata``; a replaced id raises nothing (editors
    write such ids)."""
    cells = []
    for index, cell in enumerate(nb.cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            flags.append(Flag("invalid_metadata", f"cell {index}: not a cell (dropped)"))
            continue
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = nbformat.NotebookNode()
        meta = cell.metadata.get("nbgrader")
        if meta is not None and (
            not isinstance(meta, dict) or not isinstance(meta.get("grade_id", ""), str)
        ):
            cell.metadata["nbgrader"] = None
            flags.append(Flag("invalid_metadata", f"cell {index}: nbgrader metadata unreadable"))
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            cell["source"] = "".join(source)
        elif not isinstance(source, str):
            cell["source"] = ""
            flags.append(Flag("invalid_metadata", f"cell {index}: source is not text (emptied)"))
        if "id" in cell and not (isinstance(cell["id"], str) and _CELL_ID.match(cell["id"])):
            cell["id"] = uuid.uuid4().hex[:8]
        if cell.cell_type not in ("code", "markdown", "raw"):  # ("heading": nbformat 3)
            what = f"cell {index}: cell type {cell.cell_type[:40]!r} (made a raw cell)"
            flags.append(Flag("invalid_metadata", what))
            kept = {k: cell[k] for k in ("id", "metadata", "source") if k in cell}
            cell = nbformat.NotebookNode({"cell_type": "raw", **kept})
        cells.append(cell)
    nb.cells = cells
    if _replace_non_finite([nb.get("metadata"), *(c.get("metadata") for c in cells)]):
        flags.append(Flag("invalid_metadata", "NaN or Infinity in metadata (not JSON; made null)"))


def _replace_non_finite(roots, most: int = 200_000) -> bool:
    """Replace every NaN or infinite number in ``roots`` (nested dicts and lists) by
    ``None``; return whether there was one. Python's JSON reads ``NaN`` and ``-Infinity``,
    which no browser's does: written back into ``autograded/``, the notebook had not opened
    in the lecturer's JupyterLab."""
    found, todo, seen = False, [r for r in roots if isinstance(r, (dict, list))], 0
    while todo and seen < most:
        node = todo.pop()
        seen += 1
        keys = node.keys() if isinstance(node, dict) else range(len(node))
        for key in list(keys):
            value = node[key]
            if isinstance(value, float) and not math.isfinite(value):
                node[key] = None
                found = True
            elif isinstance(value, (dict, list)):
                todo.append(value)
    return found


def _cap_added_cells(nb, limit: int, flags) -> None:
    """Keep at most ``limit`` cells without nbgrader metadata (cells the student added)."""
    added = [c for c in nb.cells if not (c.get("metadata") or {}).get("nbgrader")]
    if len(added) <= limit:
        return
    drop = {id(c) for c in added[limit:]}
    nb.cells = [c for c in nb.cells if id(c) not in drop]
    flags.append(Flag("too_many_cells", f"{len(added)} added cells, {limit} kept"))


def _grade_notebook(context, task, nb_name, nb, scratch, flags, deadline=None):
    snap = context.snapshot.notebooks[nb_name]
    _repair_types(nb, flags)
    _cap_added_cells(nb, context.max_added_cells, flags)
    resources = {
        "nbgrader": {
            "student": task.student,
            "assignment": context.snapshot.name,
            "notebook": nb_name,
            "db_url": None,
        },
        "metadata": {"path": str(scratch)},
        "unique_key": nb_name,
    }
    flags += structure_flags(nb, snap.release_cells)
    _normalise_metadata(nb, snap, flags)
    nb, resources = _sanitise(nb, resources, context, nb_name)
    student_cells = [i for i, c in enumerate(nb.cells) if not utils.is_locked(c)]
    aliases, test_names = _scan_context(context.snapshot.fingerprint(), snap)
    try:
        with memory_bound(PARSE_MEMORY_BYTES):
            flags += code_flags(
                nb, student_cells=student_cells, aliases=aliases, test_names=test_names
            )
            flags += shortcut_flags(nb, student_cells, snap.source_cells)
    except (RecursionError, MemoryError) as err:  # a person looks instead
        why = "nested too deeply" if isinstance(err, RecursionError) else "too large"
        flags.append(Flag("dynamic_code", f"code {why} for the scan"))
    tests = SealedTests.for_notebook(context.snapshot, nb_name)
    tests.prepare()  # the setup's imports load in the background while the kernel starts
    sealed = tests.runner()
    policy_path = ""
    audit_path = Path(context.run_dir) / f"{scratch.parent.name}-{scratch.name}-{nb_name}.audit"
    warm = _warm_kernels(context)
    if context.sandbox != "off":
        policy = build_policy(
            python_paths=context.python_paths,
            scratch=scratch,
            audit_path=audit_path,
            protected=context.protected,
            fences=context.fences,
            extra_read=[*context.extra_read, *([str(warm.folder)] if warm else [])],
            memory_bytes=context.memory_bytes,
            file_bytes=context.file_bytes,
            cpu_seconds=context.cpu_seconds,
            processes=context.processes,
            open_files=context.open_files,
            watched_calls={n for ns in forbidden_names(snap.source_cells).values() for n in ns},
        )
        policy_path = str(
            Path(context.run_dir) / f"{scratch.parent.name}-{scratch.name}-{nb_name}.policy.json"
        )
        policy.dump(policy_path)
    config = context.config
    if context.timeout is not None:  # through the config: nbclient reloads it on every run
        from traitlets.config import Config

        config = Config(context.config)
        config.Execute.timeout = config.ExecutePreprocessor.timeout = context.timeout
    kernel_env = _kernel_env(context, scratch)
    kernel_env["PYTHONSAFEPATH"] = "1"  # `python -m` must not import from the working folder
    execute = GradingExecute(
        config=config,
        scratch=str(scratch),
        policy_path=policy_path,
        kernel_env=kernel_env,
        warm=warm,
        sealed=sealed,
        # IPython must not put the working folder (the submission's files) on sys.path; its
        # history (SQLite) is kept in memory, not in a file of the scratch folder, whose
        # locks the sandbox refuses (sandbox._FCNTL_REFUSED): the grader reads no history.
        extra_arguments=["--IPKernelApp.ignore_cwd=True", "--HistoryManager.hist_file=:memory:"],
        deadline=deadline or 0.0,
        fresh_home=lambda: _fresh_home(
            context, scratch, warm.uid if warm is not None and warm.bwrap else None
        ),
    )
    nb, resources = execute(nb, resources)
    flags += execute.events
    flags += sealed.flags
    before = _stderr_count(nb)
    nb, resources = IgnorePattern(config=context.config)(nb, resources)
    after = _stderr_count(nb)
    for index, count in before.items():
        if count > after.get(index, 0):
            gid = nb.cells[index].metadata.get("nbgrader", {}).get("grade_id")
            flags.append(Flag("stderr_filtered", gid or f"cell {index}"))
    nb, resources = ClearMetadataPreprocessor(config=context.config)(nb, resources)
    lengths = _output_sizes(nb)
    nb, resources = LimitOutput(config=context.config)(nb, resources)
    for index, size in _output_sizes(nb).items():
        if size < lengths[index]:
            gid = nb.cells[index].metadata.get("nbgrader", {}).get("grade_id")
            flags.append(Flag("output_truncated", gid or f"cell {index}"))
    flags += [Flag("output_dropped", name) for name in keep_inert_outputs(nb)]
    # nbgrader checks the metadata again here; execution cannot change it, so once is enough.
    flags += output_flags(nb)
    status = None
    if warm is not None:
        for thread in warm.audits:  # the kernels are gone: their audit pipes are closed
            thread.join(timeout=2)
        warm.audits = [t for t in warm.audits if t.is_alive()]
    if context.sandbox != "off":
        status, events = read_audit(audit_path)
        checks = {d for e, d in events if e == "open" and d.startswith(AUDIT_CHECK)}
        events = [(e, d) for e, d in events if not (e == "open" and d in checks)]
        if not set(execute.audit_checks) <= checks:
            flags.append(Flag("hook_override", "the kernel closed or replaced its audit pipe"))
        flags += audit_flags(events)
        calls = [tuple(d.split(" ", 1)) for e, d in events if e == "call" and " " in d]
        flagged = {f.detail.rsplit(": ", 1)[-1] for f in flags if f.code == "library_shortcut"}
        flags += call_flags(calls, nb, student_cells, snap.source_cells, flagged)
        status = status or SandboxStatus(missing={"launcher": "the kernel never reported"})
        if warm is None or not warm.bwrap:
            status.missing.setdefault("bwrap", "bubblewrap is not installed")
        if context.sandbox == "require" and not status.complete:
            raise RuntimeError(f"sandbox incomplete: {status.missing}")
        for layer, why in status.missing.items():
            flags.append(Flag("sandbox_degraded", f"{layer}: {why}"))
    return nb, status


#: The kinds of output an autograded notebook keeps: those JupyterLab shows as static
#: content (an untrusted notebook's HTML, Markdown and SVG sanitised). JupyterLab renders
#: other kinds it deems safe live even in an untrusted notebook: a student's Vega chart,
#: opened from Formgrader's live-notebook link, had read the instructor's hidden tests
#: through the instructor's server and sent them to another host as image URLs.
INERT_MIME_TYPES = frozenset(
    {
        "text/plain", "text/html", "text/markdown", "text/latex",
        "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/svg+xml",
        "application/json", "application/vnd.jupyter.widget-view+json",
    }
)  # fmt: skip


def keep_inert_outputs(nb) -> list[str]:
    """Keep only :data:`INERT_MIME_TYPES` in every display and result of ``nb``; return the
    cells (grade id or ``cell N: TYPE``) where something was dropped. An output left with
    nothing says what it held, as text.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("chart")
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={
    ...     "application/vnd.vega.v5+json": {}, "text/plain": "a chart"})]
    >>> nb = nbformat.v4.new_notebook(cells=[cell])
    >>> keep_inert_outputs(nb), dict(cell.outputs[0].data)
    (['cell 0: application/vnd.vega.v5+json'], {'text/plain': 'a chart'})
    """
    dropped = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data")
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            if not isinstance(data, dict):
                continue
            live = sorted(str(k) for k in data if k not in INERT_MIME_TYPES)
            if not live:
                continue
            for key in list(data):
                if key not in INERT_MIME_TYPES:
                    del data[key]
            if not data:
                data["text/plain"] = f"[{', '.join(live)[:200]}: not kept by the grader]"
            metadata = output.get("metadata")
            if isinstance(metadata, dict):
                for key in live:
                    metadata.pop(key, None)
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            dropped.append(f"{gid or f'cell {index}'}: {', '.join(live)}")
    return dropped


_SCAN_CONTEXTS: dict = {}


def _scan_context(fingerprint: str, snap):
    """Per notebook, once per worker: the instructor's import aliases and the names the tests
    rely on (builtins and modules)."""
    key = (fingerprint, snap.name)
    if key not in _SCAN_CONTEXTS:
        aliases = import_aliases(snap.locked_code())
        test_names = names_used_by_tests(snap.test_sources(), aliases)
        _SCAN_CONTEXTS[key] = (aliases, test_names)
    return _SCAN_CONTEXTS[key]


def _stop_on_sigterm() -> None:
    """In a worker: on ``SIGTERM`` (the parent stops an interrupted run) stop the kernel
    templates, remove their folders and exit at once (the task in progress is abandoned)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, frame):
        for warm in list(_WARM.values()):
            try:
                _close_template(warm)
            except Exception:
                pass
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _kernel_config(rel: str) -> bool:
    """Whether ``rel`` lies in a folder of the kernel's own configuration (never copied)."""
    top = rel.split(os.sep)[0]
    return top in _KERNEL_FOLDERS or bool(_KERNEL_NAMES.fullmatch(top))


def kernel_files(files, notebooks) -> list[str]:
    """The files of a submission (``files``, as listed, links and special files left out)
    that may be copied to the kernel, in order: not a notebook, nor the two files nbgrader
    writes, nor in a kernel configuration folder or a folder named as a notebook (it would
    stand where the autograded notebook goes). The sizes decide the rest (the grader's
    bounds, applied in this order; the resume ledger's digest reads the same)."""
    return [
        f
        for f in files
        if f not in notebooks
        and f not in NBGRADER_FILES
        and not f.endswith(".ipynb")
        and not _kernel_config(f)
        and f.split(os.sep)[0] not in notebooks
    ]


def grade_submission(task: SubmissionTask, context: GradingContext) -> SubmissionResult:
    """Grade every notebook of one submission (see the module docstring)."""
    _stop_on_sigterm()
    started = time.monotonic()
    deadline = started + context.budget_seconds if context.budget_seconds else None
    result = SubmissionResult(task.student, task.digest)
    folder = Path(task.folder)
    scratch = None
    warm = _warm_kernels(context)
    forked, noted = (warm.forked, len(warm.notes)) if warm else (0, 0)
    try:
        unreadable = unreadable_folder(folder)
        if unreadable:  # never followed nor opened: nothing of it is read or copied
            if "symbolic link" in unreadable:
                result.flags.append(Flag("file_access", unreadable))
            for name in sorted(context.snapshot.notebooks):
                result.flags.append(Flag("corrupted_notebook", f"{name}: {unreadable}"))
                result.zeroed.append(name)
            result.flags = sorted(set(result.flags))
            return result
        denied: list[str] = []
        files, short = list_files(folder, context.ignore, denied)
        denied += [f for f in files if _unreadable_file(folder / f)]
        if denied:  # an ERROR, retried on the next run: not graded as if it were not there
            raise PermissionError(f"the grader may not read {denied[0]} of the submission")
        if short:  # the rest of the folder is never read
            result.flags.append(Flag("too_large", f"the submission folder: {short}"))
        # A FIFO, a device or a socket would hang or flood the grader when opened: they are
        # reported and never opened (nor a setuid/setgid file copied).
        special = [f for f in files if _special(folder / f)]
        for rel in special:
            result.flags.append(Flag("special_file", f"{rel} ({_special(folder / rel)})"))
        files = [f for f in files if f not in special]
        # A symbolic link could make the grader read (and copy into the sandbox) any file it
        # can read, the instructor's notebook included: links are reported and never followed.
        links = [f for f in files if (folder / f).is_symlink()]
        for rel in links:
            result.flags.append(
                Flag("file_access", f"symlink {rel} -> {os.readlink(folder / rel)}")
            )
        files = [f for f in files if f not in links]  # links to folders among them
        expected = {f"{name}.ipynb": name for name in context.snapshot.notebooks}
        others = [f for f in files if f not in expected and f not in NBGRADER_FILES]
        stray = [f for f in others if f.endswith(".ipynb")]
        config = [f for f in others if _kernel_config(f)]
        for rel in config:
            result.flags.append(Flag("kernel_config", rel))
        result.files = kernel_files(files, expected)
        kept, total = [], 0
        for rel in result.files:  # sizes from lstat: a sparse file is as large as it says
            size = os.lstat(folder / rel).st_size
            if size > MAX_FILE_BYTES or total + size > MAX_FILES_BYTES:
                why = f"{rel}: {size / 2**20:.0f} MiB, not copied"
                result.flags.append(Flag("too_large", why))
            else:
                kept.append(rel)
                total += size
        result.files = kept
        for rel in others:
            if rel not in config:
                result.flags.append(Flag("extra_file", rel))
        scratch = _prepare_scratch(context, task, result.files)
        for filename, nb_name in sorted(expected.items()):
            path = folder / filename
            if filename in special:
                result.flags.append(Flag("corrupted_notebook", f"{filename} is not a file"))
                result.zeroed.append(nb_name)
                continue
            if filename in links:
                result.flags.append(Flag("corrupted_notebook", f"{filename} is a symbolic link"))
                result.zeroed.append(nb_name)
                continue
            if path.is_dir():
                result.flags.append(Flag("corrupted_notebook", f"{filename} is a folder"))
                result.zeroed.append(nb_name)
                continue
            if not path.is_file():
                hint = f" (submitted instead: {', '.join(stray)})" if stray else ""
                result.flags.append(Flag("missing_notebook", filename + hint))
                result.zeroed.append(nb_name)
                continue
            size = os.lstat(path).st_size
            if size > MAX_NOTEBOOK_BYTES:
                limit = MAX_NOTEBOOK_BYTES // 2**20
                why = f"{filename}: {size / 2**20:.0f} MiB, above the {limit} MiB the grader reads"
                result.flags.append(Flag("too_large", why))
                result.zeroed.append(nb_name)
                continue
            try:
                with memory_bound(PARSE_MEMORY_BYTES):  # MemoryError: unreadable, scored 0
                    text = path.read_bytes().decode("utf-8")  # at most MAX_NOTEBOOK_BYTES
                    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
                    why, tree = _parse_bounded(text)
                    if why:  # parsing a million tiny cells takes gigabytes
                        result.flags.append(Flag("too_large", f"{filename}: {why}"))
                        result.zeroed.append(nb_name)
                        continue
                    if _repair_raw(tree, result.flags):
                        text = json.dumps(tree)
                    invalid: dict = {}  # nbformat's own validation, kept to be acted on
                    nb = nbformat.reads(text, as_version=4, capture_validation_error=invalid)
                    if not isinstance(nb.get("cells"), list):
                        raise ValueError("no list of cells")
                    _fit_metadata(nb, filename, result.flags, validate=bool(invalid))
                    if _SURROGATE_ESCAPE.search(text):  # a lone one, anywhere, cannot be written
                        nbformat.writes(nb).encode("utf-8")
            except Exception as err:  # JSON, schema, encoding, memory: all unreadable
                why = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
                if isinstance(err, MemoryError):
                    why = f"reading it takes more than {PARSE_MEMORY_BYTES // 2**20} MiB"
                result.flags.append(Flag("corrupted_notebook", f"{filename}: {why}"))
                result.zeroed.append(nb_name)
                continue
            try:
                executed, status = _grade_notebook(
                    context, task, nb_name, nb, scratch, result.flags, deadline
                )
            except ValidationError as err:
                why = str(err).splitlines()[0][:120]
                result.flags.append(Flag("invalid_metadata", f"{filename}: {why}"))
                result.zeroed.append(nb_name)
                continue
            except _INPUT_ERRORS as err:  # what the submission holds broke a check: 0, flagged
                why = f"{type(err).__name__}: {str(err).splitlines()[0][:100] if str(err) else ''}"
                result.flags.append(Flag("corrupted_notebook", f"{filename}: {why}"))
                result.zeroed.append(nb_name)
                continue
            result.notebooks[nb_name] = executed
            if status is not None:
                result.sandbox = {"applied": status.applied, "missing": status.missing}
    except Exception:
        result.error = traceback.format_exc(limit=8)
        result.flags.append(Flag("grading_error", traceback.format_exc(limit=1).splitlines()[-1]))
    finally:
        if scratch is not None and not context.keep_scratch:
            remove_tree(scratch)  # at any depth the kernel nested folders
        if warm is not None:
            result.forked_kernels = warm.forked - forked
            result.kernel_notes = warm.notes[noted:]
        result.seconds = time.monotonic() - started
    result.flags = bounded(result.flags)
    return result
