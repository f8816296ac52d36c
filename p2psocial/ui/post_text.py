"""A post's text as rich text: http(s) links, #tags and @mentions become anchors.

The text is the author's, so everything else is escaped: no markup typed into a post
ever reaches Qt's HTML parser. Anchors carry what a click means in their href
(``tag:python``, ``account:p2ps1…``, or the URL itself); ``Anchor.parse`` reads it
back. A mention is shown as ``@name`` when the account's name is known, else as a
short form of its id.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .. import ids
from ..errors import BadId

_URL = r"https?://[^\s<>\"']+"
_TAG = r"(?<![\w#])#(\w{1,64})"
_MENTION = r"@(" + ids.ACCOUNT + r"1[02-9ac-hj-np-z]{58})\b"
_TOKENS = re.compile(f"(?P<url>{_URL})|(?P<tag>{_TAG})|(?P<mention>{_MENTION})",
                     re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""  # punctuation that ends a sentence rather than a URL


@dataclass(frozen=True, slots=True)
class Anchor:
    """What a clicked anchor means: kind 'link' (a URL), 'tag' (without '#') or
    'mention' (the account id's bytes)."""

    kind: str
    value: str | bytes

    @classmethod
    def parse(cls, href: str) -> Anchor | None:
        if href.startswith("tag:"):
            return cls("tag", href[4:])
        if href.startswith("account:"):
            try:
                return cls("mention", ids.decode(ids.ACCOUNT, href[8:]))
            except BadId:
                return None
        if href.lower().startswith(("http://", "https://")):
            return cls("link", href)
        return None


def has_anchors(text: str) -> bool:
    """Whether ``to_html`` would make any anchor of ``text`` (else it is plain text)."""
    return _TOKENS.search(text) is not None


def to_html(text: str, names: Mapping[bytes, str]) -> str:
    """``text`` escaped, with its links, tags and mentions as anchors; line breaks kept."""
    out: list[str] = []
    at = 0
    for match in _TOKENS.finditer(text):
        out.append(html.escape(text[at:match.start()]))
        at = match.end()
        token = match.group(0)
        if match.group("url"):
            url = token.rstrip(_TRAILING)
            at -= len(token) - len(url)
            out.append(_anchor(url, url))
        elif match.group("tag"):
            tag = match.group(3) or token[1:]
            out.append(_anchor("tag:" + tag.lower(), token))
        else:
            out.append(_mention(token[1:], names))
    out.append(html.escape(text[at:]))
    return '<p style="white-space: pre-wrap">' + "".join(out) + "</p>"


def _anchor(href: str, label: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(label)}</a>'


def _mention(account_text: str, names: Mapping[bytes, str]) -> str:
    try:
        account = ids.decode(ids.ACCOUNT, account_text)
    except BadId:
        return html.escape("@" + account_text)
    name = names.get(account) or account_text[:12] + "…"
    return _anchor("account:" + account_text.lower(), "@" + name)
