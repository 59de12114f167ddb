"""`make test` refuses an incomplete Dutch catalogue (scripts/messages.py)."""

from __future__ import annotations

from pathlib import Path

from scripts.messages import CATALOGUES, validate

CATALOGUE = """
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: nl\\n"

msgid "Log in"
msgstr "Inloggen"

msgid "Log out"
msgstr ""

#, fuzzy
msgid "Switch"
msgstr "Wissel"

#~ msgid "Gone"
#~ msgstr "Weg"
"""


def test_it_names_untranslated_fuzzy_and_obsolete_entries(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(CATALOGUE, encoding="utf-8")
    assert validate([po]) == [
        "django.po: untranslated: 'Log out'",
        "django.po: fuzzy: 'Switch'",
        "django.po: obsolete: 'Gone'",
    ]
    assert (tmp_path / "django.mo").exists()


def test_it_checks_the_dutch_catalogue() -> None:
    assert [p.parent.parent.name for p in CATALOGUES] == ["nl"]
