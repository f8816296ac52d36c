"""Translations (ui/i18n.py): German in a real QApplication, switched at run time, Qt's
own strings with it; and the committed .qm is what lrelease makes of the .ts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QApplication, QPushButton

from p2psocial.ui import i18n, onboarding
from p2psocial.ui.loop import TrioHost

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
    assert QCoreApplication.translate("QrCode", "QR code") == "QR-Code"
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
