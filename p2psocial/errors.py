"""Typed errors at the boundaries.

Two families matter to callers:

* ``InvalidEntry`` and its subclasses describe bytes from outside (a peer, a backup
  file) that must be rejected. The network turns them into "drop the frame, lower the
  peer's standing, keep serving"; they never crash a node.
* ``UserError`` and its subclasses describe something a person asked for that cannot
  be done. Their message is one readable line, shown by the CLI and the app through
  ``sentence``: messages are written in lower case, to read well after a prefix
  ("Could not follow: ..."), and shown starting with a capital.
"""

from __future__ import annotations


class P2PSocialError(Exception):
    """Base of every error this package raises on purpose."""


# --- bytes from outside -------------------------------------------------------------


class InvalidEntry(P2PSocialError):
    """Input that fails decoding or verification; never stored."""


class MalformedEntry(InvalidEntry):
    """Not msgpack, or msgpack in the wrong layout or with wrong types."""


class NonCanonical(InvalidEntry):
    """Decodes, but does not re-encode to the same bytes."""


class OverCap(InvalidEntry):
    """Larger than a size, length or nesting cap allows."""


class UnknownVersion(InvalidEntry):
    """A format version this build does not understand."""


class UnknownKind(InvalidEntry):
    """A content kind this build does not understand."""


class BadSignature(InvalidEntry):
    """A signature that does not verify against its key."""


class BrokenLink(InvalidEntry):
    """A header whose previous-hash or sequence does not continue its log."""


class BodyMismatch(InvalidEntry):
    """A body whose hash or length differs from what its header says."""


class BadCertificate(InvalidEntry):
    """A device certificate that is malformed or not signed by its account."""


class BadRevocation(InvalidEntry):
    """A device revocation that is malformed, not signed by its account's root key, or
    found in the log of another account."""


class DecryptionFailed(P2PSocialError):
    """An envelope that this key cannot open: not addressed to us, or tampered with.

    The two cases are deliberately indistinguishable (fail closed).
    """


# --- a person's request -------------------------------------------------------------


class UserError(P2PSocialError):
    """Something a user asked for that cannot be done; the message is for them."""


class BadId(UserError):
    """Text that is not a valid account, entry or blob id (typo, wrong kind)."""


class NotFound(UserError):
    """A well-formed id that this home does not hold."""


class ContentTooLarge(UserError):
    """Text or a list over the limit for its field."""


class InvalidContent(UserError):
    """Content that cannot be published as given (empty post, bad emoji...)."""


class WrongPassphrase(UserError):
    """The key file did not open with the passphrase given."""


class PassphraseRequired(UserError):
    """The key file is encrypted and no passphrase was given."""


class HomeError(UserError):
    """The home directory is missing, uninitialised, damaged or in use."""


class AccountKeyMissing(HomeError):
    """What was asked needs the account's root key, which this (everyday) device does
    not hold: the recovery phrase does."""


class BadPhrase(UserError):
    """A recovery phrase with an unknown word or a wrong checksum."""


class BadImage(UserError):
    """A file that is not a readable image of a supported type, or too large."""


class BadBackup(UserError):
    """A backup file that is not one of ours, is damaged, or does not fit this home."""


def sentence(text: str) -> str:
    """``text`` as a person is shown it: its first word with a capital, unless that word
    is a name that must stay as typed (an id, a file name, a path, a quoted value)."""
    first, _, _rest = text.partition(" ")
    word = first.rstrip(":,;.!?")
    if word and word[0].islower() and word.replace("-", "").replace("'", "").isalpha():
        return text[0].upper() + text[1:]
    return text
