"""What a student controls is escaped where it reaches a person (issue 9, finding 7).

* a terminal: control codes in a student id or a file name cannot move the cursor, clear the
  line or hide the flags of the printed summary;
* a spreadsheet: summary CSV cells starting with ``=``, ``+``, ``-`` or ``@`` are not formulas;
* a browser: a student's ``text/html`` output and raw HTML in a markdown cell are inert in
  the feedback page (no script, no event handler).
"""

from __future__ import annotations

import csv
import re

import nbformat
import pytest
from course.grading.fixture_assignment import NAME, answer, release_copy, submit

from resistlab.course import Course
from resistlab.course.grading import GradeOptions, generate_feedback, grade_assignment
from resistlab.course.grading.flags import Flag
from resistlab.course.grading.gradebook import GradeRow
from resistlab.course.grading.report import summary_table, write_csv

HIDE = "\x1b[2K\r\x1b[1A"  # erase the line, carriage return, cursor up


def _row(student, flags=()):
    return GradeRow(student, 5.0, 5.0, 0.0, [], list(flags), 1.0, "graded")


def test_control_codes_never_reach_the_terminal():
    rows = [
        _row("mallory" + HIDE + "alice"),
        _row("bob", [Flag("extra_file", "x" + HIDE + "\x9b31m"), Flag("network", "1.2.3.4")]),
    ]
    table = summary_table(rows)
    assert not any(ch in table for ch in "\x1b\r\x9b\x07\x08"), repr(table)
    assert "network(1.2.3.4)" in table
    assert "\\x1b" in table  # shown, escaped


def test_invisible_characters_and_line_separators_are_shown_escaped(tmp_path):
    """A zero-width space, a line separator, NEL or a no-break space in a file name or a
    grade id is shown as an escape in the summary and the CSV, however the flag quotes it (a
    review had an extra file print as ``extra_file(.txt)``, and one grade id escaped in one
    flag and raw in the next)."""
    odd = "zz\u202e)oof\u202c\u2028NEXT\x85NEL\u200bZW\xa0\ufeff"
    rows = [
        _row(
            "ben",
            [
                Flag("extra_file", "\u200b.txt"),
                Flag("invalid_metadata", f"{odd!r}: not a cell of the assignment"),
                Flag("invalid_metadata", f"unknown cell {odd}"),
            ],
        )
    ]
    table = summary_table(rows)
    path = write_csv(rows, tmp_path / "summary.csv")
    text = path.read_text(encoding="utf-8")
    for shown in (table, text):
        assert not [c for c in shown if not c.isprintable() and c not in "\n\r"], repr(shown)
        assert "extra_file(\\u200b.txt)" in shown
        assert shown.count("\\u2028NEXT\\x85NEL\\u200bZW\\xa0\\ufeff") == 2


def test_characters_that_show_as_nothing_are_shown_escaped(tmp_path):
    """Variation selectors, Hangul fillers, the combining grapheme joiner and the Braille
    blank are printable to Python but show as nothing or a blank: three folders ``ben``,
    ``ben`` + U+FE0F and ``ben`` + U+3164 had read alike in the summary and the CSV, and
    file names of them as blanks (review 51), and so had other scripts' fillers and
    selectors (review 52): every combining mark is escaped, not a list of them."""
    blanks = "\u034f\u115f\u1160\u17b4\u180b\u2800\u3164\ufe0f\uffa0\U000e0100"
    more = "\U00016fe4\U0001bc9d\U0001da9b\U0001d159"  # review 52: of other scripts
    rows = [
        _row("ben"),
        _row("ben\ufe0f"),
        _row("ben\u3164", [Flag("extra_file", "f" + blanks + "x")]),
        _row("ben\U00016fe4", [Flag("extra_file", more)]),
    ]
    table = summary_table(rows)
    text = write_csv(rows, tmp_path / "summary.csv").read_text(encoding="utf-8")
    for shown in (table, text):
        assert not [c for c in blanks if c in shown], ascii(shown)
        assert "ben\\ufe0f" in shown and "ben\\u3164" in shown
        assert "f\\u034f\\u115f\\u1160\\u17b4\\u180b\\u2800\\u3164\\ufe0f" in shown
        assert "\\uffa0\\U000e0100x" in shown
        assert not [c for c in more if c in shown], ascii(shown)
        assert "ben\\U00016fe4" in shown and "\\U0001bc9d\\U0001da9b\\U0001d159" in shown


