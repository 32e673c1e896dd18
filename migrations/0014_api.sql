-- The automation API (issue 18, api.md): API keys, the idempotency store of
-- spends, and orders that may be test orders (code 1, amount 0: the zero
-- spend) and carry the spend's description.
--
-- `orders` is rebuilt (its CHECK on amount_cents cannot change in place),
-- as in 0011: copied aside, dropped, created in its new shape and filled
-- back, with foreign keys deferred to the commit.
PRAGMA defer_foreign_keys = on;

CREATE TABLE orders_0014 AS SELECT * FROM orders;
DROP TABLE orders;
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    buyer_id INTEGER NOT NULL REFERENCES clients (id),
    seller_id INTEGER NOT NULL REFERENCES clients (id),
    title_id INTEGER NOT NULL REFERENCES titles (id),
    isin TEXT NOT NULL,
    title_version INTEGER NOT NULL,
    title_value_cents INTEGER NOT NULL,
    -- Zero only for a test order (code 1, the API's zero spend).
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0 OR code = 1),
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
    checked_at TEXT,
    -- The spend's free text (the API's `description`), shown to both parties.
    description TEXT CHECK (description IS NULL OR length(description) <= 1000)
) STRICT;
INSERT INTO orders (id, buyer_id, seller_id, title_id, isin, title_version, title_value_cents,
    amount_cents, currency, profit_rate, new_value_cents, new_isin, code, substate, psp,
    psp_environment, seller_credentials_version, buyer_language, psp_token, psp_payer_id,
    attempt, psp_transaction_id, psp_receiver_id, failure_reason, psp_error_code,
    psp_error_message, created_at, updated_at, payment_lease_until, checked_at)
SELECT id, buyer_id, seller_id, title_id, isin, title_version, title_value_cents,
    amount_cents, currency, profit_rate, new_value_cents, new_isin, code, substate, psp,
    psp_environment, seller_credentials_version, buyer_language, psp_token, psp_payer_id,
    attempt, psp_transaction_id, psp_receiver_id, failure_reason, psp_error_code,
    psp_error_message, created_at, updated_at, payment_lease_until, checked_at
FROM orders_0014;
DROP TABLE orders_0014;
CREATE INDEX orders_by_buyer ON orders (buyer_id, created_at);
CREATE INDEX orders_by_seller ON orders (seller_id, created_at);
CREATE INDEX orders_open ON orders (code, substate, updated_at);
-- The reference first, so that a lookup by the reference alone (the
-- return's token, a notification's transaction) still uses the index.
CREATE UNIQUE INDEX orders_by_psp_token ON orders (psp_token, psp)
    WHERE psp_token IS NOT NULL;
CREATE UNIQUE INDEX orders_by_psp_transaction ON orders (psp_transaction_id, psp)
    WHERE psp_transaction_id IS NOT NULL;

PRAGMA defer_foreign_keys = off;

-- API keys: only the SHA-256 of the secret is kept, with a short prefix to
-- recognise it in lists; at most 10 live per client (checked on insert).
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
) STRICT;
CREATE INDEX api_keys_by_client ON api_keys (client_id, revoked_at);

-- Spends by their caller's spend_id: the first use takes the id (INSERT ...
-- ON CONFLICT DO NOTHING), stores the request's fields (the fingerprint a
-- repetition is compared with), then its order and first answer.
CREATE TABLE api_spends (
    client_id INTEGER NOT NULL REFERENCES clients (id),
    spend_id TEXT NOT NULL CHECK (length(spend_id) BETWEEN 1 AND 64),
    fields TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('started', 'done')),
    order_id TEXT REFERENCES orders (id),
    answer TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (client_id, spend_id)
) STRICT;
