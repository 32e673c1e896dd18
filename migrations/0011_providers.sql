-- One payment flow for every provider (issue 15, item 4): receiving accounts
-- per client and provider, `orders.psp` written, providers' references
-- unique per provider, traces and notifications in provider-neutral columns
-- plus the raw wire bytes.
--
-- `clients` and `orders` are rebuilt (a column with an inline UNIQUE cannot
-- be dropped nor lose its UNIQUE in place). D1 runs a migration as one
-- transaction with foreign keys on: with them deferred, dropping a parent
-- table leaves its children's rows pointing nowhere until the same ids are
-- inserted again, which is checked at commit. So each table is copied
-- aside, dropped, created in its new shape and filled back from the copy
-- (rather than renamed, which would rewrite the children's references).
PRAGMA defer_foreign_keys = on;

-- Receiving accounts: a client holds at most one per provider (the row
-- whose `replaced_at` is NULL); every earlier version stays, since an open
-- order keeps using the version it was made with. `public_ref` is what the
-- provider knows the account by (PayPal: the API username; Sips: the
-- merchant id; Monetico: the TPE), unique per provider among current
-- accounts. The secret (PayPal: API password and signature) is sealed with
-- AES-GCM under CREDENTIALS_KEY, bound to (client, version, public_ref).
-- `status` 'refused' once the provider refused these credentials (PayPal
-- 10002): the client's titles cannot be bought until they are replaced.
CREATE TABLE psp_accounts (
    client_id INTEGER NOT NULL REFERENCES clients (id),
    provider TEXT NOT NULL,
    version INTEGER NOT NULL,
    public_ref TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'refused')),
    created_at TEXT NOT NULL,
    replaced_at TEXT,
    PRIMARY KEY (client_id, provider, version)
) STRICT;
CREATE UNIQUE INDEX psp_accounts_current ON psp_accounts (client_id, provider)
    WHERE replaced_at IS NULL;
CREATE UNIQUE INDEX psp_accounts_by_public_ref ON psp_accounts (provider, public_ref)
    WHERE replaced_at IS NULL;

-- Every credentials version so far is a PayPal account's version; the
-- client's current one carries his status, the others were replaced when
-- the next version was made.
INSERT INTO psp_accounts (client_id, provider, version, public_ref, sealed_secret, status,
                          created_at, replaced_at)
SELECT cc.client_id, 'paypal', cc.version, cc.api_username, cc.sealed_secret,
       CASE WHEN cc.version = c.credentials_version THEN c.credentials_status ELSE 'ok' END,
       cc.created_at,
       CASE WHEN cc.version = c.credentials_version THEN NULL
            ELSE COALESCE((SELECT MIN(n.created_at) FROM client_credentials n
                           WHERE n.client_id = cc.client_id AND n.version > cc.version),
                          cc.created_at)
       END
FROM client_credentials cc JOIN clients c ON c.id = cc.client_id;

DROP TABLE client_credentials;

-- `clients` without its PayPal credentials (api_username,
-- credentials_version, credentials_status): they are psp_accounts now.
CREATE TABLE clients_0011 AS SELECT id, email, password_hash, language, psp_environment,
    created_at FROM clients;
DROP TABLE clients;
CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    -- 'pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>'
    password_hash TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('en', 'fr')),
    psp_environment TEXT NOT NULL CHECK (psp_environment IN ('emulator', 'sandbox', 'live')),
    created_at TEXT NOT NULL
) STRICT;
INSERT INTO clients (id, email, password_hash, language, psp_environment, created_at)
    SELECT id, email, password_hash, language, psp_environment, created_at FROM clients_0011;
DROP TABLE clients_0011;

