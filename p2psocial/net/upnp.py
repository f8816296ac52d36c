"""UPnP-IGD port mapping through ``miniupnpc`` (PyPI; the MiniUPnP project's own
binding, already installed as a dependency of py-libp2p).

Why miniupnpc and not async-upnp-client: it is the reference client of the most common
router daemon (miniupnpd), small, maintained, ships manylinux wheels (no compiler on
Linux x86-64; the sdist builds with a C compiler and the Python headers), and py-libp2p
already depends on it, so it costs no new download. async-upnp-client is asyncio-only
(we run on Trio) and brings aiohttp. miniupnpc blocks: every call runs in a worker
thread (``trio.to_thread``), abandoned on cancellation, and each call is bounded by
miniupnpc's own timeouts (``discoverdelay`` for SSDP, a few seconds for SOAP).

``miniupnpc`` raises bare ``Exception`` with the UPnP error's name as text
("ConflictInMappingEntry", "OnlyPermanentLeasesSupported"): ``UpnpError`` wraps them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

import trio

DISCOVER_MS: Final = 1000
"""SSDP: how long to wait for routers to answer each search (also its MX: a device may
wait up to that long before answering). miniupnpc searches for up to 4 device types in
turn when none answers, so a LAN without a router costs about 4 times this."""
DESCRIPTION: Final = "p2psocial"
T = TypeVar("T")


class UpnpError(Exception):
    """No IGD answered, or the IGD refused."""


class Igd:
    """One discovered Internet Gateway Device."""

    def __init__(self, upnp: Any) -> None:
        self._upnp = upnp
        self.lan_addr: str = upnp.lanaddr

    @classmethod
    async def discover(cls, delay_ms: int = DISCOVER_MS) -> Igd:
        import miniupnpc

        upnp = miniupnpc.UPnP()
        upnp.discoverdelay = delay_ms

        def find() -> None:
            if not upnp.discover():
                raise UpnpError("no UPnP device answered")
            # a router whose external address is private or reserved is "not
            # connected" to miniupnpc, which still selects it (upnpc needs -i)
            upnp.selectigd()

        try:
            await _call(find)
        except UpnpError as exc:  # miniupnpc says "Success" for "nothing found" too
            raise UpnpError("no Internet gateway answered") from exc
        return cls(upnp)

    async def external_ip(self) -> str:
        return str(await _call(self._upnp.externalipaddress))

    async def holder(self, external_port: int) -> tuple[str, int] | None:
        """Who holds ``external_port`` (TCP): (internal address, port), or None."""
        found = await _call(self._upnp.getspecificportmapping, external_port, "TCP")
        return None if found is None else (str(found[0]), int(found[1]))

    async def add(self, external_port: int, internal_port: int, lease: int,
                  internal_addr: str | None = None) -> None:
        await _call(self._upnp.addportmapping, external_port, "TCP",
                    internal_addr or self.lan_addr, internal_port, DESCRIPTION, "", lease)

    async def delete(self, external_port: int) -> None:
        await _call(self._upnp.deleteportmapping, external_port, "TCP")


async def _call(fn: Callable[..., T], *args: Any) -> T:
    def guarded() -> T:
        try:
            return fn(*args)
        except UpnpError:
            raise
        except Exception as exc:  # miniupnpc's only exception type
            raise UpnpError(str(exc) or type(exc).__name__) from None

    # mypy reads the keyword as one of the TypeVarTuple *args (trio 0.35 stubs)
    return await trio.to_thread.run_sync(guarded, abandon_on_cancel=True)  # type: ignore[call-arg]
