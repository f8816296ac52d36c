"""Settings → Blocklists: the lists subscribed to, what is refused and why, exceptions.

Theory of operation
-------------------

The section shows what the back end reads (``Backend.blocklists``: the review of
store/refusals.py, one ``RefusalView`` per account a block or a list names) and sends
intents; the node decides and applies them at the replication layer (a refused
account is neither kept nor carried: node/blocklists.py).

- **Subscribe**: paste the account id of someone whose public blocks you trust; their
  log is replicated from then on, and their blocks count as yours.
- **Refused**: each account with why (your public or private block, which lists).
  One only a list names gets "Make an exception"; a private block gets "Unblock".
- **Kept**: accounts a list names that are kept anyway: you follow them (a list never
  silently removes someone you follow), or your exception ("Remove exception").

Rows are widgets, not a painted list: a review holds tens of rows, rarely more; past
``SHOWN`` refused accounts (a long shared list) the rest are counted, not shown. The
list is read again after every intent and when the section is shown.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import ids
from ..errors import UserError
from .context import tr
from .widgets import MessageLine, note

if TYPE_CHECKING:
    from ..store.views import BlocklistsView, RefusalView
    from .context import AppContext
    from .loop import Call

SHOWN = 200  # refused rows shown at most

# --- words -------------------------------------------------------------------------


def who(account: bytes, names: dict[bytes, str | None]) -> str:
    name = names.get(account)
    return name if name else ids.account_text(account)[:16] + "…"


def refusal_reasons(row: RefusalView, names: dict[bytes, str | None]) -> str:
    """Why an account is named: "your block", "your private block", "on Fay's list"…,
    and for a kept one, what keeps it."""
    parts = []
    for why in row.why:
        if why == "block":
            parts.append(tr("your public block"))
        elif why == "private":
            parts.append(tr("your private block"))
        else:
            parts.append(tr("on {0}'s list").format(who(bytes.fromhex(why[5:]), names)))
    if row.kept == "following":
        parts.append(tr("kept: you follow them"))
    elif row.kept == "exception":
        parts.append(tr("kept: your exception"))
    return " · ".join(parts)


# --- the section -------------------------------------------------------------------


class BlocklistsSection(QGroupBox):
    """Subscriptions, the review of refused and kept accounts, exceptions."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(tr("Blocklists"), parent)
        self.setObjectName("blocklists_section")
        self.ctx = ctx
        self.view: BlocklistsView | None = None
        self.buttons: dict[tuple[str, bytes], QPushButton] = {}
        self._calls: list[Call] = []
        layout = QVBoxLayout(self)
        intro = note(tr("Adopt the public blocks of people you trust. Refused accounts "
                          "are not stored or passed on by this computer; nobody is told."))
        layout.addWidget(intro)
        add = QHBoxLayout()
        self.owner = QLineEdit()
        self.owner.setObjectName("blocklist_owner")
        self.owner.setPlaceholderText(tr("Account id (p2ps1…) of a list to subscribe to"))
        self.owner.setAccessibleName(tr("Account whose blocklist to subscribe to"))
        self.owner.returnPressed.connect(self.subscribe)
        self.subscribe_button = QPushButton(tr("Subscribe"))
        self.subscribe_button.setObjectName("blocklist_subscribe")
        self.subscribe_button.clicked.connect(self.subscribe)
        add.addWidget(self.owner, 1)
        add.addWidget(self.subscribe_button)
        layout.addLayout(add)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(0)
        layout.addLayout(self.rows)
        self.outcome = MessageLine("blocklists_outcome")
        layout.addWidget(self.outcome)
        self.refresh()

    def stop(self) -> None:
        for call in self._calls:
            call.cancel()
        self._calls.clear()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def _call(self, fn: Any, *args: Any, on_result: Any) -> None:
        self._calls = [c for c in self._calls if not c.finished]
        self._calls.append(self.ctx.call(fn, *args, on_result=on_result,
                                         on_error=self.outcome.show_error))

    def refresh(self) -> None:
        self._call(self.ctx.backend.blocklists, on_result=self.show_view)

    def show_view(self, view: BlocklistsView) -> None:
        self.view = view
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons.clear()
        names = view.names
        self._heading(tr("Subscribed to") if view.subscriptions else tr("No subscriptions"))
        for owner in view.subscriptions:
            self._row(who(owner, names), ids.account_text(owner),
                      ("unsubscribe", owner, tr("Unsubscribe")))
        refused = [r for r in view.refusals if r.why and r.kept is None]
        kept = [r for r in view.refusals if r.kept is not None]
        self._heading(tr("Refused ({0})").format(len(refused)) if refused
                      else tr("Nobody refused"))
        for row in refused[:SHOWN]:
            action = (("unblock", row.account, tr("Unblock")) if "private" in row.why
                      else None if "block" in row.why
                      else ("except", row.account, tr("Make an exception")))
            self._row(who(row.account, names), refusal_reasons(row, names), action)
        if len(refused) > SHOWN:  # a long list: widgets per row would weigh on the window
            self._heading(tr("… and {0} more ('p2psocial blocklist show' lists them all)")
                          .format(len(refused) - SHOWN))
        if kept:
            self._heading(tr("Kept ({0})").format(len(kept)))
        for row in kept:
            action = (("unexcept", row.account, tr("Remove exception"))
                      if row.kept == "exception" else None)
            self._row(who(row.account, names), refusal_reasons(row, names), action)

    def _heading(self, text: str) -> None:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        self.rows.addWidget(label)

    def _row(self, name: str, details: str, action: tuple[str, bytes, str] | None) -> None:
        frame = QWidget()
        frame.setObjectName("blocklist_row")
        line = QHBoxLayout(frame)
        line.setContentsMargins(0, 2, 0, 2)
        label = QLabel(f"{name} — {details}")
        label.setWordWrap(True)
        line.addWidget(label, 1)
        if action is not None:
            what, account, text = action
            button = QPushButton(text)
            button.setObjectName(f"blocklist_{what}")
            button.setAccessibleName(f"{text}: {name}")
            button.clicked.connect(functools.partial(self.act, what, account))
            self.buttons[what, account] = button
            line.addWidget(button)
        frame.setAccessibleName(f"{name} — {details}")
        self.rows.addWidget(frame)

    # --- intents ----------------------------------------------------------------------

    def subscribe(self) -> None:
        self.outcome.clear()
        try:
            owner = ids.decode(ids.ACCOUNT, self.owner.text().strip())
        except UserError as exc:
            self.outcome.show_error(exc)
            return
        self.owner.clear()
        self.act("subscribe", owner)

    def act(self, what: str, account: bytes) -> None:
        backend = self.ctx.backend
        call = {"subscribe": functools.partial(backend.blocklist_choice, "subscribe",
                                               account, True),
                "unsubscribe": functools.partial(backend.blocklist_choice, "subscribe",
                                                 account, False),
                "except": functools.partial(backend.blocklist_choice, "except", account, True),
                "unexcept": functools.partial(backend.blocklist_choice, "except", account,
                                              False),
                "unblock": functools.partial(backend.unblock_any, account)}[what]
        self._call(call, on_result=lambda _changed: self.refresh())
