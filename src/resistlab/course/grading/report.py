"""What the lecturer sees: a progress bar with ETA, warnings, the summary table and its CSV."""

from __future__ import annotations

import csv
import re
import sys
import time
import unicodedata
from pathlib import Path

from .flags import format_flags

__all__ = ["Progress", "csv_cell", "safe", "safe_lines", "summary_table", "warn", "write_csv"]

CSV_COLUMNS = [
    "student",
    "score",
    "max_score",
    "late_penalty",
    "failed_tests",
    "review",
    "flags",
    "status",
    "seconds",
]


def safe(text) -> str:
    r"""``text`` with every character that is not printable shown as an escape.

    Not printable (``str.isprintable``): Unicode's "Other" and "Separator" characters but the
    ASCII space, that is, the controls a terminal interprets (C0, C1, DEL), the format
    characters (bidirectional overrides, zero-width spaces), the line and paragraph
    separators, every other space (no-break, thin), the surrogates a file name that is not
    UTF-8 becomes, private-use and unassigned code points; and the characters Python counts
    as printable that show as nothing or as a blank (every combining mark, and the letters
    and symbols of :data:`_BLANK`: three folders `ben`, `ben` with U+FE0F and `ben` with
    U+3164 had read alike). None can move the cursor, break a line or pass for nothing.

    Examples
    --------
    >>> safe("alice\x1b[2K\rbob")
    'alice\\x1b[2K\\rbob'
    >>> print(safe("a\u2028b\u200bc\xa0d e"))
    a\u2028b\u200bc\xa0d e
    >>> print(safe("ben\ufe0f ben\u3164 \u2800"))
    ben\ufe0f ben\u3164 \u2800
    """
    text = str(text)
    if text.isprintable() and text.isascii():
        return text
    return "".join(_escaped(c) for c in text)


def _escaped(c: str) -> str:
    if not c.isprintable():
        return repr(c)[1:-1]
    if _BLANK.match(c) or unicodedata.category(c) in ("Mn", "Me"):
        return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
    return c


#: Printable characters (``str.isprintable``) that show as nothing or as a blank: every
#: combining mark (Unicode's classes Mn and Me: variation selectors, the combining grapheme
#: joiner, fillers and selectors of other scripts, review 52's U+16FE4, U+1BC9D, U+1DA9B),
#: found by class in :func:`_escaped`, and the letters and symbols drawn as a blank (Hangul
#: fillers, the Braille blank, the musical null notehead), listed here.
_BLANK = re.compile("[\u115f\u1160\u2800\u3164\uffa0\U0001d159]")


#: A student id the exchange and ``--zip-collect`` accept: ASCII letters, digits and
#: ``. _ @ + -``, starting with a letter or digit (login names, e-mail addresses, LMS ids).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]*")


def id_problem(student_id: str) -> str | None:
    r"""Why ``student_id`` (a name a student chose: an inbound folder's, an upload's) cannot
    be taken as a student's id, or None.

    An id is read by people in summaries and by programs in CSV files (nbgrader's
    ``export`` writes it unquoted: a line break in an id had forged another student's row),
    so it is ASCII letters, digits and ``. _ @ + -``, starting with a letter or digit: no
    space, separator, control or invisible character, no formula start, and no letter that
    only looks like an ASCII one (``ben`` with a zero-width space, a variation selector or a
    Cyrillic ``е`` had printed as more rows for ben).

    Examples
    --------
    >>> id_problem("ben") is None and id_problem("amy.smith@uni.example") is None
    True
    >>> id_problem("zz\n01-dose-response,,,ben").split(":")[0]
    "it holds '\\n'"
    >>> id_problem("b\u0435n").split(":")[0]
    "it holds '\\u0435'"
    """
    if _ID.fullmatch(student_id or ""):
        return None
    rule = "an id is ASCII letters, digits and . _ @ + -, starting with a letter or digit"
    if not student_id:
        return f"it is empty: {rule}"
    if not student_id[0].isascii() or not student_id[0].isalnum():
        if _ID.fullmatch("a" + student_id[1:]):
            return f"it starts with {_shown(student_id[0])}: {rule}"
    bad = next(
        c for c in student_id[1:] + student_id[0] if not re.fullmatch(r"[A-Za-z0-9._@+-]", c)
    )
    return f"it holds {_shown(bad)}: {rule}"


def _shown(char: str) -> str:
    return repr(char) if char.isascii() else f"'\\u{ord(char):04x}'"


