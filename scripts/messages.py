"""Keep the Dutch catalogue complete (`make test`, `make messages`).

`--compile` (make run): compile only. `--check`: re-extract the messages and fail when the
catalogue changed (someone added a string without running `make messages`), or when any entry
is untranslated, fuzzy or obsolete. The .mo files are compiled with polib, so no GNU gettext is
needed to run Koers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
MAKEMESSAGES = [
    sys.executable,
    "manage.py",
    "makemessages",
    "-l",
    "nl",
    "--add-location",
    "file",
    "--no-obsolete",
    "--ignore",
    "staticfiles",
    "--ignore",
    "var",
    "--ignore",
    "node_modules",
    "--ignore",
    "scripts",
]


def _messages(text: str) -> set[tuple[str, str, str]]:
    """What the catalogue says, ignoring dates, source locations and line wrapping."""
    catalogue = polib.pofile(text)
    return {(e.msgctxt or "", e.msgid, e.msgid_plural or "") for e in catalogue if not e.obsolete}


def extract(check: bool) -> list[str]:
    if shutil.which("xgettext") is None:
        line = "!!! SKIPPED the catalogue check: GNU gettext (xgettext) is not installed !!!"
        print(line, file=sys.stderr)
        return [line] if os.environ.get("KOERS_REQUIRE_GETTEXT") == "1" else []
    before = {po: po.read_text(encoding="utf-8") for po in CATALOGUES}
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    subprocess.run(MAKEMESSAGES, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    problems = []
    for po, old in before.items():
        new = po.read_text(encoding="utf-8")
        if _messages(new) == _messages(old):
            po.write_text(old, encoding="utf-8")  # same messages: keep the translator's file as is
        elif check:
            problems.append(
                f"{po.relative_to(ROOT)} was out of date: translate the new entries (make messages)"
            )
    return problems


def validate(catalogues: list[Path] = CATALOGUES) -> list[str]:
    problems = []
    for path in catalogues:
        catalogue = polib.pofile(str(path))
        name = path.name if not path.is_relative_to(ROOT) else path.relative_to(ROOT)
        problems += [f"{name}: untranslated: {e.msgid!r}" for e in catalogue.untranslated_entries()]
        problems += [f"{name}: fuzzy: {e.msgid!r}" for e in catalogue.fuzzy_entries()]
        problems += [f"{name}: obsolete: {e.msgid!r}" for e in catalogue.obsolete_entries()]
        catalogue.save_as_mofile(str(path.with_suffix(".mo")))
    return problems


def main() -> int:
    if "--compile" in sys.argv:  # `make run`: just what Django reads, translated or not
        for path in CATALOGUES:
            polib.pofile(str(path)).save_as_mofile(str(path.with_suffix(".mo")))
        return 0
    check = "--check" in sys.argv
    problems = extract(check) + validate()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"messages: {len(CATALOGUES)} catalogue(s) complete and compiled")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
