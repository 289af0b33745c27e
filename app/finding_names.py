"""Display names of findings in the user-interface language, shared by the viewer and the training wizard.

Schemas store ``name: {"en": ..., "zh": ...}`` per finding (see ``greenrfm_core.schemas``), while the user
interface uses the Qt language codes ``en`` and ``zh_CN``.
"""

from __future__ import annotations

from collections.abc import Mapping


def schema_language(language: str) -> str:
    """Return the schema name key (``en`` or ``zh``) for a UI language code such as ``en`` or ``zh_CN``."""
    return "zh" if language.startswith("zh") else "en"


def finding_display_name(finding_id: str, names: Mapping[str, str] | None, language: str) -> str:
    """Pick a finding's name in ``language`` from its schema ``name`` mapping.

    Falls back to the English name, then to the finding id, so a schema without a Chinese name still shows
    something readable.
    """
    names = names or {}
    return names.get(schema_language(language)) or names.get("en") or finding_id
