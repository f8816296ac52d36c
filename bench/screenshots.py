"""``make screenshots``: the real app on a real X server (Xvfb), PNGs of its main views.

The Makefile runs this under ``xvfb-run``. It builds the showcase home (showcase.py:
Alice and her village) in a temporary directory, starts the app in this process the
way ``p2psocial`` does (``ui.app.start``: same window, same launcher, same network,
on loopback only), also runs Bob's node so the People view has someone connected,
then walks through the views and saves ``window.grab()`` of each into
``docs/screenshots/`` (or the directory given). First-run views (onboarding, the
passphrase page) come from two more homes: an empty one and a sealed one. A menu
is a window of its own, which ``window.grab()`` leaves out: the post menu's scene
paints it onto the window's grab where it shows (``Shooter.with_popup``).

Between steps it waits for conditions (the timeline painted, images decoded, a peer
connected), never for fixed times, up to a deadline per step.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SIZE = (1100, 760)


def wait(app: Any, condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: gave up waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def settle(app: Any, seconds: float = 0.6) -> None:
    """Let images decode and animations end: run the loop for a short while."""
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


class Shooter:
    def __init__(self, app: Any, out: Path) -> None:
        self.app = app
        self.out = out
        self.saved: list[Path] = []

    def __call__(self, window: Any, name: str) -> None:
        settle(self.app)
        path = self.out / f"{name}.png"
        if not window.grab().save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        self.saved.append(path)
        print(f"saved {path}", flush=True)

    def with_popup(self, window: Any, popup: Any, name: str) -> None:
        """``window`` with ``popup`` (a menu: a window of its own, which
        ``window.grab()`` leaves out) painted where it shows on the screen."""
        from PySide6.QtCore import QPoint
        from PySide6.QtGui import QPainter

        settle(self.app)
        shot = window.grab()
        painter = QPainter(shot)
        painter.drawPixmap(popup.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0)),
                           popup.grab())
        painter.end()
        path = self.out / f"{name}.png"
        if not shot.save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        self.saved.append(path)
        print(f"saved {path}", flush=True)


def run(out: Path) -> int:
    os.environ.setdefault("P2PSOCIAL_LISTEN_IP", "127.0.0.1")  # loopback only
    # LAN discovery for Alice and Bob only: a DNS-SD type of this run's own
    os.environ.setdefault("P2PSOCIAL_LAN_SERVICE_TYPE",
                          f"_p2ps-{secrets.token_hex(4)}._udp.local.")
    from PySide6.QtWidgets import QApplication

    from p2psocial.home import Home
    from p2psocial.node import Node
    from p2psocial.runtime import Backend
    from p2psocial.settings import Settings, save_settings
    from p2psocial.ui import app as desktop
    from p2psocial.ui.context import AppContext

    from . import showcase

    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFontDatabase

    from p2psocial.ui.fonts import colour_emoji_family

    if colour_emoji_family(QFontDatabase.families()) is None:
        raise SystemExit("screenshots: no colour emoji font, emoji would be boxes: install "
                         "one (Debian: apt install fonts-noto-color-emoji)")
    shoot = Shooter(app, out)
    lan = Settings(lan=True, relay=False)
    with tempfile.TemporaryDirectory(prefix="p2psocial-shots-") as tmp:
        scratch = Path(tmp)
        # first run: onboarding in an empty home, the passphrase page of a sealed one
        launcher = desktop.start(app, scratch / "new")
        launcher.window.resize(*SIZE)
        shoot(launcher.window, "01-onboarding")
        desktop.shut_down(launcher)
        launcher.window.close()
        sealed = scratch / "sealed"
        Node.init(Home(sealed), "Zoë", "a passphrase", opslimit=1, memlimit=8192).close()
        launcher = desktop.start(app, sealed)
        launcher.window.resize(*SIZE)
        shoot(launcher.window, "02-unlock")
        desktop.shut_down(launcher)
        launcher.window.close()

        home, others = scratch / "alice", scratch / "others"
        showcase.build(home, others)
        save_settings(home, lan)
        save_settings(others / "Bob", lan)
        launcher = desktop.start(app, home)
        window = launcher.window
        window.resize(*SIZE)
        wait(app, lambda: launcher.ctx is not None, "the home to open")
        ctx = launcher.ctx
        home_page = window.section("home")
        wait(app, lambda: bool(home_page.timeline_view.model().posts), "the timeline")
        shoot(window, "03-home")
        shoot_post_scenes(app, shoot, window, home_page.timeline_view)

        posts = home_page.timeline_view.model().posts
        bread = next(p for p in posts if "Sourdough" in p.text)
        window.open_thread(bread.id)
        wait(app, lambda: window.title.text() != "", "the thread")
        shoot(window, "04-thread")

        dan = next(p.author for p in posts if p.author_name == "Dan")
        window.open_profile(dan)
        shoot(window, "05-profile")

        window.show_section("notifications")
        shoot(window, "06-notifications")

        window.open_search("#garden")
        shoot(window, "07-search")

        bob = Backend.open(others / "Bob", None)
        bob_ctx = AppContext(launcher.host, bob)
        launcher.host.call(bob.run)
        wait(app, lambda: bob.status().state == "online" and ctx.backend.status().state
             == "online", "both networks")
        people = window.show_section("people")
        people.code.setText(bob.invite_code())  # joined as a person joins: the message shows
        people.join()
        wait(app, lambda: ctx.backend.status().connected >= 1, "Bob to connect")
        wait(app, lambda: "connected" in people.join_outcome.text(), "the join to resolve")
        wait(app, lambda: bool(people.communities.rows), "Bob's community nearby")
        shoot(window, "08-people")
        people.code.setText(offline_code(scratch / "carol"))
        people.join()
        wait(app, lambda: "not reachable" in people.join_outcome.text(), "a failed dial")
        shoot(window, "08b-people-not-reachable")
        window.resize(980, SIZE[1])  # the narrowest window the peers' columns must fit
        shoot(window, "14-people-980")
        window.resize(*SIZE)

        messages = window.show_section("messages")
        wait(app, lambda: messages.model.rowCount() >= 3, "the conversations")
        direct = next(c for c in messages.model.items if not hasattr(c, "community"))
        messages.open_conversation(direct.id)
        pane = messages.pane  # Bob's picture and Alice's file (item 7): decrypted
        wait(app, lambda: any(m.attachments for m in pane.model.items), "the picture")
        wait(app, lambda: any(m.own and m.delivery is not None
                              and m.delivery.state == "delivered"
                              for m in pane.model.items), "Bob's clock: delivered")
        settle(app)
        cache = pane.view.delegate.images
        wait(app, lambda: cache is not None and not any(
            cache.loading(f.blob) for m in pane.model.items for f in m.attachments),
            "the picture to decode")
        shoot(window, "09-messages")
        carol = next(c for c in messages.model.items if not hasattr(c, "community")
                     and "Carol" in c.names)
        messages.open_conversation(carol.id)
        wait(app, lambda: any(m.own and m.delivery is not None and m.delivery.state
                              == "carried" for m in pane.model.items), "carried by Bob")
        shoot(window, "14-dm-carried")
        walkers = next(c for c in messages.model.items if getattr(c, "community", False))
        messages.open_conversation(walkers.id)
        shoot(window, "13-community")

        settings = window.show_section("settings")
        shoot(window, "10-settings")
        for section, name in ((settings.mutes, "10a-settings-muted"),
                              (settings.blocklists, "10b-settings-blocklists"),
                              (settings.storage, "10c-settings-storage"),
                              (settings.takeout, "10d-settings-readable-copy")):
            settings.ensureWidgetVisible(section, 0, 0)
            settle(app)
            shoot(window, name)
        settings.verticalScrollBar().setValue(0)

        window.show_section("home")
        home_page.focus_composer()
        home_page.composer.text_edit.setPlainText(
            "Off to the repair café with a radio that only plays static. #village")
        shoot(window, "11-composer")

        from p2psocial.ui.theme import apply_theme

        apply_theme(app, "dark")
        settle(app)
        shoot(window, "12-home-dark")
        messages = window.show_section("messages")
        messages.new_message()
        panel = messages.new_panel
        wait(app, lambda: panel.people.count() >= 2, "the people Alice follows")
        panel.choose(panel.people.item(0).data(Qt.ItemDataRole.UserRole))
        panel.input.setPlainText("Are you coming to the repair café on Saturday?")
        shoot(window, "15-new-message-dark")
        del bob_ctx
        desktop.shut_down(launcher)
        bob.close()
        window.close()
    print(f"{len(shoot.saved)} screenshots in {out}")
    return 0


def shoot_post_scenes(app: Any, shoot: Shooter, window: Any, view: Any) -> None:
    """A reply with its context ("Replying to Bob"), and the "…" menu of one of
    Alice's posts, opened the keyboard's way (Shift+F10 on the current post)."""
    from PySide6.QtWidgets import QAbstractItemView

    from p2psocial.ui.post_menu import PostMenus

    model = view.model()
    row = next(r for r, p in enumerate(model.posts) if p.text.startswith("Deal."))
    index = model.index(row)
    view.setCurrentIndex(index)
    view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
    shoot(window, "03a-reply-context")
    menus = view.findChild(PostMenus)
    view.open_menu(index)
    wait(app, lambda: menus.menu is not None and menus.menu.isVisible(), "the post menu")
    shoot.with_popup(window, menus.menu, "03b-post-menu")
    menus.menu.close()
    view.scrollToTop()


def offline_code(home: Path) -> str:
    """An invite to a new home's device at a port nobody listens on (127.0.0.1)."""
    import socket

    from p2psocial import invite
    from p2psocial.home import Home
    from p2psocial.node import Node

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Node.init(Home(home), "Carol") as carol:
        assert carol.identity is not None
        return invite.encode(invite.make(carol.identity.device_id,
                                         carol.identity.account_id,
                                         [f"/ip4/127.0.0.1/tcp/{port}"]))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.screenshots",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        print("screenshots: no X display; run 'make screenshots' (it starts Xvfb)",
              file=sys.stderr)
        return 1
    return run(args.out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
