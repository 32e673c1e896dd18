-- The built-in Worldline Sips emulator's own tables (issue 16,
-- providers.md §5), never batched with the platform's.

-- Merchants: a Sips merchant id (15 digits), its secret key and key
-- version, an e-mail to find it again, and the settlement balance that
-- Office `validate` raises and `refund` lowers (integer cents).
CREATE TABLE emulator_sips_merchants (
    merchant_id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    secret_key TEXT NOT NULL,
    key_version INTEGER NOT NULL,
    balance_cents INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
) STRICT;

-- Transactions, keyed as Sips keys them: (merchant, transactionReference).
-- `status` is Sips' (TO_VALIDATE, CAPTURED, CANCELLED, REFUSED, EXPIRED,
-- CREDITED, PENDING) or INITIALIZED while the buyer is on the card page.
-- `amount_cents` is what is still authorized (a partial cancel lowers it),
-- `origin_cents` what was asked. The response sent (Data and its seal) is
-- kept so that the card page answers a second submit with the same one.
CREATE TABLE emulator_sips_transactions (
    merchant_id TEXT NOT NULL REFERENCES emulator_sips_merchants (merchant_id),
    transaction_reference TEXT NOT NULL,
    card_token TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    origin_cents INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    captured_cents INTEGER NOT NULL DEFAULT 0,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    currency_code TEXT NOT NULL,
    capture_mode TEXT NOT NULL,
    capture_day INTEGER NOT NULL,
    seal_algorithm TEXT NOT NULL,
    request_seal TEXT NOT NULL,
    normal_return_url TEXT NOT NULL,
    automatic_response_url TEXT,
    customer_language TEXT,
    response_code TEXT,
    authorisation_id TEXT,
    masked_pan TEXT,
    response_data TEXT,
    response_seal TEXT,
    created_at TEXT NOT NULL,
    authorized_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (merchant_id, transaction_reference)
) STRICT;

-- Automatic responses (server to server): the form body to POST to
-- `automaticResponseUrl`, queued until acknowledged with a 200, or lost
-- by a `drop` fault. A `delay` fault keeps one from the immediate
-- delivery; the next delivery run (cron, `/responses/deliver`) sends it.
CREATE TABLE emulator_sips_responses (
    id INTEGER PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    transaction_reference TEXT NOT NULL,
    response_code TEXT NOT NULL,
    url TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'delayed', 'delivered', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_http_status INTEGER,
    created_at TEXT NOT NULL,
    delivered_at TEXT
) STRICT;
CREATE INDEX emulator_sips_responses_queued ON emulator_sips_responses (id)
    WHERE status IN ('queued', 'delayed');
CREATE INDEX emulator_sips_responses_by_reference
    ON emulator_sips_responses (merchant_id, transaction_reference);

-- One-shot faults on the next matching call (`method`: paymentInit,
-- validate, cancel, refund, getTransactionData, response), optionally of
-- one merchant or reference: a response code instead of the normal
-- answer, a lost answer (`drop_answer`), or, for automatic responses,
-- `delay` or `duplicate`.
CREATE TABLE emulator_sips_faults (
    id INTEGER PRIMARY KEY,
    method TEXT NOT NULL,
    merchant_id TEXT,
    transaction_reference TEXT,
    response_code TEXT,
    drop_answer INTEGER NOT NULL DEFAULT 0,
    delay INTEGER NOT NULL DEFAULT 0,
    duplicate INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
) STRICT;
