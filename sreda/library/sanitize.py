"""HTML of catalogue lessons, reduced to an allowlist (R17 content is shown to teachers and students).

The input is parsed and *rebuilt*: only allowed tags are written back, with only allowed attributes, and all
text is escaped again. Everything else goes — scripts and styles with their content, comments, `on*`
handlers, `style`, and links that are not http(s). Run on save and again on render.
"""
from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

ALLOWED_TAGS = frozenset({"p", "br", "b", "strong", "i", "em", "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
                          "a", "table", "thead", "tbody", "tr", "td", "th"})
VOID_TAGS = frozenset({"br"})
# Their content is dropped too, not only the tags.
DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "svg",
                               "math", "textarea", "select", "title", "head"})
TABLE_CELL_ATTRS = frozenset({"colspan", "rowspan"})


def safe_href(value: str | None) -> str | None:
    """An absolute http(s) link, or None. Control characters and spaces inside the scheme are refused."""
    url = (value or "").strip()
    if not url or any(ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


class _Sanitiser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0  # depth inside a DROP_WITH_CONTENT element

    def handle_starttag(self, tag, attrs):
        if tag in DROP_WITH_CONTENT:
            if tag not in VOID_TAGS:
                self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        rendered = self._attrs(tag, attrs)
        if rendered is None:
            return
        self.out.append(f"<{tag}{rendered}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag in VOID_TAGS and not self.dropping:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in DROP_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in ALLOWED_TAGS or tag in VOID_TAGS or tag not in self.open:
            return
        while self.open:  # close what was left open inside, so the markup stays well-formed
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def _attrs(self, tag: str, attrs) -> str | None:
        if tag == "a":
            href = safe_href(dict(attrs).get("href"))
            if href is None:
                return ""  # the text stays, without a link
            return f' href="{escape(href, quote=True)}" rel="noopener noreferrer" target="_blank"'
        if tag in ("td", "th"):
            kept = [(name, value) for name, value in attrs
                    if name in TABLE_CELL_ATTRS and (value or "").isdigit() and 0 < int(value) <= 50]
            return "".join(f' {name}="{value}"' for name, value in kept)
        return ""

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out)


def sanitize_html(html: str | None) -> str:
    """The allowed part of `html`: p, br, b, strong, i, em, ul, ol, li, h2–h4, blockquote, http(s) links and
    tables. Idempotent: sanitising the result again gives the same text."""
    if not html:
        return ""
    parser = _Sanitiser()
    parser.feed(html)
    return parser.result()
