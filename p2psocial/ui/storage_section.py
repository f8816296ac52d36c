"""Settings → Storage: what this computer holds, by kind, and the budget for what is
neither yours nor followed.

Theory of operation. The section shows what the back end reports
(``Backend.storage``: a ``StorageReport`` of store/storage.py, read in the worker
thread) and sends one intent, new limits (``Backend.set_storage_limits``), which the
node stores in the home and applies at once, so a ``serve`` of the same home and the
command line see the same numbers. The rules (what counts, what goes first, what
never goes) are the node's; the words here say them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .context import tr
from .widgets import MessageLine, note

if TYPE_CHECKING:
    from .context import AppContext
    from .loop import Call

GB, MB = 10**9, 10**6  # decimal, as the command line reads "3GB"


def size_words(n: int) -> str:
    """``812 bytes``, ``4.2 MB``, ``3.0 GB``."""
    for unit, scale in (("TB", 10**12), ("GB", GB), ("MB", MB), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return tr("{0} bytes").format(n)


def kind_labels() -> list[tuple[str, str]]:
    """(kind, label) in the order shown (store/storage.py ``KINDS``)."""
    return [("own", tr("Your posts and messages")), ("followed", tr("Accounts you follow")),
            ("two_hops", tr("Two hops away")), ("communities", tr("Communities")),
            ("other", tr("No longer replicated"))]


class StorageSection(QGroupBox):
    """Sizes by kind, the budget used, and the two limits with Apply."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(tr("Storage"), parent)
        self.setObjectName("storage_section")
        self.ctx = ctx
        self._calls: list[Call] = []
        layout = QVBoxLayout(self)
        intro = note(tr("Your own data and the accounts you follow are always kept. "
                          "What others bring (two hops away, communities) has a budget: "
                          "beyond it the oldest posts' text and others' pictures are "
                          "dropped here, and the logs still verify."))
        layout.addWidget(intro)
        grid = QGridLayout()
        self.sizes: dict[str, QLabel] = {}
        for row, (kind, label) in enumerate(kind_labels()):
            grid.addWidget(QLabel(label), row, 0)
            value = QLabel("…")
            value.setObjectName(f"storage_{kind}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(value, row, 1)
            self.sizes[kind] = value
        layout.addLayout(grid)
        self.used = QLabel("")
        self.used.setObjectName("storage_used")
        self.used.setWordWrap(True)
        layout.addWidget(self.used)
        form = QFormLayout()
        self.budget = QDoubleSpinBox()
        self.budget.setObjectName("storage_budget")
        self.budget.setRange(0.001, 1_000_000)
        self.budget.setDecimals(3)  # 0.001 GB: 1 MB, the smallest budget
        self.budget.setSuffix(" GB")
        self.per_account = QSpinBox()
        self.per_account.setObjectName("storage_per_account")
        self.per_account.setRange(1, 1_000_000_000)
        self.per_account.setSuffix(" MB")
        form.addRow(tr("Budget for others"), self.budget)
        form.addRow(tr("At most per account"), self.per_account)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addStretch()
        self.apply_button = QPushButton(tr("Apply"))
        self.apply_button.setObjectName("storage_apply")
        self.apply_button.clicked.connect(self.apply)
        buttons.addWidget(self.apply_button)
        layout.addLayout(buttons)
        self.outcome = MessageLine("storage_outcome")
        layout.addWidget(self.outcome)
        self.refresh()

    def stop(self) -> None:
        for call in self._calls:
            call.cancel()
        self._calls.clear()

    def _call(self, fn: Any, *args: Any, on_result: Any) -> None:
        self._calls = [c for c in self._calls if not c.finished]
        self._calls.append(self.ctx.call(fn, *args, on_result=on_result,
                                         on_error=self._failed))

    def refresh(self) -> None:
        self._call(self.ctx.backend.storage, on_result=self.show_report)

    def show_report(self, report: Any) -> None:
        """Fill the section from a ``StorageReport`` (store/storage.py)."""
        for kind, label in self.sizes.items():
            held = report.kinds[kind]
            label.setText(size_words(held.total))
            label.setToolTip(tr("{0} accounts; posts and entries {1}, pictures {2}").format(
                held.accounts, size_words(held.entries), size_words(held.images)))
        lim = report.limits
        text = tr("Others use {0} of {1}.").format(size_words(report.budgeted),
                                                   size_words(lim.budget))
        if report.dropped:
            text += " " + tr("{0} old posts were dropped to stay within it.").format(
                report.dropped)
        self.used.setText(text)
        self.budget.setValue(lim.budget / GB)
        self.per_account.setValue(max(1, round(lim.per_account / MB)))

    def apply(self) -> None:
        self.apply_button.setEnabled(False)
        self.outcome.show_text(tr("Applying…"))
        budget = round(self.budget.value() * GB)
        per_account = self.per_account.value() * MB
        self._call(self.ctx.backend.set_storage_limits, budget, per_account,
                   on_result=self._applied)

    def _applied(self, report: Any) -> None:
        self.apply_button.setEnabled(True)
        self.outcome.show_text(tr("Saved. What is over the budget was dropped, oldest "
                                  "first."))
        self.show_report(report)

    def _failed(self, exc: Exception) -> None:
        self.apply_button.setEnabled(True)
        self.outcome.show_error(exc)