def test_csv_cells_are_never_formulas(tmp_path):
    rows = [
        _row('=HYPERLINK("http://x")', [Flag("extra_file", "@SUM(A1)")]),
        _row("+1", [Flag("extra_file", "-2")]),
    ]
    path = write_csv(rows, tmp_path / "summary.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells


def test_csv_cells_split_on_semicolons_are_never_formulas(tmp_path):
    """Review 58 #3: a spreadsheet that splits lines on ``;`` (Excel's default where the list
    separator is ``;``) saw a cell ``=2+3`` in the flags of a file named ``notes;=2+3;``. What
    follows a ``;`` in a cell gets a ``'`` too."""
    rows = [_row("bob", [Flag("extra_file", "notes;=2+3;@x;-1;+2")])]
    path = write_csv(rows, tmp_path / "summary.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh, delimiter=";"))
    cells = [cell for row in lines[1:] for cell in row]
    assert len(cells) > 1, cells  # (the line was split)
    assert not [c for c in cells if c.lstrip('"')[:1] in ("=", "+", "-", "@")], cells
    with path.open(newline="", encoding="utf-8") as fh:
        header, row = list(csv.reader(fh))
    assert header[:2] == ["student", "score"] and row[0] == "bob"
    assert "extra_file(notes;'=2+3;'@x;'-1;'+2)" in row


@pytest.mark.slow
def test_student_html_is_inert_in_feedback(fixture_course):
    nb = answer(release_copy(fixture_course))
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "from IPython.display import HTML, Markdown, display\n"
            "display(HTML('<script>alert(\"out\")</script><img src=x onerror=alert(1)>'))\n"
            "display(Markdown('<script>alert(\"md-out\")</script>'))"
        )
    )
    nb.cells.append(
        nbformat.v4.new_markdown_cell("<script>alert('md')</script><b onclick=x()>b</b>")
    )
    submit(fixture_course, "xss", nb)
    grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=1, timeout=10, quiet=True),
        log=lambda *a: None,
    )
    pages = generate_feedback(Course(fixture_course), NAME, log=lambda *_: None)
    page = next(p for p in pages if p.student == "xss")
    html = page.path.read_text(encoding="utf-8")
    assert "<script>alert" not in html
    handlers = re.findall(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=[^<>]*>", html)
    assert handlers == [], handlers


CLEAR = "\x1b[2J"  # clear the screen
TITLE = "\x1b]0;all passed\x07"  # OSC: set the terminal's title


@pytest.mark.slow
def test_feedback_and_cli_errors_escape_student_ids(fixture_course, capsys):
    """``resistlab feedback`` names each student (a folder name the student controls) and a
    command's error message lists students: neither lets a control code reach the terminal
    (ATTACK_REPORT #5: ``feedback`` printed ids raw, clearing the instructor's screen)."""
    from resistlab.course import cli

    student = CLEAR + "ansi" + TITLE
    submit(fixture_course, student, answer(release_copy(fixture_course)))
    grade_assignment(
        Course(fixture_course),
        NAME,
        GradeOptions(jobs=1, timeout=10, quiet=True),
        log=lambda *a: None,
    )
    capsys.readouterr()
    assert cli.main(["--course", str(fixture_course), "feedback", NAME]) == 0
    printed = capsys.readouterr()
    assert "1 feedback page(s) written." in printed.out
    for text in (printed.out, printed.err):
        assert not any(ch in text for ch in "\x1b\x07\x9b"), repr(text)
    assert "\\x1b[2Jansi" in printed.out  # shown, escaped

    args = ["--course", str(fixture_course), "feedback", NAME, "--student", "x" + CLEAR]
    assert cli.main(args) == 2
    printed = capsys.readouterr()
    assert "no autograded submission" in printed.err
    assert not any(ch in printed.out + printed.err for ch in "\x1b\x07\x9b"), repr(printed)
    args = ["--course", str(fixture_course), "grade", NAME, "--student", "y" + TITLE]
    assert cli.main(args) == 2
    printed = capsys.readouterr()
    assert "no submission of" in printed.err and "\\x1b[2Jansi" in printed.err
    assert not any(ch in printed.out + printed.err for ch in "\x1b\x07\x9b"), repr(printed)
