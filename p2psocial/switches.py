"""Where this program listens, and the DNS-SD type its LAN discovery uses.

The app (runtime.py) and the commands that go online for a while (cli/) read the same
two hidden switches: tests keep everything on loopback and on a DNS-SD type of their
own with them, and anyone may run the app on loopback only.
"""

from __future__ import annotations

import os

LISTEN_ALL = ("0.0.0.0", "::")  # every interface, IPv4 and IPv6: peers must be able to dial us
# hidden switches for tests (and for anyone who wants the app on loopback only): the
# addresses to listen and announce on (comma-separated, IPv4 or IPv6), and the DNS-SD
# type that LAN discovery uses
LISTEN_ENV = "P2PSOCIAL_LISTEN_IP"
LAN_TYPE_ENV = "P2PSOCIAL_LAN_SERVICE_TYPE"


def env_listen_ips() -> tuple[str, ...]:
    """Where the app and one-shot commands listen: ``LISTEN_ENV``'s addresses, or
    ``LISTEN_ALL``. A bad address there is reported by the network when it starts."""
    given = [ip.strip() for ip in os.environ.get(LISTEN_ENV, "").split(",") if ip.strip()]
    return tuple(given) or LISTEN_ALL

