"""Networking over libp2p (sync sessions, gossip, discovery). No Qt. Built in issue 3."""
