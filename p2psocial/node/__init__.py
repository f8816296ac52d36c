"""The node: one person's p2psocial, composed of identity, store and services.

The UI, the command line and the network talk to the node only. It owns the rules
that are not about bytes: what a person may publish, how a reply finds its thread,
how images are cleaned before they are stored. Its methods are async (run on Trio;
SQLite and image work go to a worker thread, one at a time, because the store has one
writer) and it emits change events (events.py).

How it is wired (root.py, the one place that knows every service): ``Node`` is the
kernel (kernel.py: ``store``, ``identity``, ``clock``, ``random``, ``events``,
``account_id``, ``subscribe``, ``publish``, the worker thread and the write lock)
plus these services, each given the kernel and the services it uses:

* ``posts``       public posts, reactions, profile, follows and blocks, edits, deletes;
* ``feeds``       what is shown: timelines, threads, search, profiles, notifications;
* ``messages``    direct messages, sealed attachments, and the private scan;
* ``groups``      private groups: their keys per epoch, posts, members;
* ``circles``     followers-only posts (a group of approved followers);
* ``communities`` open LAN communities and their rosters;
* ``moderation``  their moderators, removals, hidden posts and reports;
* ``keys``        the key file: passphrase and recovery phrase;
* ``mutes``       mutes (accounts, #tags, threads) and word filters: local, unpublished;
* ``blocklists``  private blocks and shared blocklists (refused accounts);
* ``replication`` what the network needs (net's port): logs, blobs, forks, peers,
  address records. The network is given ``node.replication``, never the node.

The private scan tells ``groups`` and ``communities`` what it learned about keys
through handlers the root registers (``Messages.on_keys``): the dependency runs one
way, from those services to ``messages``.
"""

from .kernel import now_ms
from .local_files import read_file
from .messages import SCAN_BATCH
from .root import Node

__all__ = ["SCAN_BATCH", "Node", "now_ms", "read_file"]
