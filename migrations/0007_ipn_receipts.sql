-- Every notification body exactly as received (bytes: it may be in any
-- charset), recorded before it is parsed or verified, so that a message
-- PayPal is told to send again, or that the platform could not read, is
-- never lost. `state`: 'received' until the postback answered (the cron
-- verifies those again), then 'verified' (recorded in psp_notifications,
-- which takes it from there), 'forged' (PayPal answered INVALID) or
-- 'unreadable' (bad encoding, unknown charset, a key sent twice, a field
-- missing; `detail` says which).
CREATE TABLE psp_ipn_receipts (
    id INTEGER PRIMARY KEY,
    psp TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('received', 'verified', 'forged', 'unreadable')),
    detail TEXT,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX psp_ipn_receipts_received ON psp_ipn_receipts (psp, received_at)
    WHERE state = 'received';