-- `orders`: the provider's checkout token and transaction id are unique
-- per provider (two providers may use the same reference), no longer
-- across all of them. Every order so far was PayPal's.
CREATE TABLE orders_0011 AS SELECT * FROM orders;
DROP TABLE orders;
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    buyer_id INTEGER NOT NULL REFERENCES clients (id),
    seller_id INTEGER NOT NULL REFERENCES clients (id),
    title_id INTEGER NOT NULL REFERENCES titles (id),
    isin TEXT NOT NULL,
    title_version INTEGER NOT NULL,
    title_value_cents INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL,
    profit_rate INTEGER NOT NULL CHECK (profit_rate BETWEEN 0 AND 100),
    new_value_cents INTEGER NOT NULL CHECK (new_value_cents >= 0),
    new_isin TEXT UNIQUE REFERENCES isins (isin),
    code INTEGER NOT NULL DEFAULT 0 CHECK (code IN (-3, -2, -1, 0, 1, 2)),
    substate TEXT NOT NULL CHECK (
        substate IN ('awaiting_buyer', 'confirming', 'psp_pending', 'needs_review', 'done')
    ),
    psp TEXT NOT NULL DEFAULT 'paypal',
    psp_environment TEXT NOT NULL,
    seller_credentials_version INTEGER NOT NULL,
    buyer_language TEXT NOT NULL CHECK (buyer_language IN ('en', 'fr')),
    psp_token TEXT,
    psp_payer_id TEXT,
    attempt INTEGER NOT NULL DEFAULT 1,
    psp_transaction_id TEXT,
    psp_receiver_id TEXT,
    failure_reason TEXT,
    psp_error_code TEXT,
    psp_error_message TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    payment_lease_until TEXT,
    checked_at TEXT
) STRICT;
INSERT INTO orders (id, buyer_id, seller_id, title_id, isin, title_version, title_value_cents,
    amount_cents, currency, profit_rate, new_value_cents, new_isin, code, substate, psp,
    psp_environment, seller_credentials_version, buyer_language, psp_token, psp_payer_id,
    attempt, psp_transaction_id, psp_receiver_id, failure_reason, psp_error_code,
    psp_error_message, created_at, updated_at, payment_lease_until, checked_at)
SELECT id, buyer_id, seller_id, title_id, isin, title_version, title_value_cents,
    amount_cents, currency, profit_rate, new_value_cents, new_isin, code, substate, 'paypal',
    psp_environment, seller_credentials_version, buyer_language, psp_token, psp_payer_id,
    attempt, psp_transaction_id, psp_receiver_id, failure_reason, psp_error_code,
    psp_error_message, created_at, updated_at, payment_lease_until, checked_at
FROM orders_0011;
DROP TABLE orders_0011;
CREATE INDEX orders_by_buyer ON orders (buyer_id, created_at);
CREATE INDEX orders_by_seller ON orders (seller_id, created_at);
CREATE INDEX orders_open ON orders (code, substate, updated_at);
-- The reference first, so that a lookup by the reference alone (the
-- return's token, a notification's transaction) still uses the index.
CREATE UNIQUE INDEX orders_by_psp_token ON orders (psp_token, psp)
    WHERE psp_token IS NOT NULL;
CREATE UNIQUE INDEX orders_by_psp_transaction ON orders (psp_transaction_id, psp)
    WHERE psp_transaction_id IS NOT NULL;

-- Traces in provider-neutral words: `operation` (PayPal: the NVP METHOD),
-- `outcome` (PayPal: ACK), `provider_ref` (PayPal: CORRELATIONID); plus
-- the exact bytes of the request (secrets removed) and of the answer,
-- beside the `request`/`response` JSON objects of their fields.
ALTER TABLE psp_traces RENAME COLUMN psp TO provider;
ALTER TABLE psp_traces RENAME COLUMN method TO operation;
ALTER TABLE psp_traces RENAME COLUMN ack TO outcome;
ALTER TABLE psp_traces RENAME COLUMN correlation_id TO provider_ref;
ALTER TABLE psp_traces ADD COLUMN request_wire BLOB;
ALTER TABLE psp_traces ADD COLUMN response_wire BLOB;

-- Notifications likewise: `transaction_id` (PayPal: txn_id) and `status`
-- (PayPal: payment_status). Their exact bytes are the receipt's body.
ALTER TABLE psp_notifications RENAME COLUMN psp TO provider;
ALTER TABLE psp_notifications RENAME COLUMN txn_id TO transaction_id;
ALTER TABLE psp_notifications RENAME COLUMN payment_status TO status;
ALTER TABLE psp_ipn_receipts RENAME COLUMN psp TO provider;

PRAGMA defer_foreign_keys = off;