def safe_lines(text) -> str:
    r"""``text`` escaped as :func:`safe` does, line by line (its line breaks are kept).

    Examples
    --------
    >>> print(safe_lines("no submission by \x1b[2Jmallory\nstudents: alice"))
    no submission by \x1b[2Jmallory
    students: alice
    """
    return "\n".join(safe(line) for line in str(text).split("\n"))


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``= + - @``, tab or carriage return
    (a formula) gets a ``'`` in front (OWASP's advice), and so does one after a ``;``, where
    a spreadsheet that splits lines on ``;`` (Excel's default where the list separator is
    ``;``) starts a cell (review 58: a file named ``notes;=2+3;``); control characters are
    escaped.

    Examples
    --------
    >>> csv_cell("=HYPERLINK(1)"), csv_cell("-2"), csv_cell("alice")
    ("'=HYPERLINK(1)", "'-2", 'alice')
    >>> csv_cell("extra_file(notes;=2+3;)")
    "extra_file(notes;'=2+3;)"
    """
    text = _AFTER_SEMICOLON.sub(";'", str(value))
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return safe(text)


_AFTER_SEMICOLON = re.compile(r";(?=[=+\-@\t\r])")


def warn(message: str, *, stream=None) -> None:
    """Print a warning that cannot be missed (a framed block on stderr)."""
    stream = stream or sys.stderr
    lines = [safe(line) for line in message.strip().splitlines()] or [""]
    width = min(100, max(len(line) for line in lines) + 4)
    print("!" * width, file=stream)
    for line in lines:
        print(f"! {line}", file=stream)
    print("!" * width, file=stream, flush=True)


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """A progress bar with an ETA on a terminal, periodic lines otherwise.

    Parameters
    ----------
    total : int
        Number of submissions to grade.
    stream : file, optional
        Where to write (``sys.stderr``).
    """

    def __init__(self, total: int, *, stream=None, width: int = 30):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._last_line = 0.0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def eta(self) -> float | None:
        """Seconds left, from the mean wall time per finished submission."""
        if not self.done:
            return None
        per = (time.monotonic() - self.started) / self.done
        return per * (self.total - self.done)

    def update(self, student: str, note: str = "") -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        eta = self.eta()
        rate = f"{self.done / elapsed:.2f}/s" if elapsed > 0 else ""
        text = (
            f"{self.done}/{self.total} {rate} elapsed {_duration(elapsed)}"
            f" ETA {_duration(eta) if eta is not None else '?'} · {safe(student)} {note}"
        )
        if self.tty:
            filled = int(self.width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (self.width - filled)
            print(f"\r\x1b[2K[{bar}] {text}"[:200], end="", file=self.stream, flush=True)
            if self.done == self.total:
                print(file=self.stream)
        elif (
            self.done == self.total
            or time.monotonic() - self._last_line > 10
            or self.done % max(1, self.total // 10) == 0
        ):
            self._last_line = time.monotonic()
            print(f"graded {text}", file=self.stream, flush=True)


def _fmt(value) -> str:
    return "" if value is None else f"{value:g}"


def summary_table(rows) -> str:
    """The summary as aligned text: student, score, max, failed tests, flags."""
    table = [("student", "score", "max", "failed tests", "flags")]
    for row in rows:
        score = _fmt(row.score) if row.status != "error" else "ERROR"
        if row.late_penalty:
            score += f" (-{row.late_penalty:g} late)"
        flags = format_flags(row.flags)
        if row.status == "skipped":
            flags = (flags + " [unchanged, not regraded]").strip()
        failed = ", ".join(row.failed[:3]) + (
            f" +{len(row.failed) - 3}" if len(row.failed) > 3 else ""
        )
        cells = (row.student, score, _fmt(row.max_score), failed or "-", flags or "-")
        table.append(tuple(safe(c) for c in cells))
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    lines = []
    for k, r in enumerate(table):
        lines.append("  ".join([*(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)), r[4]]))
        if k == 0:
            lines.append("  ".join(["-" * w for w in widths] + ["-----"]))
    return "\n".join(line.rstrip() for line in lines)


def write_csv(rows, path: Path) -> Path:
    """Write the summary as CSV (one row per student); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    # a file name that is not UTF-8 reaches a flag as surrogates: written as \udcXX escapes
    with tmp.open("w", newline="", encoding="utf-8", errors="backslashreplace") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    csv_cell(cell)
                    for cell in (
                        row.student,
                        _fmt(row.score),
                        _fmt(row.max_score),
                        _fmt(row.late_penalty),
                        ";".join(row.failed),
                        "yes" if row.review else "no",
                        " ".join(str(f) for f in row.flags),
                        row.status,
                        f"{row.seconds:.1f}",
                    )
                ]
            )
    tmp.replace(path)
    return path
