"""The store's migrations, in order: ``MIGRATIONS[n - 1]`` brings a store from schema
version ``n - 1`` to ``n`` (schema.py runs them and says what the tables are for).

Never edit a migration that has shipped, not even a comment in its SQL: add the next
one. The SQL says its invariants in comments where they matter.
"""

from __future__ import annotations

# Migration 8 (below); tests run it on rows written the old way.
PLACE_FAR_FUTURE_ROWS = """
UPDATE posts SET ts = strftime('%s', 'now') * 1000
    WHERE ts > strftime('%s', 'now') * 1000;
UPDATE mentions SET ts = strftime('%s', 'now') * 1000
    WHERE ts > strftime('%s', 'now') * 1000;
UPDATE notifications SET ts = strftime('%s', 'now') * 1000
    WHERE ts > strftime('%s', 'now') * 1000;
UPDATE messages SET ts = strftime('%s', 'now') * 1000
    WHERE ts > strftime('%s', 'now') * 1000;
"""

MIGRATIONS: list[str] = [
    # 1: the first schema.
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value BLOB
    ) WITHOUT ROWID;

    CREATE TABLE accounts (
        rowid INTEGER PRIMARY KEY,
        id BLOB NOT NULL UNIQUE,        -- the root public key
        enc_key BLOB                    -- X25519 public key, from a device certificate
    );

    CREATE TABLE logs (
        rowid INTEGER PRIMARY KEY,
        device BLOB NOT NULL UNIQUE,    -- the device public key that signs this log
        account INTEGER NOT NULL REFERENCES accounts(rowid),
        head_seq INTEGER NOT NULL,      -- invariant: entries 1..head_seq are all stored
        head_id BLOB NOT NULL
    );
    CREATE INDEX logs_account ON logs(account);

    CREATE TABLE entries (
        rowid INTEGER PRIMARY KEY,
        id BLOB NOT NULL,               -- BLAKE2b of the signed header
        id8 INTEGER NOT NULL,           -- its first 8 bytes as a signed int (id8 below)
        log INTEGER NOT NULL REFERENCES logs(rowid),
        seq INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        header BLOB NOT NULL,           -- the signed header, byte for byte
        body BLOB                       -- NULL: never had it, or deleted by its author
    );
    -- look-ups by id go through an index of the id's first 8 bytes, then compare the
    -- whole id: ids are uniformly random hashes, and a 32-byte key made ingest slower
    -- by a third (random inserts into an index 2.5 times as large)
    CREATE INDEX entries_id8 ON entries(id8);
    CREATE UNIQUE INDEX entries_log_seq ON entries(log, seq);

    CREATE TABLE posts (
        rowid INTEGER PRIMARY KEY,      -- = entries.rowid
        author INTEGER NOT NULL,        -- accounts.rowid
        ts INTEGER NOT NULL,
        root BLOB,                      -- thread root id for a reply; NULL for a top-level
        parent BLOB,                    -- post (a random key per post in an index made
                                        -- every batch dirty pages all over it)
        text TEXT NOT NULL,             -- current text: the latest edit wins
        cw TEXT,
        edited INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        in_home INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX posts_home ON posts(ts, rowid) WHERE in_home = 1;
    CREATE INDEX posts_author ON posts(author, ts);
    CREATE INDEX posts_thread ON posts(root, parent) WHERE root IS NOT NULL;

    CREATE TABLE mentions (
        account INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        post INTEGER NOT NULL,
        PRIMARY KEY (account, ts, post)
    ) WITHOUT ROWID;

    CREATE TABLE reactions (
        target BLOB NOT NULL,
        account INTEGER NOT NULL,
        emoji TEXT NOT NULL,
        active INTEGER NOT NULL,        -- 0 after an undo
        ts INTEGER NOT NULL,
        entry BLOB NOT NULL,            -- last writer wins on (ts, entry)
        PRIMARY KEY (target, account, emoji)
    ) WITHOUT ROWID;

    CREATE TABLE profiles (
        account INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        bio TEXT NOT NULL,
        avatar BLOB,
        ts INTEGER NOT NULL,
        entry BLOB NOT NULL             -- last writer wins on (ts, entry)
    );

    -- follows and blocks: one row per pair, holding the latest decision.
    CREATE TABLE follows (
        follower INTEGER NOT NULL,
        followee INTEGER NOT NULL,
        active INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        entry BLOB NOT NULL,
        PRIMARY KEY (follower, followee)
    ) WITHOUT ROWID;
    CREATE INDEX follows_followee ON follows(followee, follower);

    CREATE TABLE blocks (
        blocker INTEGER NOT NULL,
        blocked INTEGER NOT NULL,
        active INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        entry BLOB NOT NULL,
        PRIMARY KEY (blocker, blocked)
    ) WITHOUT ROWID;

    -- the latest edit of each post by each account, kept even before the post arrives;
    -- only the row whose account wrote the post is ever applied
    CREATE TABLE edits (
        target BLOB NOT NULL,
        account INTEGER NOT NULL,
        text TEXT NOT NULL,
        cw TEXT,
        ts INTEGER NOT NULL,
        entry BLOB NOT NULL,
        PRIMARY KEY (target, account)
    ) WITHOUT ROWID;

    -- every delete ever seen; kept so that a body arriving later is dropped too
    CREATE TABLE deletions (
        target BLOB PRIMARY KEY,
        account INTEGER NOT NULL,
        entry BLOB NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE blobs (
        rowid INTEGER PRIMARY KEY,
        hash BLOB NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        data BLOB NOT NULL
    );

    -- full-text index over posts(text, cw), filled off the sync path up to the rowid in
    -- meta 'fts_upto' (Ingestor.index_text); rows up to it are kept in step by edits and
    -- deletes, which remove them with their old values, as external-content FTS5 needs
    CREATE VIRTUAL TABLE posts_fts USING fts5(
        text, cw, content='posts', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2'
    );
    """,
    # 2: the address book (issue 3): peers this node knows how to reach, and how they
    # behaved. Keyed by the device id, which is also the peer's libp2p identity.
    """
    CREATE TABLE peers (
        device BLOB PRIMARY KEY,        -- 32-byte device public key = libp2p peer id
        addrs TEXT NOT NULL DEFAULT '', -- multiaddrs without /p2p/, one per line, best first
        last_seen INTEGER,              -- ms: last time a session with it started or ended
        last_ok INTEGER,                -- ms: last time a dial or an inbound session worked
        failures INTEGER NOT NULL DEFAULT 0,  -- dials failed in a row (0 after a success)
        standing INTEGER NOT NULL DEFAULT 0,  -- lowered by misbehaviour, raised by good sessions
        banned_until INTEGER,           -- ms: neither dialed nor served before this
        source TEXT NOT NULL CHECK (source IN ('invite', 'mdns', 'peer'))
    ) WITHOUT ROWID;
    """,
    # 3: notifications of the local account (issue 4), written by ingest in the same
    # transaction as the entry that causes them (store/ingest.py), and backfilled here.
    # Invariant: a row exists for each live post by another account that replies to a
    # post of the local account or mentions it (one row per post: a reply wins), each
    # active reaction by another account on a local post, and each active follow of
    # the local account by another account. Erasing, undoing or unfollowing removes it.
    """
    CREATE TABLE notifications (
        rowid INTEGER PRIMARY KEY,      -- = entries.rowid of the cause: entries are never
                                        -- removed, so rowids grow with arrival, which the
                                        -- unread watermark (meta 'notifications_read') needs
        kind TEXT NOT NULL CHECK (kind IN ('mention', 'reply', 'reaction', 'follow')),
        actor INTEGER NOT NULL,         -- accounts.rowid; never the local account
        ts INTEGER NOT NULL,            -- the cause's timestamp
        post INTEGER,                   -- posts.rowid: the mention or reply itself, or the
                                        -- local post reacted to; NULL for a follow
        emoji TEXT                      -- a reaction's
    );
    CREATE INDEX notifications_ts ON notifications(ts, rowid);       -- newest first
    CREATE INDEX notifications_actor ON notifications(actor, kind, post);  -- undo, unfollow

    -- Backfill. Replies first, so a reply that also mentions us stays a reply; replies
    -- are found through posts_thread from each local post (a reply whose root differs
    -- from its parent's is missed here; ingest finds it by its parent).
    WITH me(rowid) AS (SELECT a.rowid FROM meta m JOIN accounts a ON a.id = m.value
                       WHERE m.key = 'local_account')
    INSERT OR IGNORE INTO notifications(rowid, kind, actor, ts, post)
    SELECT r.rowid, 'reply', r.author, r.ts, r.rowid
    FROM me JOIN posts mine ON mine.author = me.rowid
    JOIN entries e ON e.rowid = mine.rowid
    JOIN posts r ON r.root = coalesce(mine.root, e.id) AND r.parent = e.id
    WHERE r.author != me.rowid AND r.deleted = 0;

    WITH me(rowid) AS (SELECT a.rowid FROM meta m JOIN accounts a ON a.id = m.value
                       WHERE m.key = 'local_account')
    INSERT OR IGNORE INTO notifications(rowid, kind, actor, ts, post)
    SELECT p.rowid, 'mention', p.author, p.ts, p.rowid
    FROM me JOIN mentions m ON m.account = me.rowid JOIN posts p ON p.rowid = m.post
    WHERE p.author != me.rowid AND p.deleted = 0;

    WITH me(rowid) AS (SELECT a.rowid FROM meta m JOIN accounts a ON a.id = m.value
                       WHERE m.key = 'local_account')
    INSERT OR IGNORE INTO notifications(rowid, kind, actor, ts, post, emoji)
    SELECT cause.rowid, 'reaction', r.account, r.ts, mine.rowid, r.emoji
    FROM me JOIN posts mine ON mine.author = me.rowid
    JOIN entries e ON e.rowid = mine.rowid
    JOIN reactions r ON r.target = e.id
    JOIN entries cause ON cause.id8 = id8(r.entry) AND cause.id = r.entry
    WHERE r.active = 1 AND r.account != me.rowid;

    WITH me(rowid) AS (SELECT a.rowid FROM meta m JOIN accounts a ON a.id = m.value
                       WHERE m.key = 'local_account')
    INSERT OR IGNORE INTO notifications(rowid, kind, actor, ts)
    SELECT cause.rowid, 'follow', f.follower, f.ts
    FROM me JOIN follows f ON f.followee = me.rowid
    JOIN entries cause ON cause.id8 = id8(f.entry) AND cause.id = f.entry
    WHERE f.active = 1 AND f.follower != me.rowid AND cause.body IS NOT NULL;

    -- what was there before the upgrade counts as read
    INSERT OR REPLACE INTO meta(key, value)
    SELECT 'notifications_read', coalesce(max(rowid), 0) FROM notifications;
    """,
    # 4: private conversations and groups (issue 5; store/inbox.py). Filled by a
    # deferred scan, not by ingest: PRIVATE and GROUP entries above meta 'private_upto'
    # are trial-decrypted later, in batches, so the sync path never pays for it.
    # Decrypted text lives here only, in this local file; it never leaves the home.
    # IF NOT EXISTS: a store put back to an older version by hand upgrades again.
    """
    -- the scan's way to the sealed entries above its watermark, in rowid order with no
    -- sort (an index on kind made every chunk sort the whole backlog: 2.5x the cost of
    -- the decryption itself); partial, so the other kinds (nearly every entry) add no
    -- index row at ingest
    CREATE INDEX IF NOT EXISTS entries_sealed ON entries(rowid) WHERE kind IN (10, 11);

    -- one row per direct conversation (id = private.conversation_id(members)) or group
    -- (id = its group id); a group has a row in groups too
    CREATE TABLE IF NOT EXISTS conversations (
        rowid INTEGER PRIMARY KEY,
        id BLOB NOT NULL UNIQUE,
        members BLOB NOT NULL,          -- sorted 32-byte account ids, concatenated; a
                                        -- group's: those of its newest epoch
        read_upto INTEGER NOT NULL DEFAULT 0  -- messages.rowid: read up to here (local)
    );

    -- invariant: a row per PRIVATE message or GROUP post that opened here, whose author
    -- and the local account are members; removed when its author deletes the entry
    CREATE TABLE IF NOT EXISTS messages (
        rowid INTEGER PRIMARY KEY,      -- = entries.rowid: grows with arrival
        conversation INTEGER NOT NULL REFERENCES conversations(rowid),
        author INTEGER NOT NULL,        -- accounts.rowid
        ts INTEGER NOT NULL,
        text TEXT NOT NULL,
        reply_to BLOB
    );
    -- pages, newest first; unread counts, the rowids above read_upto
    CREATE INDEX IF NOT EXISTS messages_page ON messages(conversation, ts, rowid);
    CREATE INDEX IF NOT EXISTS messages_unread ON messages(conversation, rowid);

    CREATE TABLE IF NOT EXISTS groups (
        conversation INTEGER PRIMARY KEY REFERENCES conversations(rowid),
        admin INTEGER NOT NULL,         -- accounts.rowid; proven by the group id's salt
        salt BLOB NOT NULL,
        name TEXT NOT NULL,
        epoch INTEGER NOT NULL,         -- the newest epoch whose key we received
        member INTEGER NOT NULL         -- 1 while the local account is in that epoch
    );

    -- every epoch key we received: older ones still open older posts
    CREATE TABLE IF NOT EXISTS group_keys (
        conversation INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        key BLOB NOT NULL,
        members BLOB NOT NULL,          -- who may write in this epoch (packed account ids)
        PRIMARY KEY (conversation, epoch)
    ) WITHOUT ROWID;

    -- GROUP entries the scan could not open yet (no key for their epoch); opened when
    -- the key arrives. Groups we are not in leave their entries here (about 50 bytes each)
    CREATE TABLE IF NOT EXISTS group_pending (
        group_id BLOB NOT NULL,
        epoch INTEGER NOT NULL,
        entry INTEGER NOT NULL,         -- entries.rowid
        PRIMARY KEY (group_id, epoch, entry)
    ) WITHOUT ROWID;

    -- the scan starts at the beginning of what is already stored
    INSERT OR IGNORE INTO meta(key, value) VALUES ('private_upto', 0);
    """,
    # 5: followers-only posts (issue 5; store/circles.py). The private scan opens a
    # circle post and writes it into posts like a public one (so timelines, profiles,
    # threads and search need no second path); its decrypted body goes here, beside it.
    # Invariant: a row per GROUP entry that opened as a circle post of its circle's
    # admin; its body emptied (x'') when its author deletes it, the row kept, so a
    # deleted placeholder still reads as followers-only ("has a row here").
    """
    CREATE TABLE IF NOT EXISTS circle_posts (
        rowid INTEGER PRIMARY KEY,      -- = entries.rowid = posts.rowid
        body BLOB NOT NULL              -- the decrypted POST body (content.Post)
    );
    """,
    # 6: open LAN communities (issue 5; store/communities.py, net/community.py). A
    # community is a group (its conversations, groups and group_keys rows: one key, at
    # epoch 0, with no member list) marked here; its conversations.members is its
    # roster, the accounts every member replicates, and only grows.
    """
    CREATE TABLE IF NOT EXISTS communities (
        conversation INTEGER PRIMARY KEY REFERENCES conversations(rowid)
    );
    """,
    # 7: reactions inside groups (issue 5; private.GroupReaction). A register like the
    # public reactions': per (message, account, emoji) the newest reaction or undo.
    # Keyed by the target's entry id, so a reaction that arrives before its message
    # waits here; it counts only in the conversation it was written in.
    """
    CREATE TABLE IF NOT EXISTS message_reactions (
        target BLOB NOT NULL,           -- the message's entry id
        account INTEGER NOT NULL,       -- accounts.rowid of who reacted
        emoji TEXT NOT NULL,
        conversation INTEGER NOT NULL,  -- where it was written (conversations.rowid)
        active INTEGER NOT NULL,        -- 0 after an undo
        ts INTEGER NOT NULL,
        entry INTEGER NOT NULL,         -- entries.rowid of the newest reaction entry
        PRIMARY KEY (target, account, emoji)
    ) WITHOUT ROWID;
    """,
    # 8: forked logs (issue 12; forks.py, ingest.py). A device that signed two
    # different histories is frozen: its log is kept below ``seq`` and nothing at or
    # after it is accepted or sent on. The proof is kept to pass on to peers.
    # Invariant: a row only for a device whose log this store holds (or held when the
    # proof arrived), so the table is bounded by the logs we replicate.
    """
    CREATE TABLE IF NOT EXISTS forks (
        device BLOB PRIMARY KEY,        -- the device that signed two histories
        seq INTEGER NOT NULL,           -- the lowest sequence number proven forked
        first BLOB NOT NULL,            -- the proof: two signed headers (forks.Fork)
        second BLOB NOT NULL
    ) WITHOUT ROWID;
    """,
    # 9: signed roster lines (issue 12; roster.py, store/communities.py). A line is an
    # account's own signed join, kept with its proof (the certificate of the device
    # that signed), checked once on arrival; a community's conversations.members is
    # the accounts of its lines from now on. The accounts put on rosters before were
    # nobody's proof (anyone holding the key could name anyone), so they are dropped:
    # each member's node signs its own line again when it opens (Node.open), and the
    # others come back as members exchange rosters.
    """
    CREATE TABLE IF NOT EXISTS roster_lines (
        conversation INTEGER NOT NULL,  -- conversations.rowid of the community
        account BLOB NOT NULL,          -- the account that joined
        joined INTEGER NOT NULL,        -- ms, as it signed (roster.admit orders by it)
        line BLOB NOT NULL,             -- roster.Join, canonical wire bytes
        PRIMARY KEY (conversation, account)
    ) WITHOUT ROWID;
    UPDATE conversations SET members = x''
        WHERE rowid IN (SELECT conversation FROM communities);
    """,
    # 10: far-future timestamps (issue 12, finding 5). Ingest and the private scan now
    # place posts, mentions, notifications and messages at min(signed, arrival)
    # (p2psocial/timestamps.py); rows stored before that with a time past this upgrade
    # are placed at it. Registers and entries.ts keep the signed times.
    PLACE_FAR_FUTURE_ROWS,
    # 11: (issue 12) how far each address in peers.addrs is trusted (store/peer_addrs.py):
    # one digit per address, in the order of addrs: 2 a dial reached the device there,
    # 1 given (an invite, the user), 0 heard (mDNS). Written with peers.addrs, in one
    # transaction; a peer without a row here (written before) reads as all 1.
    #
    # (issue 12) group_untagged: GROUP entries of envelope version 2 (no group id in the
    # clear: store/group_tags.py) whose tag matches no key we hold yet. Each new key is
    # tried on them (opened ones leave); groups we are not in leave their entries here,
    # about 60 bytes each, as group_pending does for version 1.
    """
    CREATE TABLE IF NOT EXISTS peer_trust (
        device BLOB PRIMARY KEY,        -- peers.device
        addr_trust TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS group_untagged (
        entry INTEGER PRIMARY KEY,      -- entries.rowid
        nonce BLOB NOT NULL,            -- the envelope's nonce and tag, to try keys on
        tag BLOB NOT NULL
    );
    """,
    # 12: (issue 13) address records (p2psocial/address_record.py): the newest valid
    # record of each device of an account this node replicates (and of our own device,
    # whose seq the next record must exceed). One row per device; a record with a seq
    # at or below the row's never replaces it. ``account`` is the device's account as
    # its log's certificate says, copied here so that the privacy rule (who may see a
    # record: net/address_exchange.py) and pruning need no join.
    #
    # address_tokens: the token of each invite the user joined (invite.AddressToken), to
    # ask a common peer where the inviter went when its addresses stop working.
    """
    CREATE TABLE IF NOT EXISTS address_records (
        device BLOB PRIMARY KEY,        -- the device that signed the record
        account BLOB NOT NULL,          -- its account (from its log's certificate)
        seq INTEGER NOT NULL,           -- the record's seq: only ever grows per device
        expires INTEGER NOT NULL,       -- ms; an expired record is dropped
        record BLOB NOT NULL            -- the record's canonical wire bytes, signed
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS address_tokens (
        device BLOB PRIMARY KEY,        -- the inviter's device, which signed the token
        account BLOB NOT NULL,          -- the inviter's account, as the invite said
        expires INTEGER NOT NULL,       -- ms
        token BLOB NOT NULL             -- invite.AddressToken, canonical wire bytes
    ) WITHOUT ROWID;
    """,
    # 13: (issue 14, item 8) what each peer device said it holds of the local account's
    # logs: the seq up to which it holds one of our logs, from its own clock in a sync
    # session (never from what we sent it). A direct message is "on a recipient's
    # device" when a device of that recipient said it holds the message's log up to
    # the message's seq (store/holders.py). Invariant: rows only for devices whose log
    # this store holds (their account is proven by the log's certificate), of accounts
    # we follow, that follow us, or that share a direct conversation with us, and only
    # for logs of the local account; at most holders.HOLDERS_MAX rows.
    """
    CREATE TABLE IF NOT EXISTS holders (
        log INTEGER NOT NULL,           -- logs.rowid of one of the local account's logs
        device BLOB NOT NULL,           -- the peer device that said so (its libp2p id)
        account INTEGER NOT NULL,       -- accounts.rowid of that device's account
        seq INTEGER NOT NULL,           -- it holds entries 1..seq of ``log``; only grows
        learnt INTEGER NOT NULL,        -- ms, when seq last grew
        PRIMARY KEY (log, device)
    ) WITHOUT ROWID;
    """,
    # 14: (issue 14, item 1) which blobs the entries we hold reference (blob_refs.py
    # blobs_of), so that a node fetches the pictures of the accounts it replicates and
    # serves them on
    # (store/blob_wants.py, net/blob_fetcher.py). One row per (entry, blob), written at
    # ingest with the entry; removed when the entry is deleted, and for a profile when a
    # newer one wins. Rows for what was stored before are filled from the bodies on the
    # next writable open (the meta mark; store.py ``_backfill_blob_refs``).
    """
    CREATE TABLE IF NOT EXISTS blob_refs (
        entry INTEGER NOT NULL,         -- entries.rowid of the entry that references it
        hash BLOB NOT NULL,             -- the blob's hash (blobs.hash once held)
        account INTEGER NOT NULL,       -- accounts.rowid of the entry's author
        kind INTEGER NOT NULL,          -- the entry's kind
        size INTEGER,                   -- bytes, as the entry claims; NULL: not stated
        PRIMARY KEY (entry, hash)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS blob_refs_hash ON blob_refs(hash);
    CREATE INDEX IF NOT EXISTS blob_refs_account ON blob_refs(account, entry);
    INSERT OR REPLACE INTO meta(key, value) VALUES ('blob_refs_backfill', 1);
    """,
    # 15 (issue 14, item 7): pictures and files of private entries
    # (p2psocial/private_files.py), written by the private scan when a message, group
    # message or followers-only post with attachments opens. ``blob`` is the hash of the
    # sealed (encrypted) blob, which is what travels and what the blobs table holds;
    # ``key`` opens it (kept in the clear, like the decrypted messages: docs/privacy.md
    # "On your own disk"). A delete of the entry deletes its rows (ingest.py
    # ``_erase``). Index: private_files_blob, to find the key of a blob that the image
    # cache asks for. blob_refs.blobs_of learnt the sealed blobs that private entries
    # list in the clear (carriers fetch them too): the backfill mark has blob_refs
    # filled from the sealed entries stored before.
    """
    CREATE TABLE IF NOT EXISTS private_files (
        entry INTEGER NOT NULL,         -- entries.rowid of the private entry
        n INTEGER NOT NULL,             -- its place among the entry's attachments
        blob BLOB NOT NULL,             -- hash of the sealed blob
        key BLOB NOT NULL,              -- the blob's key (32 bytes)
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,          -- true size, in bytes
        width INTEGER NOT NULL,         -- 0 for a file
        height INTEGER NOT NULL,
        name TEXT NOT NULL,             -- a file's name, '' for a picture
        alt TEXT NOT NULL,
        PRIMARY KEY (entry, n)
    );
    CREATE INDEX IF NOT EXISTS private_files_blob ON private_files(blob);
    -- blob_refs.blobs_of now lists the sealed blobs of private entries: read again
    INSERT OR REPLACE INTO meta(key, value) VALUES ('blob_refs_backfill', 1);
    """,
    # 16 (issue 16): revoked devices and the local account's rotated encryption keys.
    # ``revocations``: one row per revoked device, the lowest last valid sequence number
    # known (a later, looser revocation changes nothing); entries past it are refused
    # and erased (store/revocations.py). A device certified by a revoked one through a
    # link past its last valid entry is revoked too (``last_seq`` 1: its certificate
    # alone stays), with the revocation that implied it in ``wire``. ``wire``: the
    # root-signed revocation (identity.Revocation), passed on first in sync sessions.
    # ``account_keys``: encryption keys of the local account made by a revocation
    # (epoch 1, 2, ...), as the private scan opened them (in the clear, like group keys:
    # docs/privacy.md "On your own disk").
    """
    CREATE TABLE IF NOT EXISTS revocations (
        device BLOB PRIMARY KEY,        -- the revoked device
        account INTEGER NOT NULL,       -- accounts.rowid
        last_seq INTEGER NOT NULL,      -- its last valid entry (0: none)
        created INTEGER NOT NULL,       -- ms, as signed by the account's root key
        wire BLOB NOT NULL              -- codec.encode(Revocation.to_wire())
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS revocations_account ON revocations(account);
    CREATE TABLE IF NOT EXISTS account_keys (
        epoch INTEGER PRIMARY KEY,      -- 1, 2, ...: the key after the n-th rotation
        seed BLOB NOT NULL,             -- X25519 private key (32 bytes)
        created INTEGER NOT NULL        -- ms, as the revocation that made it says
    );
    """,
    # 17 (issue 17): mutes and word filters (p2psocial/muting.py, store/mutes.py). Local
    # only: never published, never sent to a peer; the muted accounts' entries are still
    # stored, replicated and carried. List queries leave out what they hide in SQL (so
    # keyset pages stay full): ``mutes`` and ``word_filters`` are small tables read by
    # every page. ``target``: a muted account's id (32 bytes), a tag (TEXT, lower case,
    # without '#'), or a muted thread's root post id (32 bytes). ``phrase``: as
    # muting.normal_phrase keeps it; ``action`` 'hide' leaves matching posts out,
    # 'warn' shows them collapsed behind the phrase. Index word_filters_action: a page
    # finds the hide (or warn) filters without reading the others.
    """
    CREATE TABLE IF NOT EXISTS mutes (
        kind TEXT NOT NULL CHECK (kind IN ('account', 'tag', 'thread')),
        target BLOB NOT NULL,
        created INTEGER NOT NULL,       -- ms, this machine's clock
        PRIMARY KEY (kind, target)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS word_filters (
        phrase TEXT PRIMARY KEY,
        action TEXT NOT NULL CHECK (action IN ('hide', 'warn')),
        created INTEGER NOT NULL        -- ms, this machine's clock
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS word_filters_action ON word_filters(action, phrase);
    """,
    # 18 (issue 17): moderating open communities (moderation.py, store/moderation.py).
    # ``community_acts``: every moderation act the private scan opened in a community we
    # hold the key of, as written, whoever wrote it (whether it counts is worked out
    # from all of them: ``moderation.resolve``). The three tables after it are that
    # result, rewritten whole per community when its acts change: its moderators, the
    # accounts removed from it (their roster lines stay in ``roster_lines`` but are
    # neither shown, passed on nor replicated, and their new lines are refused) and the
    # posts hidden in it (by entry id: a post may arrive after its hiding).
    # ``community_reports``: reports sealed to us that opened (we are, or were, named a
    # moderator by the reporter's node). The private scan starts again from the start,
    # so acts and reports that an older version could not read are read now.
    """
    CREATE TABLE IF NOT EXISTS community_acts (
        entry INTEGER PRIMARY KEY,      -- entries.rowid of the GROUP entry
        conversation INTEGER NOT NULL,  -- the community's conversations.rowid
        entry_id BLOB NOT NULL,
        author BLOB NOT NULL,           -- account id
        act INTEGER NOT NULL,           -- private.Act
        target BLOB NOT NULL,           -- account id, or a post's entry id (HIDE)
        ts INTEGER NOT NULL             -- ms, as signed
    );
    CREATE INDEX IF NOT EXISTS community_acts_conversation ON community_acts(conversation);
    CREATE TABLE IF NOT EXISTS community_moderators (
        conversation INTEGER NOT NULL,
        account BLOB NOT NULL,
        PRIMARY KEY (conversation, account)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS community_removed (
        conversation INTEGER NOT NULL,
        account BLOB NOT NULL,
        PRIMARY KEY (conversation, account)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS community_hidden (
        conversation INTEGER NOT NULL,
        target BLOB NOT NULL,           -- a post's entry id
        PRIMARY KEY (conversation, target)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS community_reports (
        entry INTEGER PRIMARY KEY,      -- entries.rowid of the PRIVATE entry
        community BLOB NOT NULL,        -- community id
        author BLOB NOT NULL,           -- the reporter's account id
        target BLOB NOT NULL,           -- account id, or a post's entry id
        is_post INTEGER NOT NULL,
        reason TEXT NOT NULL,
        ts INTEGER NOT NULL             -- ms, as signed
    );
    CREATE INDEX IF NOT EXISTS community_reports_community ON community_reports(community);
    UPDATE meta SET value = 0 WHERE key = 'private_upto';
    """,
    # 19 (issue 17): blocks nobody else sees, and shared blocklists
    # (store/refusals.py). Local choices, never published: ``private_blocks``, the
    # ``blocklists`` we subscribe to (their owners' public blocks count as ours) and
    # ``blocklist_exceptions`` to them. ``refused``: the refused set as last applied
    # (the logs of these accounts are held as their certificates only; invariant: it
    # equals refusals.compute after every change of the tables above or of our own
    # or a subscribed owner's follows and blocks).
    """
    CREATE TABLE IF NOT EXISTS private_blocks (
        account BLOB PRIMARY KEY,       -- the account's id
        created INTEGER NOT NULL        -- ms
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS blocklists (
        owner BLOB PRIMARY KEY,         -- whose public blocks we adopt
        created INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS blocklist_exceptions (
        account BLOB PRIMARY KEY,       -- never refused because of a list
        created INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS refused (
        account BLOB PRIMARY KEY
    ) WITHOUT ROWID;
    """,
]
