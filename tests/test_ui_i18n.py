"""Translations (ui/i18n.py): German in a real QApplication, switched at run time, Qt's
own strings with it; the committed .qm is what lrelease makes of the .ts; the .ts holds
every string lupdate finds in p2psocial/ui, each one translated and finished; and the
main window, People and Settings come out German."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QApplication, QGroupBox, QPushButton

from p2psocial.ui import i18n, onboarding
from p2psocial.ui.context import tr
from p2psocial.ui.loop import TrioHost
from p2psocial.ui.widgets import plural

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from p2psocial.ui.context import AppContext

TS = i18n.TRANSLATIONS / "p2psocial_de.ts"
QM = TS.with_suffix(".qm")
LRELEASE = Path(sys.executable).with_name("pyside6-lrelease")  # the venv's, as the Makefile


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, back in English (and the default locale it had) afterwards."""
    locale = QLocale()
    yield qapp
    i18n.install_translator(qapp, "en")
    QLocale.setDefault(locale)


def test_languages_are_english_and_what_we_ship() -> None:
    assert i18n.languages() == [("en", "English"), ("de", "Deutsch")]


def test_onboarding_comes_out_german(app: QApplication, trio_host: TrioHost,
                                     tmp_path: Path) -> None:
    assert i18n.install_translator(app, "de") == "de"
    page = onboarding.Onboarding(tmp_path / "home", trio_host)
    try:
        buttons = {button.text() for button in page.findChildren(QPushButton)}
        assert {"Mein Profil anlegen", "Ich habe schon ein Konto", "Weiter"} <= buttons
    finally:
        page.deleteLater()
    assert QLocale().language() == QLocale.Language.German  # dates and numbers follow


def test_switching_language_replaces_the_translators(app: QApplication) -> None:
    def cancel() -> str:  # one of Qt's own strings (qtbase_de.qm)
        return QCoreApplication.translate("QPlatformTheme", "Cancel")

    for _ in range(2):  # installing twice must not stack translators
        assert i18n.install_translator(app, "de") == "de"
    assert (onboarding.tr("Continue"), cancel()) == ("Weiter", "Abbrechen")
    assert tr("QR code") == "QR-Code"
    assert i18n.install_translator(app, "en") == "en"
    assert (onboarding.tr("Continue"), cancel()) == ("Continue", "Cancel")


def test_a_language_we_do_not_ship_is_english(app: QApplication) -> None:
    i18n.install_translator(app, "de")
    assert i18n.install_translator(app, "fr") == "en"
    assert onboarding.tr("Continue") == "Continue"


def test_the_committed_qm_is_lrelease_of_the_ts(tmp_path: Path) -> None:
    """lrelease is deterministic (same bytes on every run), so a stale .qm shows here:
    run `make translations` after editing the .ts."""
    if not LRELEASE.exists():
        pytest.skip("pyside6-lrelease is not installed")
    built = []
    for run in range(2):
        out = tmp_path / f"{run}.qm"
        subprocess.run([str(LRELEASE), "-silent", str(TS), "-qm", str(out)], check=True)
        built.append(out.read_bytes())
    assert built[0] == built[1]
    assert QM.read_bytes() == built[0]


# --- the .ts is complete, and matches the code ------------------------------------------

LUPDATE = Path(sys.executable).with_name("pyside6-lupdate")
UI = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"\{\d+\}|%n|%\d+")


def messages(ts: Path) -> list[ET.Element]:
    return list(ET.parse(ts).getroot().iter("message"))


def key(message: ET.Element) -> tuple[str, str]:
    """How a message is found at run time: its source text and disambiguation."""
    return message.findtext("source") or "", message.findtext("comment") or ""


