"""The recovery phrase: an account's 32-byte root seed as 24 BIP39 English words.

Theory of operation. BIP39 splits the seed plus a checksum (the first 8 bits of its
SHA-256) into 24 groups of 11 bits, and each group picks one of 2048 words. We use
the standard English list, so a phrase can be checked with any BIP39 tool, and its
properties: every word is known by its first four letters, and the checksum catches
a mistyped or swapped word with probability 255/256.

The phrase is typed back by people from paper, so ``from_phrase`` forgives what does
not matter (case, spaces, line breaks, commas, "1." numbering, four-letter
abbreviations) and refuses what does with one line that says what to fix: the word
count, the first unknown word with close matches, or a checksum that does not fit.

Unlike a BIP39 wallet we use the 32 bytes directly as the seed (no PBKDF2 stretching
and no BIP39 passphrase): the phrase *is* the root seed.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata

from ._bip39_english import WORDS
from .errors import BadPhrase

WORD_COUNT = 24
SEED_LEN = 32
_BITS_PER_WORD = 11
_CHECKSUM_BITS = SEED_LEN * 8 // 32  # BIP39: one checksum bit per 32 bits of entropy

_INDEX = {word: i for i, word in enumerate(WORDS)}
_BY_PREFIX = {word[:4]: i for i, word in enumerate(WORDS)}  # unique: BIP39 guarantees it
_SEPARATORS = re.compile(r"[\s,;]+")
_NUMBERING = re.compile(r"^\d{1,2}[.):]?")  # "1." "2)" "3:" "4" as written on paper


def to_phrase(seed: bytes) -> str:
    """The 24-word phrase for a 32-byte seed, words separated by single spaces."""
    if len(seed) != SEED_LEN:
        raise ValueError(f"a root seed is {SEED_LEN} bytes")
    checksum = hashlib.sha256(seed).digest()[0] >> (8 - _CHECKSUM_BITS)
    bits = int.from_bytes(seed, "big") << _CHECKSUM_BITS | checksum
    indexes = [(bits >> (_BITS_PER_WORD * i)) & 0x7FF for i in reversed(range(WORD_COUNT))]
    return " ".join(WORDS[i] for i in indexes)


def from_phrase(text: str) -> bytes:
    """The seed written as ``text``, or ``BadPhrase`` with one line saying what is wrong."""
    tokens = _tokens(text)
    indexes = [_lookup(token) for token in tokens]
    if len(tokens) != WORD_COUNT:
        raise BadPhrase(_count_message(tokens, indexes))
    for position, (token, index) in enumerate(zip(tokens, indexes, strict=True), start=1):
        if index is None:
            raise BadPhrase(_unknown_message(position, token))
    bits = 0
    for index in indexes:
        assert index is not None
        bits = bits << _BITS_PER_WORD | index
    seed = (bits >> _CHECKSUM_BITS).to_bytes(SEED_LEN, "big")
    checksum = bits & ((1 << _CHECKSUM_BITS) - 1)
    if hashlib.sha256(seed).digest()[0] >> (8 - _CHECKSUM_BITS) != checksum:
        raise BadPhrase("the words are all valid but do not fit together: "
                        "check their order and spelling")
    return seed


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    tokens = []
    for raw in _SEPARATORS.split(text):
        token = _NUMBERING.sub("", raw).strip(".:")
        if token:
            tokens.append(token)
    return tokens


def _lookup(token: str) -> int | None:
    """Index of a word given in full or by at least its first four letters."""
    index = _INDEX.get(token)
    if index is None and len(token) >= 4:
        index = _BY_PREFIX.get(token[:4])
        if index is not None and not WORDS[index].startswith(token):
            index = None
    return index


def _count_message(tokens: list[str], indexes: list[int | None]) -> str:
    message = f"a recovery phrase has {WORD_COUNT} words; this has {len(tokens)}"
    unknown = [(pos, token) for pos, (token, index)
               in enumerate(zip(tokens, indexes, strict=True), start=1) if index is None]
    if unknown and len(unknown) < len(tokens):
        position, token = unknown[0]
        message += f", and word {position}, '{_short(token)}', is not in the word list"
    return message


def _unknown_message(position: int, token: str) -> str:
    close = difflib.get_close_matches(token[:16], WORDS, n=3, cutoff=0.6)
    message = f"word {position}, '{_short(token)}', is not a recovery phrase word"
    if close:
        quoted = [f"'{word}'" for word in close]
        choices = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        message += f"; did you mean {choices}?"
    return message


def _short(token: str) -> str:
    return token if len(token) <= 20 else token[:17] + "..."
