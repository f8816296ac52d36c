"""``python -m bench mutes`` runs on a small store and says what it measured: every
read without mutes, with typical mutes and with the worst filters, and how many posts
of the home each hides (bench/mutes.py)."""

from __future__ import annotations

from pathlib import Path

from tests.test_bench import by_name, run_bench


def test_mutes_tiny(tmp_path: Path) -> None:
    got = by_name(run_bench("mutes", "--entries", "5000", "--reps", "5", "--out",
                            str(tmp_path), timeout=120))
    for case in ("none", "typical", "worst"):
        for read in ("home_first_page", "home_page_10", "search_common_word",
                     "notifications"):
            line = got[f"{read}_{case}"]
            assert {"ms_p50", "ms_p99", "p50_ratio_to_none"} <= line.keys()
    assert got["home_first_page_none"]["hidden"] == 0
    typical, worst = got["home_first_page_typical"], got["home_first_page_worst"]
    assert 0 < typical["hidden"] < worst["hidden"] <= worst["home_posts"]  # type: ignore[operator]
    assert typical["mutes"] == 8 and typical["filters"] == 21