def test_every_message_is_translated_and_finished() -> None:
    """Not unfinished, not obsolete or vanished (run `make translations`, which drops
    them), no empty form, and the placeholders of the source kept ({0}, %n, %1)."""
    problems = []
    for message in messages(TS):
        translation = message.find("translation")
        assert translation is not None
        source = message.findtext("source") or ""
        numerus = message.get("numerus") == "yes"
        forms = ([form.text or "" for form in translation.iter("numerusform")] if numerus
                 else [translation.text or ""])
        if translation.get("type") is not None:
            problems.append(f"{source!r}: type={translation.get('type')}")
        elif len(forms) != (2 if numerus else 1) or not all(forms):  # German: 2 forms
            problems.append(f"{source!r}: empty or missing form")
        wanted = sorted(PLACEHOLDER.findall(source))
        for form in forms:
            kept = "%n" in form if numerus else sorted(PLACEHOLDER.findall(form)) == wanted
            if not kept:
                problems.append(f"{source!r}: the placeholders of {form!r}")
    assert not problems, "\n".join(problems)
    assert len(messages(TS)) > 200


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """What lupdate finds in the code now, with the Makefile's arguments."""
    if not LUPDATE.exists():
        pytest.skip("pyside6-lupdate is not installed")
    out = tmp_path_factory.mktemp("lupdate") / "now.ts"
    subprocess.run([str(LUPDATE), "-silent", "-locations", "none", "-no-obsolete",
                    "-source-language", "en", "-target-language", "de",
                    *sorted(str(p) for p in UI.glob("*.py")), "-ts", str(out)], check=True)
    return {key(m) for m in messages(out)}


def test_every_string_in_the_code_is_in_the_ts(extracted: set[tuple[str, str]]) -> None:
    missing = extracted - {key(m) for m in messages(TS)}
    assert not missing, (
        "strings in p2psocial/ui that p2psocial_de.ts lacks: run `make translations`, "
        "translate them in the .ts (remove type=\"unfinished\") and run it again:\n"
        + "\n".join(f"  {source!r}" + (f" ({comment})" if comment else "")
                    for source, comment in sorted(missing)))


def test_the_ts_holds_no_string_the_code_lost(extracted: set[tuple[str, str]]) -> None:
    stale = {key(m) for m in messages(TS)} - extracted
    assert not stale, ("p2psocial_de.ts translates strings no longer in the code: run "
                       "`make translations` to drop them:\n"
                       + "\n".join(f"  {source!r}" for source, _ in sorted(stale)))


# --- German at run time ---------------------------------------------------------------


def test_plurals_in_english_and_german(app: QApplication) -> None:
    def posts(n: int) -> str:
        return plural(tr("%n post(s)", None, n), n)

    assert (posts(1), posts(3)) == ("1 post", "3 posts")
    assert plural(tr("%n entry(ies)", None, 2), 2) == "2 entries"
    i18n.install_translator(app, "de")
    assert (posts(1), posts(3)) == ("1 Beitrag", "3 Beiträge")
    assert tr("%n new notifications", None, 1) == "1 neue Mitteilung"


def test_the_main_window_comes_out_german(app: QApplication, app_ctx: AppContext,
                                         qtbot: QtBot) -> None:
    """The shell over a real home, its navigation, and a People and a Settings page."""
    from p2psocial.ui.main_window import MainWindow
    from p2psocial.ui.people_page import PeoplePage
    from p2psocial.ui.settings_page import SettingsPage

    assert i18n.install_translator(app, "de") == "de"
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        window.attach(app_ctx)
        labels = [window.nav.item(row).text() for row in range(window.nav.count())]
        assert labels == ["Startseite", "Mitteilungen", "Nachrichten", "Suche", "Personen",
                          "Profil", "Einstellungen"]
        assert window.back.text() == "Zurück"
        people = window.show_section("people")
        assert isinstance(people, PeoplePage)
        assert people.copy_button.text() == "Kopieren"
        assert "Deine Einladung" in {box.title() for box in people.findChildren(QGroupBox)}
        settings = window.show_section("settings")
        assert isinstance(settings, SettingsPage)
        titles = {box.title() for box in settings.findChildren(QGroupBox)}
        assert {"Sicherheit", "Netzwerk", "Aussehen", "Sicherung"} <= titles
        assert [settings.theme.itemText(i) for i in range(settings.theme.count())] == [
            "Wie das System", "Hell", "Dunkel"]
    finally:
        window.stop_pages()
