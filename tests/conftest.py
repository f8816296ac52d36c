"""Shared test set-up. Qt must be offscreen before any QApplication exists."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the desktop app's network (runtime.py) listens and announces on loopback only in tests,
# under a DNS-SD type of this run's own, so no packet leaves the machine and parallel
# runs do not meet each other
os.environ.setdefault("P2PSOCIAL_LISTEN_IP", "127.0.0.1")
os.environ.setdefault("P2PSOCIAL_LAN_SERVICE_TYPE",
                      f"_p2ps-t{os.getpid() % 100_000}._udp.local.")

# --- the fast tier (make test-fast: -m "not slow and not adversarial") --------------------
# Tests that take more than about a second on the shared 2-core machine (measured with
# --durations=0 while other test runs shared it), listed here rather than marked in
# their files, so that parallel branches do not all edit test files. A module's name
# marks all its tests; "module::test" one test (every parametrisation). Why, each time:
# the cost is real processes, real networks or volume, not a slow implementation.
# tests/test_fast_tier.py checks that every name still exists.

_SERVE = "real 'p2psocial serve' processes and their sessions"
_CLI = "CLI subprocesses (half a second each, several per test)"
_NETNS = "network namespaces with serve processes on a simulated LAN"
_NODES = "several real libp2p hosts on loopback, or a process of its own"
_BENCH = "a benchmark, run small"
_VOLUME = "volume: thousands of examples, entries or QR codes"
SLOW: dict[str, str] = {
    "test_bench.py::test_propagation_tiny": _BENCH,
    "test_bench.py::test_idle_quick": _BENCH,
    "test_bench.py::test_ui_quick": _BENCH,
    "test_bench.py::test_private_quick": _BENCH,
    "test_bench.py::test_live_quick": _BENCH,
    "test_bench.py::test_devices_quick": _BENCH,
    "test_bench.py::test_mutes_tiny": _BENCH,
    "test_bench.py::test_blocklist_quick": _BENCH,
    "test_bench.py::test_storage_quick": _BENCH,
    "test_bench.py::test_queries_tiny": _BENCH,
    "test_bench.py::test_ingest_tiny": _BENCH,
    "test_bench.py::test_primitives_quick": _BENCH,
    "test_bench.py::test_reconnect_quick": _BENCH,
    "test_bench.py::test_attack_quick": _BENCH,
    "test_bench.py::test_gossip_sign_quick": _BENCH,
    "test_bench.py::test_reach_quick": _BENCH,
    "test_bench.py::test_attack_names_an_unknown_attack_in_one_line": _BENCH,
    "test_cli.py::test_passphrase": _CLI + " and Argon2id",
    "test_cli.py::test_post_reply_react_edit_delete": _CLI,
    "test_cli.py::test_export_import": _CLI,
    "test_cli.py::test_user_errors_are_one_line": _CLI,
    "test_cli.py::test_follow_block_profile": _CLI,
    "test_cli.py::test_verify_reports_damage": _CLI,
    "test_cli.py::test_restore_from_phrase": _CLI,
    "test_cli_circles.py": _CLI,
    "test_net_address_exchange.py": _NODES,
    "test_cli_communities.py": _SERVE,
    "test_cli_control.py": _SERVE,
    "test_cli_dm.py": _CLI,
    "test_cli_e2e_two_homes.py": _SERVE,
    "test_cli_devices.py": _SERVE,
    "test_cli_takeout.py": _SERVE,
    "test_cli_moderation.py": _SERVE,
    "test_cli_mutes.py": _SERVE,
    "test_cli_blocklists.py": _SERVE,
    "test_net_refusals.py": _NODES,
    "test_cli_storage.py": _SERVE,
    "test_cli_far_future.py": _CLI,
    "test_cli_groups.py": _CLI,
    "test_cli_peers_reach.py": _SERVE,
    "test_reach_state.py": "a simulated internet in namespaces, serve processes",
    "test_net_dialback.py::test_friends_confirm_each_other_public_and_see_a_direct_path":
        _NODES,
    "test_cli_attachments.py::test_dm_with_a_file_and_save_through_a_running_serve": _SERVE,
    "test_cli_attachments.py::test_save_fetches_a_missing_blob_from_a_serve_on_the_lan": _SERVE,
    "test_cli_attachments.py::test_a_picture_and_a_file_reach_the_reader_and_save": _CLI,
    "test_cli_attachments.py::test_a_file_alone_and_a_group_post_with_a_file": _CLI,
    "test_cli_mentions.py::test_an_unknown_or_ambiguous_name_says_what_to_write": _CLI,
    "test_cli_mentions.py::test_a_known_name_becomes_a_mention": _CLI,
    "test_cli_mentions.py::test_errors_start_with_a_capital": _CLI,
    "test_cli_attachments.py::test_limits_are_one_line": _CLI,
    "test_cli_serve.py::test_two_served_homes_join_and_see_each_others_posts": _SERVE,
    "test_cli_serve.py::test_sync_once_between_a_served_home_and_a_fresh_one": _SERVE,
    "test_cli_serve.py::test_a_port_in_use_is_one_line": _SERVE,
    "test_cli_serve_pictures.py": _SERVE,
    "test_net_blob_fetcher.py::"
    "test_a_picture_reaches_a_reader_through_a_friend_while_its_author_is_offline": _NODES,
    "test_net_blob_fetcher.py::"
    "test_a_missing_picture_is_fetched_when_a_peer_that_has_it_connects": _NODES,
    "test_cli_serve.py::test_join_refuses_a_mistyped_code": _CLI,
    "test_crash.py": "writers SIGKILLed mid-ingest, again and again",
    "test_cursor_text.py::test_the_command_line_refuses_them_in_one_line": _CLI,
    "test_invite.py::test_any_addresses_round_trip_capped_at_eight": _VOLUME,
    "test_interop_js.py": "js-libp2p processes (node) against real services",
    "test_net_bad_peers.py": _NODES,
    "test_net_admission.py::test_inbound_connections_that_closed_give_their_place_back":
        "260 inbound connections to a real host",
    "test_net_admission.py::test_a_thousand_handshakes_cut_short_leave_the_door_open":
        "1,100 inbound sockets to a real host",
    "test_net_community.py::test_an_always_on_member_carries_posts_while_the_author_is_away":
        _NODES,
    "test_net_community.py::test_join_a_community_on_the_lan_and_talk_without_following":
        _NODES,
    "test_net_discovery.py::test_a_device_that_vanishes_without_a_goodbye_is_reported_gone":
        "waits out mDNS answers that never come",
    "test_net_discovery.py::test_two_processes_find_each_other_and_see_the_goodbye": _NODES,
    "test_net_discovery.py::test_a_lost_answer_is_retried_until_the_device_resolves":
        "waits out mDNS retries",
    "test_net_flood.py::test_a_flooding_peer_is_cut_off_then_banned_and_nothing_of_it_is_stored":
        _NODES,
    "test_net_host.py::test_a_reader_that_stops_holds_back_the_sender_at_the_window": _VOLUME,
    "test_net_session_limits.py::"
    "test_silent_and_byte_a_second_peers_are_cut_off_and_honest_ones_kept": _NODES,
    "test_net_session_limits.py::"
    "test_a_peer_that_asks_for_everything_again_and_again_is_cut_off": _NODES,
    "test_net_session_limits.py::test_strangers_share_one_send_budget_and_leave_no_rows":
        _NODES,
    "test_net_session_limits.py::test_stranger_sessions_are_capped_and_the_idlest_gives_way":
        _NODES,
    "test_net_ipv6.py::test_serve_listens_on_ipv6_alone_and_a_peer_syncs_over_it": _SERVE,
    "test_net_ipv6.py::test_a_bad_listen_address_is_one_line": _CLI,
    "test_net_ipv6.py::test_addresses_racing_at_once_leave_one_connection":
        _NODES + ", five dials and hang-ups",
    "test_net_lan_processes.py": _NETNS,
    # real hosts, a second or so each: out of the fast tier to keep it under 90 s
    "test_net_link.py": _NODES,
    "test_net_community.py::test_members_whose_full_rosters_differ_exchange_them_without_blame":
        _NODES,
    "test_net_sync.py::test_frames_that_queue_up_are_stored_in_one_transaction": _NODES,
    "test_net_delivery.py::test_sent_carried_by_a_friend_then_delivered": _NODES,
    "test_net_service.py::test_a_misbehaving_peer_is_banned_and_honest_peers_keep_syncing":
        _NODES,
    "test_net_relay.py::test_a_host_that_does_not_listen_is_reached_through_a_relay": _NODES,
    "test_net_gossip.py::test_a_gap_is_filled_by_the_sync_session": _NODES,
    "test_net_gossip.py::test_a_burst_of_200_posts_arrives_whole_in_a_few_messages": _NODES,
    "test_net_dialback.py::test_a_stranger_is_refused_and_a_friend_is_held_to_the_quota":
        _NODES,
    "test_net_lan_link.py": _NETNS,
    "test_net_lan_identity.py::test_a_friend_never_sees_a_device_gone_while_it_takes_new_names":
        "waits for announcements to change names",
    "test_net_lan_identity.py::"
    "test_a_stranger_learns_no_id_from_real_announcements_and_they_change": _NODES,
    "test_net_lan_identity.py::test_two_friends_find_each_other_and_a_stranger_stays_one":
        _NODES,
    "test_net_lan_privacy.py": _NODES,
    "test_net_discovery_netns.py": _NETNS,
    "test_net_relay_quota.py": _NODES,
    "test_net_mapped_path.py": _NODES + " (records pushed at most every 6 s)",
    "test_net_relay_slots.py::"
    "test_a_service_takes_a_slot_when_nobody_reaches_it_and_gives_it_up_when_one_does":
        _NODES,
    "test_net_mesh.py": "ten services in a mesh",
    "test_net_relay.py::test_friends_replicate_through_a_relay_when_one_cannot_be_dialed":
        _NODES,
    "test_net_relay_netns.py": _NETNS,
    "test_net_holepunch.py::test_friends_met_through_a_relay_keep_syncing_once_it_is_gone":
        _NODES,
    "test_net_holepunch.py::test_a_punch_that_cannot_connect_keeps_the_relayed_connection":
        "waits out three punch windows",
    "test_reach_punch.py": "serve processes behind NAT routers: hole punching",
    "test_internet_topology.py": "network namespaces: a simulated internet, NAT routers, "
        "miniupnpd",
    "test_portmap_netns.py": "serve processes behind NAT routers with miniupnpd",
    "test_reach_portmap.py": "serve processes in three homes of a simulated internet",
    "test_reach_ipv6.py": "serve processes in homes of a simulated internet",
    "test_reach_moves.py": "serve processes in three homes of a simulated internet",
    "test_net_restart.py": _SERVE,
    "test_net_service_lan.py::test_two_services_find_each_other_on_the_lan_and_replicate":
        _NODES,
    "test_store_merge.py": _VOLUME,
    "test_ui_communities.py::"
    "test_bob_joins_alices_community_from_people_and_they_talk_in_messages": _NODES,
    "test_ui_composer.py::test_a_draft_survives_a_restart": "restarts the app's back end",
    "test_ui_people.py::test_join_by_bobs_code_shows_him_connected_by_name_and_follows_him":
        _NODES,
    "test_ui_join_state.py::test_joining_a_peer_that_is_online_says_connected": _NODES,
    "test_ui_join_state.py::"
    "test_joining_a_peer_that_is_offline_says_why_then_connected_when_it_starts": _NODES,
    "test_ui_single_instance.py::"
    "test_two_processes_on_one_home_the_second_raises_the_first_and_exits":
        "two app processes",
    "test_ui_single_instance.py::"
    "test_the_app_on_a_home_a_serve_keeps_says_so_and_asks_nothing": _SERVE,
    "test_ui_single_instance.py::test_an_app_killed_leaves_nothing_that_blocks_the_next":
        "two app processes, one killed",
    "test_logs.py::test_the_app_keeps_libp2p_noise_in_its_log_file": "the app in a process "
        "of its own",
    "test_logs.py::test_serve_keeps_libp2p_noise_in_its_log_file": _SERVE,
    "test_ui_settings.py::test_a_wrong_current_passphrase_is_one_line_and_keeps_the_fields":
        "Argon2id, twice",
    "test_ui_smoke.py::test_the_command_paints_the_window_then_the_timeline":
        "the app in a process of its own",
    "test_ui_theme_icons.py::test_the_wheel_ships_assets_and_translations": "builds a wheel",
    "test_ui_timeline.py::test_a_100k_store_scrolls_without_loading_everything": _VOLUME,
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.path.name
        name = getattr(item, "originalname", item.name)
        if module in SLOW or f"{module}::{name}" in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def trio_host(qapp: Any) -> Iterator[Any]:
    """A started ``ui.loop.TrioHost`` (Trio in guest mode on Qt), stopped afterwards."""
    from p2psocial.ui.loop import TrioHost

    host = TrioHost()
    host.start()
    yield host
    assert host.stop()


@pytest.fixture
def app_ctx(trio_host: Any, tmp_path: Any) -> Iterator[Any]:
    """An ``AppContext`` over a new home called Alice (tests/uikit.py), network off."""
    from tests.uikit import app_context

    yield from app_context(trio_host, tmp_path / "alice")


@pytest.fixture
def launch(qtbot: Any, trio_host: Any) -> Iterator[Any]:
    """``launch(home)`` opens a window on ``home`` as the app does (tests/uikit.py)."""
    from tests.uikit import Launches

    launches = Launches(qtbot, trio_host)
    yield launches
    launches.close()


@pytest.fixture
def home(qtbot: Any, app_ctx: Any) -> Iterator[Any]:
    """Alice's home page (``ui.home_page.HomePage`` on ``app_ctx``), shown at 700 x 800,
    stopped afterwards. (tests/test_ui_timeline.py has a ``home`` of its own.)"""
    from p2psocial.ui.home_page import HomePage

    page = HomePage(app_ctx)
    qtbot.addWidget(page)
    page.resize(700, 800)
    page.show()
    yield page
    page.stop()


@pytest.fixture
def bob(tmp_path: Any) -> Iterator[Any]:
    """A second home, Bob's, opened as the app opens one (a ``runtime.Backend``, network
    off; tests/uikit.py ``make_backend``), closed afterwards. (test_ui_people,
    test_ui_join_state and test_ui_tray have a ``bob`` of their own.)"""
    from tests.uikit import make_backend

    backend = make_backend(tmp_path / "bob", "Bob")
    yield backend
    backend.close()


@pytest.fixture
def quiet_libp2p() -> None:
    """libp2p's own log at CRITICAL only: the net tests that break connections on purpose
    (``pytestmark = pytest.mark.usefixtures("quiet_libp2p")``) would fill the output."""
    logging.getLogger("libp2p").setLevel(logging.CRITICAL)
