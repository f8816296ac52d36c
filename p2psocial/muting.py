"""Mutes and word filters as pure rules: what a muted #tag or a filter's phrase matches.

A mute (an account, a #tag, a thread) and a word filter are local: nothing is
published, and the muted accounts' entries are still replicated and carried for
others. The store registers ``tag_in`` and ``phrase_found`` as SQL functions
(store/schema.py ``add_functions``), so timelines leave muted posts out in SQL and
keyset pages stay full and exact (store/mutes.py has the clauses). Each takes every
muted tag (or every phrase) of the home in one string, so a row costs one call and
one regular expression search, however many filters there are.

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
_WORD = re.compile(r"\w+")


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


PHRASES_SEP = "\n"  # between the phrases that ``phrase_found`` is given (never in one)


def tag_in(text: str | None, tags: str | None) -> bool:
    """Whether ``text`` holds one of ``tags`` (space-separated, as ``normal_tag``
    keeps them) as a #tag the app links (content.extract_tags)."""
    if not text or not tags or "#" not in text:
        return False
    return not _tag_set(tags).isdisjoint(extract_tags(text))


def phrase_found(text: str | None, cw: str | None, phrases: str | None) -> str | None:
    """The first of ``phrases`` (``PHRASES_SEP``-separated, as ``normal_phrase``
    keeps them) in the text or the content warning, as whole words; None if none."""
    if not phrases:
        return None
    words, pattern, names = _matcher(phrases)
    for part in (text, cw):
        if not part:
            continue
        folded = part.casefold()
        if words:  # a phrase of one word: a set look-up per word (5x a regex search)
            for word in _WORD.findall(folded):
                if word in words:
                    return word
        found = pattern.search(folded) if pattern is not None else None
        if found is not None and found.lastgroup is not None:
            return names[int(found.lastgroup[1:])]
    return None


@functools.lru_cache(maxsize=16)
def _tag_set(tags: str) -> frozenset[str]:
    return frozenset(tags.split())


@functools.lru_cache(maxsize=16)
def _matcher(phrases: str) -> tuple[frozenset[str], re.Pattern[str] | None, list[str]]:
    """The one-word phrases as a set, and one expression for the others (a named
    group each, to say which matched)."""
    names = phrases.split(PHRASES_SEP)
    words = frozenset(p for p in names if _WORD.fullmatch(p))
    rest = [(n, p) for n, p in enumerate(names) if p not in words]
    pattern = re.compile("|".join(f"(?P<p{n}>{_pattern(p)})" for n, p in rest)) if rest \
        else None
    return words, pattern, names


def _pattern(phrase: str) -> str:
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    before = r"(?<!\w)" if re.match(r"\w", phrase) else ""
    after = r"(?!\w)" if re.search(r"\w$", phrase) else ""
    return before + body + after
