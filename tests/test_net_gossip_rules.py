"""Gossip rules without I/O: the message format, the validator's verdicts, pacing."""

from __future__ import annotations

import pytest
from helpers import make_entry, make_identity, make_log

from p2psocial import codec
from p2psocial import content as c
from p2psocial.entry import Entry
from p2psocial.errors import InvalidEntry
from p2psocial.net.gossip_rules import (
    CAPS,
    SOFT_CAP,
    SPAM_LIMIT,
    Accept,
    Ignore,
    Pacer,
    Reject,
    Verdict,
    account_of_topic,
    decode_run,
    encode_run,
    judge,
    topic_of,
)

ALICE = make_identity(1)
MALLORY = make_identity(2)
LOG = make_log(ALICE, 12)


def rows(entries: list[Entry]) -> list[tuple[bytes, bytes | None]]:
    return [(e.raw, e.body) for e in entries]


def message(entries: list[Entry]) -> bytes:
    data, count = encode_run(rows(entries))
    assert count == len(entries)
    return data


def verdict(data: bytes, *, topic: str = topic_of(ALICE.account_id),
            known: dict[bytes, bytes] | None = None, replicated: set[bytes] | None = None,
            blocked: set[bytes] = frozenset()) -> Verdict:  # type: ignore[assignment]
    known = {ALICE.device_id: ALICE.account_id} if known is None else known
    return judge([topic], data, account_of=known.get,
                 replicated={ALICE.account_id} if replicated is None else replicated,
                 blocked=blocked)


def forged(item: Entry) -> Entry:
    header = item.header._replace(signature=bytes(64))
    return Entry(header, header.to_bytes(), item.id, item.body)


# --- format ------------------------------------------------------------------------


def test_topics_name_accounts_and_nothing_else() -> None:
    assert account_of_topic(topic_of(ALICE.account_id)) == ALICE.account_id
    for topic in ["", "p2ps/acct/1/zz", topic_of(ALICE.account_id) + "0", "other/" + "00" * 32,
                  "p2ps/acct/1/" + "g" * 64]:
        assert account_of_topic(topic) is None


def test_a_run_round_trips_and_a_burst_is_cut_under_the_soft_cap() -> None:
    assert decode_run(message(LOG[3:9])) == LOG[3:9]
    big = [make_entry(ALICE, None, c.Post("x" * 4000), 1)]
    for _ in range(40):
        big.append(make_entry(ALICE, big[-1], c.Post("y" * 4000), 1))
    data, count = encode_run(rows(big))
    assert 1 < count < len(big) and len(data) <= SOFT_CAP
    assert decode_run(data) == big[:count]
    single, one = encode_run(rows(big), soft_cap=10)  # one entry always goes
    assert one == 1 and decode_run(single) == big[:1]


@pytest.mark.parametrize("data", [
    b"", b"\xff\x00garbage", codec.encode((1, ())), codec.encode((2, ((LOG[1].raw, None),))),
    codec.encode((1, ((LOG[1].raw,),))), codec.encode((1, ((LOG[1].raw, 5),))),
    codec.encode((1, ((b"not a header", None),))),
    codec.encode((1, rows([LOG[1], LOG[3]]))),  # not contiguous
    codec.encode((1, rows([LOG[2], LOG[1]]))),  # out of order
    codec.encode((1, rows([LOG[1], make_log(MALLORY, 3)[2]])))])  # two logs
def test_bad_messages_do_not_decode(data: bytes) -> None:
    with pytest.raises(InvalidEntry):
        decode_run(data)


def test_decoding_is_capped_before_allocating() -> None:
    with pytest.raises(InvalidEntry):
        decode_run(b"\x00" * (CAPS.max_bytes + 1))


# --- verdicts ------------------------------------------------------------------------


def test_a_signed_run_of_a_replicated_account_is_accepted() -> None:
    accepted = verdict(message(LOG[4:8]))
    assert isinstance(accepted, Accept) and accepted.entries == LOG[4:8]
    assert accepted.account == ALICE.account_id


def test_a_new_log_is_placed_by_its_certificate() -> None:
    assert isinstance(verdict(message(LOG[:3]), known={}), Accept)
    # a certificate of another account on alice's topic: the forwarder should know
    stolen = verdict(message(make_log(MALLORY, 2)), known={})
    assert isinstance(stolen, Reject) and stolen.misbehaved


