"""The ``resistlab`` command for instructors.

``resistlab list``                      assignments, points and status
``resistlab release [NN-slug ...]``     student copies of all or some assignments
``resistlab validate [NN-slug ...]``    source copies pass all their tests, release copies none
``resistlab strip [--check] [NB ...]``  clear outputs from source notebooks (deterministic)
``resistlab grade NN-slug [--jobs N] [--student ID ...] [--force]``
                                        autograde submissions in parallel, sandboxed, resumably
``resistlab feedback NN-slug [--student ID ...]``
                                        per-student HTML feedback without hidden tests
``resistlab report NN-slug | --course [--format html|csv] [--out DIR]``
                                        what the class got wrong: scores, item analysis,
                                        misconceptions, integrity; trajectories and students
                                        at risk across assignments
``resistlab student-edition OUT``       what students may see: release copies, datasheets,
                                        a README and a Binder configuration, leak-checked

Run it inside the course repository (or pass ``--course PATH``).
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
from pathlib import Path

from resistlab import __version__
from resistlab.course import Course, CourseError, strip_notebook
from resistlab.course.grading.report import safe, safe_lines

__all__ = ["main"]


def _cmd_list(course: Course, args) -> int:
    assignments = course.select(args.assignments)
    rows = [("assignment", "title", "points", "tests", "status")]
    for a in assignments:
        rows.append((a.name, a.title, f"{a.points:g}", str(a.n_tests), course.status(a)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for k, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))
    total = sum(a.points for a in assignments)
    print(f"\n{len(assignments)} assignment(s), {total:g} points in all.")
    return 0


def _warn_if_open(course: Course) -> None:
    """Warn when other users of this machine can read the course's gradebook or sources."""
    from .privacy import course_exposure

    exposed = course_exposure(course.root)
    if exposed:
        shown = ", ".join(exposed[:3]) + (f" and {len(exposed) - 3} more" if exposed[3:] else "")
        print(
            safe(
                f"warning: other users of this machine can read {shown} in {course.root} "
                "(hidden tests, solutions, grades): on a shared machine or a hub, close it with "
                f"`chmod 700 {course.root}` (docs/jupyterhub.md)."
            ),
            file=sys.stderr,
        )


def _cmd_release(course: Course, args) -> int:
    _warn_if_open(course)
    course.release(args.assignments)
    return 0


def _cmd_validate(course: Course, args) -> int:
    results = course.validate(args.assignments)
    failed = [r for r in results if not r.ok]
    print(
        f"\n{len(results) - len(failed)} of {len(results)} checks passed"
        + (
            ": " + ", ".join(f"{r.assignment} ({r.copy})" for r in failed) + " failed."
            if failed
            else "."
        )
    )
    return 1 if failed else 0


def _cmd_strip(course: Course | None, args) -> int:
    paths = [Path(p) for p in args.notebooks] or [a.path for a in course.assignments()]
    changed = [p for p in paths if strip_notebook(p, check=args.check)]
    for path in changed:
        print(safe(f"{'would strip' if args.check else 'stripped'} {path}"))
    if args.check and changed:
        print(f"{len(changed)} notebook(s) carry outputs or run state; run `make strip`.")
        return 1
    return 0


#: Signals whose default action ends the process and that a handler can catch: each stops a
#: run as Ctrl-C does (review 49: SIGALRM, SIGXCPU and the rest had ended the parent alone).
_STOPPING_SIGNALS = (
    "SIGTERM",
    "SIGHUP",
    "SIGQUIT",
    "SIGUSR1",
    "SIGUSR2",
    "SIGALRM",
    "SIGVTALRM",
    "SIGPROF",
    "SIGXCPU",
    "SIGPWR",
    "SIGIO",
)


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def _cmd_grade(course: Course, args) -> int:
    from .grading.pool import start_pool

    _warn_if_open(course)
    if threading.current_thread() is threading.main_thread():
        # `kill`, `systemctl stop`, a closed terminal, any signal that would end it: stopped
        # as Ctrl-C stops it (the workers and their kernels too; before, the workers outlived
        # the parent, idle, with the run's folders)
        for name in _STOPPING_SIGNALS:
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), _interrupted)

    # workers load while we do
    executor = start_pool(args.jobs or os.cpu_count() or 1, own_ids=args.sandbox != "off")
    from .grading import GradeOptions, grade_assignment

    options = GradeOptions(
        jobs=args.jobs,
        students=args.student or None,
        force=args.force,
        timeout=args.timeout,
        sandbox=args.sandbox,
        memory_mb=args.memory or None,
        mark_review=not args.no_mark_review,
        csv_path=Path(args.csv) if args.csv else None,
        zip_collect=args.zip_collect,
        keep_scratch=args.keep_scratch,
        warm_kernels=not args.cold_kernels,
    )
    try:
        run = grade_assignment(course, args.assignment, options, executor=executor)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    gc.freeze()  # everything is written: skip the collector's last sweep of a large heap
    return 1 if run.errors else 0


def _cmd_feedback(course: Course, args) -> int:
    from .grading import generate_feedback

    pages = generate_feedback(course, args.assignment, args.student or None)
    print(f"\n{len(pages)} feedback page(s) written.")
    return 0


