"""Settings → Storage (ui/storage_section.py) on a real home: the sizes by kind, and a
smaller budget applied from the widgets drops what an account no longer replicated
left here, never Alice's own posts."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from p2psocial import content as c
from p2psocial.ui.context import AppContext
from p2psocial.ui.post_words import gone_words
from p2psocial.ui.settings_page import SettingsPage
from p2psocial.ui.storage_section import StorageSection
from tests.helpers import Author
from tests.uikit import WAIT, call, german

BIG = "\U0001f600" * 7990  # about 32 kB


def test_the_section_shows_sizes_and_a_smaller_budget_drops_others(
        app_ctx: AppContext, qtbot: QtBot) -> None:
    stranger = Author(7)
    for i in range(40):  # 1.3 MB of an account Alice does not replicate
        stranger.add(c.Post(f"{i} {BIG}"))
    call(qtbot, app_ctx, app_ctx.node.replication.ingest, stranger.log)
    call(qtbot, app_ctx, app_ctx.node.posts.post, "mine " + BIG)
    section = StorageSection(app_ctx)
    qtbot.addWidget(section)
    section.show()
    qtbot.waitUntil(lambda: section.sizes["other"].text() != "…", timeout=WAIT)
    assert section.sizes["other"].text() == "2.6 MB"  # bodies, and posts' derived text
    assert section.budget.value() == 3.0 and section.per_account.value() == 200
    assert section.used.text() == "Others use 2.6 MB of 3.0 GB."
    section.budget.setValue(0.001)  # 1 MB
    section.apply_button.click()
    qtbot.waitUntil(lambda: section.outcome.text().startswith("Saved."), timeout=WAIT)
    assert section.used.text().startswith("Others use ")
    assert "old posts were dropped to stay within it" in section.used.text()
    report = call(qtbot, app_ctx, app_ctx.backend.storage)
    assert report.budgeted <= 1_000_000 and report.limits.budget == 1_000_000
    mine = call(qtbot, app_ctx, app_ctx.node.feeds.account_posts, app_ctx.me)
    assert mine.items[0].text.startswith("mine ")  # never one's own
    oldest = call(qtbot, app_ctx, app_ctx.node.feeds.thread, stranger.log[1].id)[0]
    assert oldest.dropped and oldest.deleted  # out of every list, a placeholder in threads
    assert gone_words(oldest) == "Not kept on this computer (storage budget)."


def test_the_settings_page_holds_it_and_it_comes_out_german(app_ctx: AppContext,
                                                            qtbot: QtBot) -> None:
    page = SettingsPage(app_ctx)
    qtbot.addWidget(page)
    assert page.findChild(StorageSection, "storage_section") is page.storage
    page.stop()
    with german():
        section = StorageSection(app_ctx)
        qtbot.addWidget(section)
        assert section.title() == "Speicher"
        assert section.apply_button.text() == "Übernehmen"
        section.stop()