def test_forgeries_and_garbage_are_the_forwarders_fault() -> None:
    for data in [message([*LOG[4:7], forged(LOG[7])]), b"garbage",
                 codec.encode((1, rows([LOG[4], forged(LOG[5])])))]:
        result = verdict(data)
        assert isinstance(result, Reject) and result.misbehaved, data[:20]
    # the last signature covers the rest through the hash links: a forged first
    # header is not the one the next entry links to
    result = verdict(codec.encode((1, rows([forged(LOG[4]), LOG[5]]))))
    assert isinstance(result, Reject) and result.misbehaved


def test_a_log_on_another_accounts_topic_is_rejected() -> None:
    result = verdict(message(LOG[4:6]), topic=topic_of(MALLORY.account_id))
    assert isinstance(result, Reject) and result.misbehaved
    several = judge([topic_of(ALICE.account_id)] * 2, message(LOG[4:6]),
                    account_of={ALICE.device_id: ALICE.account_id}.get,
                    replicated={ALICE.account_id}, blocked=set())
    assert isinstance(several, Reject) and several.misbehaved


def test_blocked_is_rejected_without_blame_and_unwanted_is_ignored() -> None:
    blocked = verdict(message(LOG[4:6]), blocked={ALICE.account_id})
    assert isinstance(blocked, Reject) and not blocked.misbehaved
    assert isinstance(verdict(message(LOG[4:6]), replicated=set()), Ignore)
    assert isinstance(verdict(message(LOG[4:6]), known={}), Ignore)  # cannot place it


# --- pacing --------------------------------------------------------------------------


def test_the_first_entry_goes_at_once_and_a_burst_becomes_a_few_runs() -> None:
    pacer = Pacer(head=10, rate=5, burst=5, now=0.0)
    assert pacer.delay(0.0) is None
    pacer.added(11)
    assert pacer.delay(0.0) == 0.0 and pacer.take(0.0) == (11, 11)
    pacer.published(11)
    now, sent = 0.0, []
    for seq in range(12, 212):  # 200 posts, one every 5 ms
        now += 0.005
        pacer.added(seq)
        if pacer.delay(now) == 0.0:
            first, last = pacer.take(now)
            sent.append((now, first, last))
            pacer.published(last)
    while (wait := pacer.delay(now)) is not None:
        now += wait
        first, last = pacer.take(now)
        sent.append((now, first, last))
        pacer.published(last)
    covered = [seq for _, first, last in sent for seq in range(first, last + 1)]
    assert covered == list(range(12, 212))  # every entry, once, in order
    assert len(sent) <= 12
    times = [0.0] + [t for t, _, _ in sent]
    for t in times:  # py-libp2p counts messages per peer and topic in any 1 s window
        assert sum(1 for u in times if t <= u < t + 1) <= 10 < SPAM_LIMIT


def test_a_message_may_carry_less_than_waits() -> None:
    pacer = Pacer(head=0, rate=1, burst=2)
    for seq in range(1, 101):
        pacer.added(seq)
    assert pacer.take(0.0) == (1, 100)
    pacer.published(40)  # the soft cap cut the run
    assert pacer.delay(0.0) == 0.0 and pacer.take(0.0) == (41, 100)
    pacer.published(100)
    assert pacer.delay(0.0) is None


def test_after_missed_events_everything_new_is_published() -> None:
    pacer = Pacer(head=5)
    pacer.caught_up_to(9)
    assert pacer.take(0.0) == (6, 9)
    pacer.published(9)
    pacer.caught_up_to(9)
    pacer.added(3)  # old news
    assert pacer.delay(0.0) is None


def test_a_run_that_reaches_past_a_fork_is_ignored_not_blamed() -> None:
    known = {ALICE.device_id: ALICE.account_id}
    below = judge([topic_of(ALICE.account_id)], message(LOG[3:6]), account_of=known.get,
                  replicated={ALICE.account_id}, blocked=set(), frozen={ALICE.device_id: 7})
    past = judge([topic_of(ALICE.account_id)], message(LOG[3:8]), account_of=known.get,
                 replicated={ALICE.account_id}, blocked=set(), frozen={ALICE.device_id: 7})
    assert isinstance(below, Accept)
    assert isinstance(past, Ignore)