def _cmd_report(course: Course, args) -> int:
    from .grading.classreport import write_report

    if bool(args.assignment) == bool(args.course_wide):
        raise CourseError("name one ASSIGNMENT, or pass --course for the whole course (not both)")
    paths = write_report(
        course,
        None if args.course_wide else args.assignment,
        fmt=args.format,
        out=Path(args.out) if args.out else None,
    )
    for path in paths:
        print(safe(f"wrote {path}"))
    return 0


def _cmd_student_edition(course: Course, args) -> int:
    from .student_edition import build_student_edition

    build_student_edition(course, args.out)
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resistlab",
        description="Instructor tools for the resistlab course (nbgrader underneath).",
    )
    parser.add_argument("--version", action="version", version=f"resistlab {__version__}")
    parser.add_argument(
        "--course",
        metavar="PATH",
        help="the course folder (default: found from the current folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("list", help="assignments, points and status")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("release", help="generate student copies (all, or the ones named)")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.set_defaults(func=_cmd_release)

    p = sub.add_parser(
        "validate", help="source copies pass all their tests; release copies pass none"
    )
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("strip", help="clear outputs from source notebooks")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    p.add_argument("--check", action="store_true", help="only report; exit 1 if any would change")
    p.set_defaults(func=_cmd_strip, needs_course=False)

    p = sub.add_parser(
        "grade",
        help="autograde submitted/*/ASSIGNMENT in parallel, sandboxed and resumable",
        description="Autograde every submission of ASSIGNMENT (nbgrader's submitted/ layout) in "
        "parallel worker processes, each kernel in a sandbox; record grades in the gradebook, "
        "print a summary and write it as CSV. Unchanged, already graded submissions are skipped "
        "unless --force. See docs/grading.md.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        metavar="N",
        help="parallel workers (default: the number of CPUs)",
    )
    p.add_argument(
        "--student", action="append", metavar="ID", help="grade only this student (repeatable)"
    )
    p.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    p.add_argument(
        "--timeout",
        type=_positive_int,
        metavar="SECONDS",
        help="per-cell time limit (default: the course's Execute.timeout)",
    )
    p.add_argument(
        "--sandbox",
        choices=["auto", "require", "off"],
        default="auto",
        help="auto: apply what the machine supports and warn about the rest (default); "
        "require: refuse to grade without every layer; off: no sandbox",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=4096,
        metavar="MB",
        help="address-space limit per kernel (default 4096; 0 for none)",
    )
    p.add_argument(
        "--csv",
        metavar="PATH",
        help="where to write the summary (default grading/ASSIGNMENT/summary.csv)",
    )
    p.add_argument(
        "--zip-collect",
        action="store_true",
        help="first run `nbgrader zip_collect ASSIGNMENT` on the LMS downloads (with --force, "
        "collect again over earlier files)",
    )
    p.add_argument(
        "--no-mark-review",
        action="store_true",
        help="do not mark flagged submissions 'needs manual grade' in the gradebook",
    )
    p.add_argument(
        "--cold-kernels",
        action="store_true",
        help="start every kernel from a fresh interpreter instead of forking it from a warm "
        "template that imported numpy, SciPy and matplotlib once (slower; Linux "
        "only forks)",
    )
    p.add_argument("--keep-scratch", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser(
        "feedback",
        help="per-student HTML feedback: score, pass/fail and hints, no hidden tests",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument(
        "--student", action="append", metavar="ID", help="only this student (repeatable)"
    )
    p.set_defaults(func=_cmd_feedback)

    p = sub.add_parser(
        "report",
        help="what the class got wrong: scores, item analysis, misconceptions, integrity",
        description="After grading: an instructor report of ASSIGNMENT (score distributions, "
        "completion, late submissions, pass rate and discrimination of every test cell, the "
        "coaching messages of the failed assertions ranked, integrity flags), or with --course "
        "each student's trajectory and the students at risk. Written to reports/ in the course "
        "root (ignored by git); it names students, so keep it to the teaching team.",
    )
    p.add_argument("assignment", nargs="?", metavar="ASSIGNMENT")
    p.add_argument(
        "--course",
        "--all",
        dest="course_wide",
        action="store_true",
        help="report across every graded assignment (trajectories, students at risk)",
    )
    p.add_argument("--format", choices=["html", "csv"], default="html")
    p.add_argument("--out", metavar="DIR", help="where to write (default reports/ASSIGNMENT/)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "student-edition",
        help="build the student edition (release copies, datasheets, README, Binder files)",
        description="Write to OUT what students may see: nbgrader's release copies of every "
        "assignment, the datasheets, a README for students and requirements.txt for "
        "Binder/repo2docker. Refuses to write if any solution or hidden-test line would "
        "reach it.",
    )
    p.add_argument("out", metavar="OUT")
    p.set_defaults(func=_cmd_student_edition)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        needs_course = getattr(args, "needs_course", True) or not getattr(args, "notebooks", True)
        course = Course(args.course) if needs_course else None
        return args.func(course, args)
    except CourseError as err:
        # messages name students (folder names, which students control): escaped
        print(f"resistlab {args.command}: error: {safe_lines(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"resistlab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
