"""The progress line of long commands (`sigill views rebuild`, `views catch-up`), its counts as Swedish writes
them (1 000 000: a narrow no-break space)."""

from __future__ import annotations

from services.cli_progress import progress_line, shown


def test_the_line_says_how_far_of_about_how_many_and_how_long_is_left():
    # 880,000 left at 4,000/s
    assert progress_line("bearbetat", 120_000, 1_000_000, 30.0) == (
        "bearbetat 120\u202f000 av cirka 1\u202f000\u202f000 händelser (12 %), cirka 4 min kvar …")
    assert progress_line("bearbetat", 500_000, 1_000_000, 7_500.0) == (
        "bearbetat 500\u202f000 av cirka 1\u202f000\u202f000 händelser (50 %), cirka 2 h 5 min kvar …")
    assert progress_line("bearbetat", 990, 1_000, 10.0).endswith("(99 %), cirka 1 s kvar …")


def test_no_estimate_before_the_rate_means_anything_nor_once_done():
    assert progress_line("bearbetat", 2_000, 1_000_000, 1.0) == (
        "bearbetat 2\u202f000 av cirka 1\u202f000\u202f000 händelser (0 %) …")
    assert progress_line("bearbetat", 1_000, 1_000, 60.0) == (
        "bearbetat 1\u202f000 av cirka 1\u202f000 händelser (100 %) …")


def test_a_run_past_its_total_or_without_one_names_none():
    """Events stored while it runs, or ids counted from a position: never "110 %"."""
    assert progress_line("bearbetat", 1_100, 1_000, 60.0) == "bearbetat 1\u202f100 händelser …"
    assert progress_line("bearbetat", 50, None, 60.0) == progress_line("bearbetat", 50, 0, 60.0) == (
        "bearbetat 50 händelser …")


def test_a_shorter_line_covers_the_longer_one_before_it(capsys):
    moments = iter([0.0, 10.0, 20.0])
    show = shown("bearbetat", 1_000, clock=lambda: next(moments))
    show(500)
    show(1_100)   # past the total: a shorter line, padded over the longer
    err = capsys.readouterr().err
    first, second = err.split("\r")[1:]
    assert first == "bearbetat 500 av cirka 1\u202f000 händelser (50 %), cirka 10 s kvar …"
    assert second.rstrip() == "bearbetat 1\u202f100 händelser …" and len(second) == len(first)
