"""What the Content Security Policy would refuse in a page: inline scripts, style elements and
attributes, event-handler attributes and javascript: URLs (config/settings.py allows none)."""

from __future__ import annotations

from html.parser import HTMLParser

# Script types a browser runs; others (Django's json_script: application/json) are data.
_EXECUTABLE = {"", "text/javascript", "application/javascript", "module"}
_URL_ATTRIBUTES = {"href", "src", "action", "formaction"}


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            elif name.startswith("on") and len(name) > 2:
                self.found.append(f"<{tag} {name}=…>")
            elif name in _URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            kind = (named.get("type") or "").strip().lower()
            self._inline_script = not named.get("src") and kind in _EXECUTABLE

    def handle_data(self, data: str) -> None:
        if self._inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}…")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inline_script = False


def inline_code(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found
