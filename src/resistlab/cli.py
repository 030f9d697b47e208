"""The ``resistlab`` command for instructors.

``resistlab list``                  assignments, points and status
``resistlab release [NN-slug ...]`` student copies of all or some assignments
``resistlab validate [NN-slug ...]`` every source copy passes all its tests, every release copy none
``resistlab strip [--check] [NB ...]`` clear outputs from source notebooks (deterministic)

Run it inside the course repository (or pass ``--course PATH``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .course import Course, CourseError, strip_notebook

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


def _cmd_release(course: Course, args) -> int:
    course.release(args.assignments)
    return 0


def _cmd_validate(course: Course, args) -> int:
    results = course.validate(args.assignments)
    failed = [r for r in results if not r.ok]
    print(
        f"\n{len(results) - len(failed)} of {len(results)} checks passed"
        + (": " + ", ".join(f"{r.assignment} ({r.copy})" for r in failed) + " failed." if failed else ".")
    )
    return 1 if failed else 0


def _cmd_strip(course: Course | None, args) -> int:
    paths = [Path(p) for p in args.notebooks] or [a.path for a in course.assignments()]
    changed = [p for p in paths if strip_notebook(p, check=args.check)]
    for path in changed:
        print(f"{'would strip' if args.check else 'stripped'} {path}")
    if args.check and changed:
        print(f"{len(changed)} notebook(s) carry outputs or run state; run `make strip`.")
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resistlab",
        description="Instructor tools for the resistlab course (nbgrader underneath).",
    )
    parser.add_argument("--version", action="version", version=f"resistlab {__version__}")
    parser.add_argument(
        "--course", metavar="PATH", help="the course folder (default: found from the current folder)"
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        needs_course = getattr(args, "needs_course", True) or not getattr(args, "notebooks", True)
        course = Course(args.course) if needs_course else None
        return args.func(course, args)
    except CourseError as err:
        print(f"resistlab {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"resistlab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
