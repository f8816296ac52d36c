"""What a relay gives away, to whom, and what asking for more costs (sans-IO: peers
and times in, verdicts out; relay.py applies them on the wire).

Theory of operation (issue 12, finding 6). A relay has few slots and few circuits,
and before this one replicated account with 8 devices could take all 8 slots,
strangers could fill all 16 circuits, and a refusal cost the asker nothing. So:

* **Slots**: one per device (a renewal replaces it), at most
  ``max_reservations_per_account`` per account (the policy says whose account a
  device is: in p2psocial, only friends get slots at all), ``max_reservations`` in
  all.
* **Circuits**: at most ``max_circuits`` in all and ``max_circuits_per_peer`` to one
  reserved device. Strangers (peers that are not the relay's friends: most circuits
  come from the friends of the device behind, whom the relay need not know) are
  held to smaller budgets besides: ``max_circuits_per_source`` from one peer,
  ``max_circuits_per_subnet`` from one subnet (the address of the source's own
  connection to the relay), so that fresh identities from one place share one small
  budget, and ``max_stranger_circuits`` in all, so that the relay's friends always
  find room. When a budget is full, a newcomer from a subnet that holds fewer of its
  circuits than the subnet holding the most takes the place of that subnet's
  youngest stranger circuit (a friend always does): as in admission.py, an attacker
  that fills every place from a few subnets cannot keep others out.
* **Refusals cost strangers**, never friends: each stranger has
  ``refusal_burst`` refusals for free, and gets one back every ``refusal_every``
  seconds (a token bucket). A refusal beyond that is charged to its standing (the
  service lowers it as for a bad message: two charges are a ban). Honest software
  asks again only with backoff (1 s doubling to 5 min): about 9 refusals in its
  first 10 minutes and one every 5 minutes after, which never runs the bucket dry.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

# why a request was refused for lack of room (the wire says RESOURCE_LIMIT_EXCEEDED)
SLOTS_FULL = "all slots are taken"
ACCOUNT_FULL = "that account holds all the slots it may"
CIRCUITS_FULL = "all circuits are taken"
TARGET_FULL = "the device behind has all the circuits it may"
SOURCE_FULL = "this peer has all the circuits it may"
SUBNET_FULL = "this peer's subnet has all the circuits it may"
STRANGERS_FULL = "strangers have all the circuits they may"


@dataclass(frozen=True, slots=True)
class RelayLimits:
    """What a relay gives away. Defaults suit a community box relaying for friends:
    a sync session stays open for hours, so a circuit's duration is long and the
    session is redialed when it ends."""

    max_reservations: int = 8  # devices holding a slot at once
    max_reservations_per_account: int = 2  # devices of one account holding a slot
    max_circuits: int = 16  # circuits open at once, in all
    max_circuits_per_peer: int = 4  # circuits open at once to one reserved device
    max_circuits_per_source: int = 2  # circuits open at once from one peer
    max_circuits_per_subnet: int = 4  # ...from one subnet (/24, /64) of sources
    max_stranger_circuits: int = 8  # ...from peers that are not the relay's friends
    circuit_bytes: int = 64 * 1024 * 1024  # both directions together, per circuit
    circuit_seconds: int = 30 * 60  # per circuit
    reservation_seconds: int = 60 * 60  # a slot's life; renewed before it ends
    refusal_burst: int = 8  # refusals a stranger gets for free...
    refusal_every: float = 60.0  # ...and one more every this many seconds


@dataclass(frozen=True, slots=True, eq=False)
class Circuit:
    """One open circuit, as counted (given back to ``Quota.close``); compared by
    identity: two circuits between the same peers are two circuits."""

    source: Hashable
    subnet: str
    target: Hashable
    stranger: bool
    opened: float


MAX_ASKERS = 1024  # strangers whose refusals are remembered


@dataclass
class Quota:
    limits: RelayLimits = field(default_factory=RelayLimits)
    owners: dict[Hashable, bytes] = field(default_factory=dict)  # slot holder -> account
    _by_target: Counter[Hashable] = field(default_factory=Counter)
    _by_source: Counter[Hashable] = field(default_factory=Counter)
    _circuits: list[Circuit] = field(default_factory=list)
    _refusals: OrderedDict[Hashable, tuple[float, float]] = field(default_factory=OrderedDict)

    # --- slots --------------------------------------------------------------------

    def slot_refused(self, peer: Hashable, account: bytes) -> str | None:
        """Why ``peer`` (of ``account``) may not hold a slot now; None if it may."""
        if peer in self.owners:
            return None  # a renewal
        if len(self.owners) >= self.limits.max_reservations:
            return SLOTS_FULL
        held = sum(1 for owner in self.owners.values() if owner == account)
        if held >= self.limits.max_reservations_per_account:
            return ACCOUNT_FULL
        return None

    def hold(self, peer: Hashable, account: bytes) -> None:
        self.owners[peer] = account

    def release(self, peer: Hashable) -> None:
        self.owners.pop(peer, None)

    # --- circuits -----------------------------------------------------------------

    @property
    def circuits(self) -> int:
        return len(self._circuits)

    def circuit_refused(self, source: Hashable, subnet: str, target: Hashable,
                        stranger: bool) -> str | Circuit | None:
        """Whether a circuit from ``source`` (in ``subnet``) to ``target`` may open now:
        None if it may, the reason if it may not, or the circuit that must close to
        make room for it."""
        limits = self.limits
        if stranger and self._by_source[source] >= limits.max_circuits_per_source:
            return SOURCE_FULL
        if stranger and sum(1 for c in self._circuits if c.stranger and c.subnet == subnet
                            ) >= limits.max_circuits_per_subnet:
            return SUBNET_FULL
        for pool, cap, full in (
                ([c for c in self._circuits if c.target == target],
                 limits.max_circuits_per_peer, TARGET_FULL),
                ([c for c in self._circuits if c.stranger] if stranger else [],
                 limits.max_stranger_circuits, STRANGERS_FULL),
                (self._circuits, limits.max_circuits, CIRCUITS_FULL)):
            if len(pool) >= cap:
                return _room(pool, subnet, stranger) or full
        return None

    def open(self, source: Hashable, subnet: str, target: Hashable, stranger: bool,
             now: float) -> Circuit:
        circuit = Circuit(source, subnet, target, stranger, now)
        self._circuits.append(circuit)
        self._by_target[target] += 1
        self._by_source[source] += 1
        return circuit

    def close(self, circuit: Circuit) -> None:
        if circuit not in self._circuits:
            return
        self._circuits.remove(circuit)
        for counter, key in ((self._by_target, circuit.target),
                             (self._by_source, circuit.source)):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]

    def circuits_of(self, peer: Hashable) -> int:
        """Circuits open from or to ``peer``."""
        return self._by_source[peer] + self._by_target[peer]

    def in_circuits(self) -> set[Hashable]:
        """Peers at either end of an open circuit."""
        return {c.source for c in self._circuits} | {c.target for c in self._circuits}

    def open_circuits(self) -> list[Circuit]:
        return list(self._circuits)

    # --- what refusals cost -------------------------------------------------------

    def refused(self, peer: Hashable, now: float) -> bool:
        """A stranger was refused (a slot or a circuit) at ``now`` (seconds): True
        when it had no free refusal left, i.e. this one is charged to it."""
        limits = self.limits
        tokens, at = self._refusals.pop(peer, (float(limits.refusal_burst), now))
        tokens = min(float(limits.refusal_burst),
                     tokens + max(0.0, now - at) / limits.refusal_every)
        charged = tokens < 1
        self._refusals[peer] = (tokens if charged else tokens - 1, now)
        while len(self._refusals) > MAX_ASKERS:
            self._refusals.popitem(last=False)  # forgetting one only forgives it
        return charged


def _room(pool: list[Circuit], subnet: str, stranger: bool) -> Circuit | None:
    """The youngest stranger circuit of the subnet(s) holding the most stranger
    circuits in ``pool``, if a newcomer from ``subnet`` (a friend when not
    ``stranger``) may take its place: a friend always may, a stranger if its subnet holds fewer."""
    counts = Counter(c.subnet for c in pool if c.stranger)
    if not counts:
        return None
    largest = max(counts.values())
    if stranger and largest <= counts[subnet]:
        return None
    groups = {g for g, n in counts.items() if n == largest}
    return max((c for c in pool if c.stranger and c.subnet in groups), key=lambda c: c.opened)
