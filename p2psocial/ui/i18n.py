"""The language of the window: our translations and Qt's own, switched at run time.

Theory of operation
-------------------

Every string a person sees goes through ``QCoreApplication.translate(context, text)``.
``make translations`` runs ``pyside6-lupdate`` over ``p2psocial/ui/*.py`` into
``translations/p2psocial_<code>.ts`` (edited with Qt Linguist or by hand) and
``pyside6-lrelease`` into the ``.qm`` that ships in the package. English is the
source language, so it needs no file.

``install_translator(app, language)`` removes the translators it installed before and
installs two new ones: ours, and Qt's base translations (``qtbase_<code>.qm``: the
buttons of standard dialogs, context menus of text fields) from
``QLibraryInfo.TranslationsPath`` when the Qt build has them. Installing or removing a
translator sends every widget a ``LanguageChange`` event; widgets that set their texts
again on that event switch language without a restart. ``QLocale.setDefault`` follows,
so dates and numbers match the language.

One gap is bridged here: ``pyside6-lupdate`` files a call of a module's own
``tr(text)`` helper under the empty context, while the helper looks the text up under
its module's context at run time. Our translator therefore retries a miss under the
empty context; calls that name their context where lupdate can read it
(``QCoreApplication.translate("Onboarding", "…")``) are found directly.

The installed translators live in a small ``QObject`` parented to the application.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator

TRANSLATIONS = Path(__file__).resolve().with_name("translations")
APP = "p2psocial"
SOURCE_LANGUAGE = "en"


def languages() -> list[tuple[str, str]]:
    """(code, name in that language) for English and every translation we ship."""
    shipped = sorted(path.stem.removeprefix(f"{APP}_")
                     for path in TRANSLATIONS.glob(f"{APP}_*.qm"))
    return [(code, _native_name(code)) for code in [SOURCE_LANGUAGE, *shipped]]


def install_translator(app: QCoreApplication, language: str) -> str:
    """Switch to ``language`` ("system" or a code such as "de"); returns the code in use.

    A language we do not ship, or a system language we do not ship, gives English.
    """
    locale = QLocale.system() if language == "system" else QLocale(language)
    return _Translators.of(app).switch(locale)


def _native_name(code: str) -> str:
    if code == SOURCE_LANGUAGE:
        return "English"
    name = QLocale(code).nativeLanguageName()
    return name[:1].upper() + name[1:] if name else code


class _ContextFallbackTranslator(QTranslator):
    """A QTranslator that retries a miss under the empty context (see the module doc)."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        found = super().translate(context, source, disambiguation, n)
        if not found and context:
            found = super().translate("", source, disambiguation, n)
        return found or ""


class _Translators(QObject):
    """The translators installed in one application, replaced as a set."""

    NAME = "p2psocial-translators"

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName(self.NAME)
        self._app = app
        self._installed: list[QTranslator] = []

    @classmethod
    def of(cls, app: QCoreApplication) -> _Translators:
        found = app.findChild(_Translators, cls.NAME)
        return found if isinstance(found, _Translators) else cls(app)

    def switch(self, locale: QLocale) -> str:
        for old in self._installed:
            self._app.removeTranslator(old)
            old.deleteLater()
        self._installed = []
        QLocale.setDefault(locale)
        ours = _ContextFallbackTranslator(self)
        if not ours.load(locale, APP, "_", str(TRANSLATIONS)):
            return SOURCE_LANGUAGE
        self._install(ours)
        qt_base = QTranslator(self)
        if qt_base.load(locale, "qtbase", "_",
                        QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            self._install(qt_base)
        return Path(ours.filePath()).stem.removeprefix(f"{APP}_")

    def _install(self, translator: QTranslator) -> None:
        self._app.installTranslator(translator)
        self._installed.append(translator)
