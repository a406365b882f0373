"""Numbered schema migrations, applied in order at start-up and recorded in schema_migrations.

A released migration is never edited: a schema change is a new entry at the end of the list.
"""

from __future__ import annotations

SCHEMA_V1 = [
    """
    CREATE TABLE people (
        user_id INTEGER PRIMARY KEY,
        first_name TEXT,
        username TEXT,
        language TEXT NOT NULL DEFAULT 'fr',
        first_campaign TEXT,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        declared_source TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        forgotten_at TEXT
    )
    """,
    # A repeated update writes the same dedup_key, so INSERT OR IGNORE makes it a no-op.
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        user_id INTEGER,
        campaign TEXT,
        kind TEXT NOT NULL,
        dedup_key TEXT NOT NULL UNIQUE,
        detail TEXT,
        amount REAL,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX events_kind_campaign ON events (kind, campaign)",
    "CREATE INDEX events_user ON events (user_id)",
    # pairs and answers are JSON lists of photo ids and choices, in the order shown.
    """
    CREATE TABLE quizzes (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        campaign TEXT,
        catalog_version TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'finished', 'abandoned')),
        message_id INTEGER,
        pairs TEXT NOT NULL DEFAULT '[]',
        answers TEXT NOT NULL DEFAULT '[]',
        budget REAL,
        shown_trips TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX quizzes_user_status ON quizzes (user_id, status)",
    """
    CREATE TABLE carts (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        quiz_id INTEGER REFERENCES quizzes (id),
        trip_id TEXT NOT NULL,
        title TEXT NOT NULL,
        price REAL NOT NULL,
        currency TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE media_cache (
        content_hash TEXT NOT NULL,
        bot_id INTEGER NOT NULL,
        file_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (content_hash, bot_id)
    )
    """,
    """
    CREATE TABLE catalog_versions (
        version TEXT PRIMARY KEY,
        trips INTEGER NOT NULL,
        photos INTEGER NOT NULL,
        loaded_at TEXT NOT NULL,
        loaded_by INTEGER
    )
    """,
    """
    CREATE TABLE leads (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        cart_id INTEGER REFERENCES carts (id),
        agent_chat_id INTEGER,
        topic_id INTEGER,
        card_message_id INTEGER,
        status TEXT NOT NULL DEFAULT 'open',
        claimed_by INTEGER,
        claimed_by_name TEXT,
        outcome_detail TEXT,
        amount REAL,
        reminded_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX leads_user_status ON leads (user_id, status)",
    """
    CREATE TABLE relays (
        id INTEGER PRIMARY KEY,
        lead_id INTEGER NOT NULL REFERENCES leads (id),
        customer_chat_id INTEGER NOT NULL,
        customer_message_id INTEGER NOT NULL,
        group_chat_id INTEGER NOT NULL,
        group_message_id INTEGER NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX relays_group ON relays (group_chat_id, group_message_id)",
    "CREATE INDEX relays_customer ON relays (customer_chat_id, customer_message_id)",
    """
    CREATE TABLE subscriptions (
        user_id INTEGER PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('subscribed', 'unsubscribed')),
        consent_text_version TEXT,
        source TEXT,
        subscribed_at TEXT,
        unsubscribed_at TEXT
    )
    """,
    """
    CREATE TABLE newsletter_issues (
        id INTEGER PRIMARY KEY,
        created_by INTEGER NOT NULL,
        text TEXT NOT NULL,
        campaign TEXT,
        status TEXT NOT NULL DEFAULT 'draft',
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
    )
    """,
    """
    CREATE TABLE newsletter_deliveries (
        issue_id INTEGER NOT NULL REFERENCES newsletter_issues (id),
        user_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        message_id INTEGER,
        sent_at TEXT,
        PRIMARY KEY (issue_id, user_id)
    )
    """,
    """
    CREATE TABLE key_values (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
]

# Funnel stages 3 and 4, consent details, and what a newsletter send needs to resume.
SCHEMA_V2 = [
    "ALTER TABLE subscriptions ADD COLUMN campaign TEXT",
    "ALTER TABLE newsletter_issues ADD COLUMN recipients INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE newsletter_issues ADD COLUMN progress_chat_id INTEGER",
    "ALTER TABLE newsletter_issues ADD COLUMN progress_message_id INTEGER",
    "CREATE INDEX newsletter_deliveries_status ON newsletter_deliveries (issue_id, status)",
    "CREATE INDEX events_created ON events (created_at)",
    # One row per won lead. returns_on = departure + duration_days; after it the person is
    # asked once how the trip went (feedback_status: waiting, asked, rated, done).
    """
    CREATE TABLE purchases (
        lead_id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        campaign TEXT,
        trip_id TEXT,
        amount REAL NOT NULL,
        currency TEXT,
        departure TEXT,
        duration_days INTEGER,
        returns_on TEXT,
        created_at TEXT NOT NULL,
        feedback_status TEXT NOT NULL DEFAULT 'waiting'
            CHECK (feedback_status IN ('waiting', 'asked', 'rated', 'done')),
        asked_at TEXT,
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        rated_at TEXT,
        comment TEXT,
        commented_at TEXT
    )
    """,
    "CREATE INDEX purchases_feedback ON purchases (feedback_status, returns_on)",
    "CREATE INDEX purchases_user ON purchases (user_id)",
]

# The advisors' handoff. Lead status is the conversation (open, ended, blocked) and outcome is
# the sale (won, lost), so a won lead can still be talking to its advisor.
SCHEMA_V3 = [
    "ALTER TABLE leads ADD COLUMN campaign TEXT",
    "ALTER TABLE leads ADD COLUMN language TEXT",
    "ALTER TABLE leads ADD COLUMN outcome TEXT",
    "ALTER TABLE leads ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE leads ADD COLUMN closed_at TEXT",
    # A person has at most one conversation open with the advisors.
    "CREATE UNIQUE INDEX leads_one_open ON leads (user_id) WHERE status = 'open'",
    "CREATE INDEX leads_topic ON leads (agent_chat_id, topic_id)",
    # Messages the bot posted in the agents' group for a lead (card, intro, notice, reminder),
    # so that an advisor's reply to any of them reaches the right customer.
    """
    CREATE TABLE lead_posts (
        group_chat_id INTEGER NOT NULL,
        group_message_id INTEGER NOT NULL,
        lead_id INTEGER NOT NULL REFERENCES leads (id),
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (group_chat_id, group_message_id)
    )
    """,
    # Messages to relay, written before any Bot API call so that a failure or a restart
    # loses none; dedup_key makes a redelivered update a no-op. payload holds an edit's new
    # text until it is sent.
    """
    CREATE TABLE relay_queue (
        id INTEGER PRIMARY KEY,
        lead_id INTEGER NOT NULL REFERENCES leads (id),
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        action TEXT NOT NULL CHECK (action IN ('copy', 'edit')),
        from_chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        media_group_id TEXT,
        reply_to_message_id INTEGER,
        payload TEXT,
        dedup_key TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dropped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX relay_queue_pending ON relay_queue (status, lead_id, id)",
    "CREATE INDEX relays_lead ON relays (lead_id)",
]

MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, SCHEMA_V1),
    (2, SCHEMA_V2),
    (3, SCHEMA_V3),
]
