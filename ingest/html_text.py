"""The visible text and page metadata of an HTML document, as a reader would see it."""

from __future__ import annotations

from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from ingest.metadata import normalise_date

# Never shown to a reader, or page furniture rather than the article.
_DROPPED = frozenset(
    {"head", "title", "script", "style", "noscript", "template", "nav", "aside", "form", "svg", "iframe"}
    | {"button", "select", "canvas", "object", "embed"}
)
_HIDDEN = ("[hidden]", '[aria-hidden="true" i]', '[role="navigation" i]')
_BLOCKS = frozenset(
    {"address", "article", "blockquote", "body", "dd", "details", "div", "dl", "dt", "figcaption", "figure"}
    | {"footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre"}
    | {"section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul", "[document]"}
)
_CELLS = frozenset({"td", "th"})
_DATE_SELECTORS = (
    'meta[property="article:published_time" i]',
    'meta[itemprop="datePublished" i]',
    "time[datetime]",
    'meta[name="date" i]',
)


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """Visible text (blocks separated by blank lines) and the metadata the page declares."""

    text: str
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None


def html_to_page(markup: str) -> HtmlPage:
    """Parse `markup`; metadata is read before page furniture is dropped (an `<h1>` may sit in it)."""
    soup = BeautifulSoup(markup, "html.parser")
    page_title = _title(soup)
    date = _first_date(soup)
    source = _attr(soup.select_one('meta[property="og:site_name" i]'), "content")
    url = _attr(soup.select_one('link[rel~="canonical" i]'), "href") or _attr(
        soup.select_one('meta[property="og:url" i]'), "content"
    )
    _drop_furniture(soup)
    return HtmlPage(_visible_text(soup), title=page_title, date=date, source=source, url=url)


def _title(soup: BeautifulSoup) -> str | None:
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag) and (text := _collapse(tag.get_text(" "))):
            return text
    return None


def _first_date(soup: BeautifulSoup) -> str | None:
    for selector in _DATE_SELECTORS:
        for tag in soup.select(selector):
            value = _attr(tag, "datetime" if tag.name == "time" else "content")
            if value and (found := normalise_date(value)):
                return found
    return None


def _drop_furniture(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_DROPPED) + soup.select(", ".join(_HIDDEN)):
        if not tag.decomposed:  # a dropped tag may sit inside another one already gone
            tag.decompose()
    # A site's header/footer is navigation; an article's own <header> holds its headline and byline.
    for tag in soup.find_all(("header", "footer")):
        if not tag.decomposed and tag.find_parent(("article", "main")) is None:
            tag.decompose()


def _visible_text(soup: BeautifulSoup) -> str:
    """Walk the tree flat (no recursion, so deep nesting cannot overflow the stack), one block at a time."""
    blocks: list[str] = []
    parts: list[str] = []
    current: Tag | None = None
    for node in soup.descendants:
        if isinstance(node, Tag):
            if node.name == "br":
                parts.append("\n")
            elif node.name in _CELLS:
                parts.append(" ")  # table cells on one line, apart
            continue
        if not isinstance(node, NavigableString) or isinstance(node, PreformattedString):
            continue  # comments, doctype, CDATA: not shown
        block = _block_of(node)
        if block is not current:
            blocks.append(_join_lines(parts))
            parts, current = [], block
        parts.append(str(node) if block.name == "pre" else str(node).replace("\n", " "))
    blocks.append(_join_lines(parts))
    return "\n\n".join(block for block in blocks if block)


def _block_of(node: NavigableString) -> Tag:
    parent = node.parent
    while parent is not None and parent.name not in _BLOCKS:
        parent = parent.parent
    assert parent is not None, "the document root is a block"
    return parent


def _join_lines(parts: list[str]) -> str:
    """Collapse whitespace inside each line; `<br>` (and `<pre>` newlines) are the only line breaks."""
    lines = (_collapse(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _attr(tag: Tag | None, name: str) -> str | None:
    value = tag.get(name) if tag is not None else None
    if isinstance(value, list):  # multi-valued attributes (rel, class) come back as lists
        value = " ".join(value)
    return value.strip() or None if value else None
