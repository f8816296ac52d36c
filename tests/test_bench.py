"""The benchmarks run, as real subprocesses, at tiny sizes, and print JSON lines.

Figures are not checked (the machine is shared and noisy): only that each benchmark
runs to the end and reports what bench/README.md says it reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMON = {"bench", "name", "python"}


def run_bench(*args: str, timeout: float = 60) -> list[dict[str, object]]:
    proc = subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]  # every line is JSON
    assert lines, "no results"
    for line in lines:
        assert line.keys() >= COMMON, line
        assert line["bench"] == args[0]
    return lines


def by_name(lines: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(line["name"]): line for line in lines}


def test_primitives_quick() -> None:
    got = by_name(run_bench("primitives", "--quick"))
    for name in ("ed25519_verify", "blake2b_entry_id", "decode_header"):
        assert got[name]["per_s"] > 0  # type: ignore[operator]
    assert got["sqlite_batched_insert"]["rows_per_s"] > 0  # type: ignore[operator]


def test_ingest_tiny(tmp_path: Path) -> None:
    got = by_name(run_bench("ingest", "--entries", "3000", "--out", str(tmp_path)))
    assert got["dataset"]["entries"] == 3000
    assert got["batched_insert"]["rows_per_s"] > 0  # type: ignore[operator]
    for name in ("by_runs", "per_entry"):
        assert got[name]["entries_per_s"] > 0  # type: ignore[operator]
        assert got[name]["ratio_to_insert"] > 0  # type: ignore[operator]
    assert {"meets_target", "file_bytes_per_entry"} <= got["by_runs"].keys()
    assert got["memory"]["peak_rss_mb"] > 0  # type: ignore[operator]
    assert list(tmp_path.glob("ingest-*.msgpack")), "generated data is cached"


def test_queries_tiny(tmp_path: Path) -> None:
    lines = run_bench("queries", "--entries", "5000", "--reps", "20", "--out", str(tmp_path))
    got = by_name(lines)
    assert got["store"]["entries"] == 5000
    timed = [line for line in lines if "ms_p50" in line]
    names = {str(line["name"]) for line in timed}
    assert {"home_first_page", "home_page_10", "account_posts", "mentions",
            "search_common_word", "search_rare_word"} <= names
    assert any(n.startswith("thread_") for n in names)
    for line in timed:
        assert {"ms_p99", "reps", "uses_index", "plans"} <= line.keys()
        assert line["rows"] > 0, line["name"]  # type: ignore[operator]


def test_unknown_benchmark_is_one_readable_line() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "nosuch"], cwd=ROOT,
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "nosuch" in proc.stderr


def test_generated_data_is_deterministic() -> None:
    from bench import common

    p = common.Params(entries=3000, authors=30, local_follows=5, thread_replies=50)

    def wires(processes: int) -> list[tuple[bytes, bytes]]:
        epochs, facts = common.generate(p, processes)
        out = [w for chunk in epochs for _author, ws in chunk for w in ws]
        assert facts().thread_replies == 50
        return out

    one = wires(1)
    assert len(one) == 3000
    assert wires(2) == one  # the signing pool changes nothing


def test_live_quick() -> None:
    """Two node processes over loopback; only the keys are checked, not the figures."""
    (line,) = run_bench("live", "--quick")
    assert line["name"] == "live"
    assert {"n", "received", "lost", "ms_p50", "ms_p99", "ms_max", "post_ms_p50",
            "after_post_ms_p50", "target_ms", "meets_target"} <= line.keys()
    assert line["n"] == 20
    assert line["target_ms"] == 10


def test_devices_quick() -> None:
    """Real serves and CLI commands on loopback; the keys and the counts are checked."""
    got = by_name(run_bench("devices", "--quick", timeout=180))
    link, revocation = got["link"], got["revocation"]
    assert link["links"] == 3 and link["exchange_ms_p50"] > 0  # type: ignore[operator]
    assert {"command_s_p50", "exchange_ms_max"} <= link.keys()
    assert revocation["revocations"] == 3
    assert {"one_hop_ms_p50", "two_hops_ms_p50", "two_hops_ms_max", "post_two_hops_ms_p50",
            "ratio"} <= revocation.keys()


def test_blocklist_quick() -> None:
    got = by_name(run_bench("blocklist", "--quick"))
    assert got["subscribe"]["refused"] == 100
    assert got["refused_ingest"]["refused"] == got["ingest"]["entries"] == 1000
    assert {"ratio_to_ingest", "body_mb_after", "free_mb_after"} <= got["subscribe"].keys()
    assert "ratio_to_ingest" in got["list_arrives"]


def test_storage_quick() -> None:
    """A flood against a 5 MB budget, with and without it: within it at the end; then
    a new blocklist applied (bench/blocklist.py's lines)."""
    got = by_name(run_bench("storage", "--quick", timeout=180))
    free, kept = got["unbudgeted"], got["budgeted"]
    assert free["budgeted_mb"] > 5 and kept["within_budget"] is True
    assert kept["bodies_dropped"] > 0 and kept["budgeted_mb"] <= 5  # type: ignore[operator]
    assert {"entries_per_s", "file_mb_max", "usage_scan_ms", "ratio"} <= kept.keys()
    assert got["blocklist_subscribe"]["refused"] == 100
    assert "ratio_to_ingest" in got["blocklist_subscribe"]


def test_propagation_tiny() -> None:
    got = by_name(run_bench("propagation", "--entries", "5", timeout=180))
    line = got["post reaches all nodes"]
    assert line["nodes"] == 10 and line["n"] == 5
    assert line["reached_all"] == 5 and line["lost"] == 0
    assert line["ms_p50"] > 0  # type: ignore[operator]


def test_idle_quick() -> None:
    line = by_name(run_bench("idle", "--quick", timeout=180))["node with 5 peers, nothing to do"]
    assert line["connected"] == 5
    assert line["cpu_percent_of_core"] >= 0  # type: ignore[operator]
    assert line["rss_mb"] > 0  # type: ignore[operator]


def test_private_quick(tmp_path: Path) -> None:
    got = by_name(run_bench("private", "--quick", "--pairs", "1", "--out", str(tmp_path),
                            timeout=240))
    decryption = got["trial_decryption"]
    assert decryption["found_all"] is True and decryption["us_per_entry"] > 0  # type: ignore[operator]
    assert got["sync_ratio"]["ratios"]


def test_ui_quick(tmp_path: Path) -> None:
    got = by_name(run_bench("ui", "--quick", "--out", str(tmp_path), timeout=240))
    assert got["scroll"]["ms_p95"] > 0 and got["scroll"]["rows_loaded"] > 0  # type: ignore[operator]
    assert 0 < got["startup"]["s_best"] < 60  # type: ignore[operator]


def test_reconnect_quick() -> None:
    got = by_name(run_bench("reconnect", "--quick", timeout=120))
    v1, v2 = got["version_1"], got["version_2"]
    assert v1["logs"] == v2["logs"] == 112
    assert v2["bytes_total"] < v1["bytes_total"]  # type: ignore[operator]
    assert v1["entries_received"] == v2["entries_received"] == 0  # up to date
    assert {"bytes_v2_to_v1", "meets_bytes_target", "meets_cpu_target"} <= got["ratios"].keys()


def test_attack_quick() -> None:
    got = by_name(run_bench("attack", "--quick", "--only", "equivocation", timeout=180))
    line = got["equivocation"]
    assert line["victim_alive"] is True
    for key in ("quiet_ms_p50", "attack_ms_p50", "p50_ratio", "rss_growth_mb",
                "victim_cpu_share", "to_attacker_mb_per_min"):
        assert isinstance(line[key], int | float), key


def test_attack_names_an_unknown_attack_in_one_line() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "attack", "--only", "nope"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "no attack named 'nope'" in proc.stderr and "Traceback" not in proc.stderr


def test_gossip_sign_quick() -> None:
    got = by_name(run_bench("gossip_sign", "--quick"))
    for name in ("build_unsigned", "sign_message", "unsigned_id", "verify_origin"):
        assert got[name]["per_s"] > 0  # type: ignore[operator]
    assert got["wire"]["signed_bytes"] > got["wire"]["unsigned_bytes"]  # type: ignore[operator]
    for name in ("loopback_unsigned", "loopback_strictsign"):
        assert got[name]["cpu_us_per_message"] > 0  # type: ignore[operator]


def test_reach_quick() -> None:
    """One run of the cheapest scenario (two hosts on one LAN) in the simulated
    internet; the namespace tests' tools are needed (tests/internet.py)."""
    from tests.internet import require_netns, require_tools

    require_netns()
    require_tools("iptables-legacy", "conntrack", "miniupnpd")
    got = by_name(run_bench("reach", "--quick", "--only", "lan", timeout=240))
    line = got["lan"]
    assert line["runs"] == 1 and line["direct_share"] == 1.0, line
    assert line["paths"] == [{"alice_sees_bob": "lan", "bob_sees_alice": "lan"}], line
    assert 0 < line["direct_s_p50"] < 60  # type: ignore[operator]


def test_mutes_tiny(tmp_path: Path) -> None:
    """bench/mutes.py: every read in the three cases, and what each hides."""
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
