"""Qt translators: every ``*_<language>.qm`` in the resources folder plus Qt's own dialog strings."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from greenrfm_core.resource_paths import translations_dir

log = logging.getLogger(__name__)

_installed: list[QTranslator] = []
_language = "en"


def current_language() -> str:
    """Return the language whose translators ``install_translators`` installed last (``en`` before any call)."""
    return _language


def resolve_language(setting: str) -> str:
    """Turn the ``language`` setting (``auto``, ``en``, ``zh_CN``) into ``en`` or ``zh_CN``.

    ``auto`` follows the system locale: any Chinese locale gives Simplified Chinese, everything else English.
    """
    if setting in ("en", "zh_CN"):
        return setting
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


def install_translators(language: str) -> list[str]:
    """Replace the application's translators with those for ``language`` (``en`` or ``zh_CN``).

    Loads the app's, the training wizard's and the installer's ``.qm`` files and Qt's ``qtbase`` catalogue.

    Returns:
        Names of the catalogues that loaded.
    """
    global _language
    _language = language
    application = QCoreApplication.instance()
    for translator in _installed:
        application.removeTranslator(translator)
    _installed.clear()
    if language == "en":
        return []
    loaded = []
    try:
        catalogues = sorted(translations_dir().glob(f"*_{language}.qm"))
    except FileNotFoundError as error:
        log.warning("translations not loaded: %s", error)
        catalogues = []
    for path in catalogues:
        translator = QTranslator(application)
        if translator.load(str(path)):
            application.installTranslator(translator)
            _installed.append(translator)
            loaded.append(path.name)
        else:
            log.warning("translation catalogue %s is unreadable; strings stay in English", path)
    qt_translator = QTranslator(application)
    qt_path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_translator.load(QLocale(language), "qtbase", "_", qt_path):
        application.installTranslator(qt_translator)
        _installed.append(qt_translator)
        loaded.append("qtbase")
    log.info("language %s: loaded %s", language, ", ".join(loaded) or "no catalogues")
    return loaded
