"""Mutes and word filters as pure rules: what a muted #tag or a filter's phrase matches.

A mute (an account, a #tag, a thread) and a word filter are local: nothing is
published, and the muted accounts' entries are still replicated and carried for
others. The store registers ``has_tag`` and ``phrase_in`` as SQL functions
(store/schema.py ``add_functions``), so timelines leave muted posts out in SQL and
keyset pages stay full and exact (store/mutes.py has the clauses).

A phrase matches whole words, whatever the case (``casefold``), in a post's text or
its content warning, as Mastodon's "whole word" filters do: "cat" hides "Cat!" but not
"concatenate"; runs of spaces in the phrase match any run of white space.
"""

from __future__ import annotations

import functools
import re

from .content import TAG_MAX, extract_tags
from .errors import UserError

ACCOUNT, TAG, THREAD = "account", "tag", "thread"  # what a mute names
KINDS = (ACCOUNT, TAG, THREAD)
HIDE, WARN = "hide", "warn"  # what a filter does: leave the post out, or collapse it
ACTIONS = (HIDE, WARN)
PHRASE_MAX = 100  # characters of a filter's phrase
MUTES_MAX = 10_000  # mutes a home keeps (a mute is a row scanned by every list query)
FILTERS_MAX = 200  # filters a home keeps (each is a regex search per row shown)

_TAG = re.compile(rf"\w{{1,{TAG_MAX}}}")


def normal_tag(text: str) -> str:
    """``#Cats`` or ``cats`` as the tag the store keeps (lower case, no '#'); a
    ``UserError`` for anything that is not one tag."""
    tag = text.strip().removeprefix("#").lower()
    if not _TAG.fullmatch(tag):
        raise UserError(f"'{text.strip()[:40]}' is not a #tag (letters, digits and _, "
                        f"at most {TAG_MAX})")
    return tag


def normal_phrase(text: str) -> str:
    """A filter's phrase as kept: white space made single, case folded."""
    phrase = " ".join(text.split()).casefold()
    if not phrase:
        raise UserError("a filter needs a word or a phrase")
    if len(phrase) > PHRASE_MAX:
        raise UserError(f"a filter's phrase has at most {PHRASE_MAX} characters")
    return phrase


def has_tag(text: str | None, tag: str) -> bool:
    """Whether ``text`` holds ``#tag`` as the app links it (content.extract_tags)."""
    return text is not None and "#" in text and tag in extract_tags(text)


def phrase_in(text: str | None, cw: str | None, phrase: str) -> bool:
    """Whether ``phrase`` (as ``normal_phrase`` keeps it) is in the text or the
    content warning, as whole words."""
    pattern = _pattern(phrase)
    return any(part and pattern.search(part.casefold()) for part in (text, cw))


@functools.lru_cache(maxsize=FILTERS_MAX)
def _pattern(phrase: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    before = r"(?<!\w)" if re.match(r"\w", phrase) else ""
    after = r"(?!\w)" if re.search(r"\w$", phrase) else ""
    return re.compile(before + body + after)
