-- PayBook's whole current schema, written as a fresh install creates it
-- (`migrations/` are its history; tests/schema.rs checks that both build
-- the same database). STRICT tables; money in integer cents; times in UTC
-- as 'YYYY-MM-DDTHH:MM:SSZ' text (fixed width, so text order is time order).

-- Values made once per deployment (deployment id, emulator-mode secrets, the
-- emulator's clock offset, the cron's lease and last run).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- D1 runs a batch as one transaction, but a guarded UPDATE that matches no
-- row does not fail it. `INSERT INTO guard (ok) SELECT changes() = 1` right
-- after such an UPDATE aborts the whole batch when it changed no row.
CREATE VIEW guard AS SELECT 1 AS ok;
CREATE TRIGGER guard_abort INSTEAD OF INSERT ON guard WHEN NEW.ok IS NOT 1
BEGIN
    SELECT RAISE(ABORT, 'guard failed');
END;

CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    -- 'pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>'
    password_hash TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('en', 'fr')),
    psp_environment TEXT NOT NULL CHECK (psp_environment IN ('emulator', 'sandbox', 'live')),
    created_at TEXT NOT NULL
) STRICT;

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

-- A session is known by the SHA-256 of its cookie's token, so that a copy of
-- the database gives no usable session.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_by_client ON sessions (client_id);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
) STRICT;

-- Fixed-window counters for login, register, password reset and buy.
CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,
    window_start TEXT NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
) STRICT;

-- Every ISIN ever issued or reserved. Never deleted: an ISIN is never reused,
-- even for a voided title.
CREATE TABLE isins (
    isin TEXT PRIMARY KEY CHECK (length(isin) = 12 AND substr(isin, 1, 2) = 'ZZ'),
    reserved_at TEXT NOT NULL
) STRICT;

CREATE TABLE titles (
    id INTEGER PRIMARY KEY,
    isin TEXT NOT NULL UNIQUE REFERENCES isins (isin),
    value_cents INTEGER NOT NULL CHECK (value_cents >= 0),
    currency TEXT NOT NULL,
    holder_id INTEGER NOT NULL REFERENCES clients (id),
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL CHECK (issued_by IN ('initiation', 'split')),
    -- For a split: the title it was split from and the order that paid.
    parent_title_id INTEGER REFERENCES titles (id),
    issuing_order_id TEXT,
    -- Rises with every change of holder or value; an order is bound to it.
    version INTEGER NOT NULL DEFAULT 1,
    -- The order whose payment is being executed; nobody else may pay now.
    claim_order_id TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'voided')),
    disputed INTEGER NOT NULL DEFAULT 0 CHECK (disputed IN (0, 1)),
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX titles_by_holder ON titles (holder_id, status);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    buyer_id INTEGER NOT NULL REFERENCES clients (id),
    seller_id INTEGER NOT NULL REFERENCES clients (id),
    title_id INTEGER NOT NULL REFERENCES titles (id),
    isin TEXT NOT NULL,
    -- The title as it was when the order was made: holder is seller_id.
    title_version INTEGER NOT NULL,
    title_value_cents INTEGER NOT NULL,
    -- Zero only for a test order (code 1, the API's zero spend).
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0 OR code = 1),
    currency TEXT NOT NULL,
    profit_rate INTEGER NOT NULL CHECK (profit_rate BETWEEN 0 AND 100),
    new_value_cents INTEGER NOT NULL CHECK (new_value_cents >= 0),
    -- Reserved at order time when the title will be split, so that nothing
    -- can fail after the money has moved.
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
    -- MSGSUBID is '<id>-<attempt>'; the attempt rises only after a definitive
    -- funding refusal, never after a lost answer.
    attempt INTEGER NOT NULL DEFAULT 1,
    psp_transaction_id TEXT,
    psp_receiver_id TEXT,
    failure_reason TEXT,
    psp_error_code TEXT,
    psp_error_message TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- One DoExpressCheckoutPayment in flight per order: the return that
    -- claims the title holds this lease, and a refresh may send the payment
    -- again only once it has passed (the call's timeout is 30 s).
    payment_lease_until TEXT,
    -- When the reconciler last asked PayPal about the order, so that orders
    -- waiting long (a Pending payment) do not starve the others.
    checked_at TEXT,
    -- The spend's free text (the API's `description`), shown to both parties.
    description TEXT CHECK (description IS NULL OR length(description) <= 1000)
) STRICT;
CREATE INDEX orders_by_buyer ON orders (buyer_id, created_at);
CREATE INDEX orders_by_seller ON orders (seller_id, created_at);
CREATE INDEX orders_open ON orders (code, substate, updated_at);
-- The provider's checkout token and transaction id, unique per provider;
-- the reference first, so that a lookup by the reference alone uses them.
CREATE UNIQUE INDEX orders_by_psp_token ON orders (psp_token, psp)
    WHERE psp_token IS NOT NULL;
CREATE UNIQUE INDEX orders_by_psp_transaction ON orders (psp_transaction_id, psp)
    WHERE psp_transaction_id IS NOT NULL;

-- The public history: one trade per processed order.
CREATE TABLE trades (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE REFERENCES orders (id),
    at TEXT NOT NULL,
    title_id INTEGER NOT NULL REFERENCES titles (id),
    isin TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    profit_rate INTEGER NOT NULL,
    buyer_id INTEGER NOT NULL REFERENCES clients (id),
    seller_id INTEGER NOT NULL REFERENCES clients (id),
    new_title_id INTEGER NOT NULL REFERENCES titles (id),
    new_isin TEXT NOT NULL,
    new_value_cents INTEGER NOT NULL,
    -- The seller's remaining value after a split; NULL when the title passed.
    seller_value_cents INTEGER,
    -- V before the trade, so that a chargeback can undo it.
    previous_value_cents INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'processed' CHECK (status IN ('processed', 'chargeback')),
    -- What a reversal did to the trade, so that a canceled reversal can put
    -- it back: 'undone' when the titles were unchanged and the trade was
    -- reversed on them; 'disputed' when they had moved on and were flagged.
    reversal TEXT CHECK (reversal IN ('undone', 'disputed')),
    -- The scheduled re-reads of the payment (core::recheck): reversals are
    -- not learned from notifications alone. recheck_step is the index of
    -- the next read in 1, 7, 30, 90 and 180 days after the trade;
    -- recheck_at when it is due, NULL once the last read is done.
    recheck_step INTEGER NOT NULL DEFAULT 0,
    recheck_at TEXT
) STRICT;
CREATE INDEX trades_by_time ON trades (at);
CREATE INDEX trades_by_isin ON trades (isin, at);
CREATE INDEX trades_by_new_isin ON trades (new_isin, at);
-- The cron reads the due re-reads, oldest first, through this index.
CREATE INDEX trades_recheck_due ON trades (recheck_at) WHERE recheck_at IS NOT NULL;

-- The provider's request and answer for each call, secrets removed:
-- `operation` (PayPal: the NVP METHOD), `outcome` (PayPal: ACK),
-- `provider_ref` (PayPal: CORRELATIONID); `request` and `response` as JSON
-- objects of their fields, `request_wire` and `response_wire` their bytes.
CREATE TABLE psp_traces (
    id INTEGER PRIMARY KEY,
    order_id TEXT REFERENCES orders (id),
    client_id INTEGER REFERENCES clients (id),
    provider TEXT NOT NULL,
    operation TEXT NOT NULL,
    outcome TEXT,
    error_codes TEXT,
    provider_ref TEXT,
    at TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT,
    request_wire BLOB,
    response_wire BLOB
) STRICT;
CREATE INDEX psp_traces_by_order ON psp_traces (order_id, id);

-- Providers' notifications (PayPal IPN), each recorded once: the
-- provider's `transaction_id` (PayPal: txn_id) and `status` (PayPal:
-- payment_status). Their exact bytes are in psp_ipn_receipts.
CREATE TABLE psp_notifications (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    status TEXT NOT NULL,
    order_id TEXT REFERENCES orders (id),
    received_at TEXT NOT NULL,
    body TEXT NOT NULL,
    outcome TEXT NOT NULL,
    UNIQUE (provider, transaction_id, status)
) STRICT;

-- E-mails to send, one per event; in emulator mode this is the mailbox.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    event_key TEXT NOT NULL UNIQUE,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- The built-in PayPal emulator's accounts (emulator mode only; never in the
-- same batch as the platform's tables).
CREATE TABLE emulator_accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    payer_id TEXT NOT NULL UNIQUE,
    api_username TEXT NOT NULL UNIQUE,
    api_password TEXT NOT NULL,
    api_signature TEXT NOT NULL,
    balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0),
    currency TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- The built-in PayPal emulator's Express Checkout (emulator mode only; never
-- in the same batch as the platform's tables): one checkout per
-- SetExpressCheckout token, the payments DoExpressCheckoutPayment made, the
-- one-shot faults of /_emulator/paypal/faults and the IPN messages it sends.
CREATE TABLE emulator_checkouts (
    token TEXT PRIMARY KEY CHECK (length(token) = 20 AND substr(token, 1, 3) = 'EC-'),
    -- The account whose credentials called SetExpressCheckout.
    receiver_account_id INTEGER NOT NULL REFERENCES emulator_accounts (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL,
    invnum TEXT,
    custom TEXT,
    notify_url TEXT,
    return_url TEXT NOT NULL,
    cancel_url TEXT NOT NULL,
    locale_code TEXT,
    -- Valid 3 hours from here, by the emulator's clock.
    created_at TEXT NOT NULL,
    -- 'created' until a buyer approves on the checkout page, 'approved'
    -- until DoExpressCheckoutPayment pays, then 'completed'.
    status TEXT NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'approved', 'completed')),
    -- The account whose e-mail approved the payment.
    payer_account_id INTEGER REFERENCES emulator_accounts (id),
    approved_at TEXT,
    transaction_id TEXT UNIQUE,
    -- The MSGSUBID of the call that paid and its answer without envelope
    -- (JSON list of name/value pairs), replayed with 11607.
    msgsubid TEXT,
    answer TEXT,
    -- DoExpressCheckoutPayment calls that paid or were refused; 10416 after 10.
    attempts INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE emulator_transactions (
    id TEXT PRIMARY KEY CHECK (length(id) = 17),
    token TEXT NOT NULL REFERENCES emulator_checkouts (token),
    payer_account_id INTEGER NOT NULL REFERENCES emulator_accounts (id),
    receiver_account_id INTEGER NOT NULL REFERENCES emulator_accounts (id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL,
    invnum TEXT,
    custom TEXT,
    notify_url TEXT,
    locale_code TEXT,
    -- PAYMENTSTATUS in NVP spelling: Completed, Pending, Reversed, Refunded,
    -- Canceled-Reversal, ...
    status TEXT NOT NULL,
    pending_reason TEXT NOT NULL DEFAULT 'None',
    reason_code TEXT NOT NULL DEFAULT 'None',
    -- 1 while the amount is in the receiver's balance (a Pending payment
    -- moves no money until it completes).
    settled INTEGER NOT NULL CHECK (settled IN (0, 1)),
    order_time TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- How much of the payment its receiver has refunded so far
    -- (PAYMENTSTATUS Partially-Refunded until it is all of it, then Refunded).
    refunded_cents INTEGER NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0)
) STRICT;
CREATE INDEX emulator_transactions_by_token ON emulator_transactions (token);

-- One-shot: the first matching call consumes the fault.
CREATE TABLE emulator_faults (
    id INTEGER PRIMARY KEY,
    method TEXT NOT NULL,
    token TEXT,
    api_username TEXT,
    error_code TEXT,
    payment_status TEXT,
    pending_reason TEXT,
    drop_answer INTEGER NOT NULL DEFAULT 0 CHECK (drop_answer IN (0, 1)),
    created_at TEXT NOT NULL,
    CHECK ((error_code IS NOT NULL) + (payment_status IS NOT NULL) + drop_answer = 1)
) STRICT;
CREATE INDEX emulator_faults_by_method ON emulator_faults (method, id);

-- Every IPN the emulator sent (exact bytes, for the postback) and whether
-- it reached NOTIFYURL.
CREATE TABLE emulator_ipn_messages (
    id INTEGER PRIMARY KEY,
    txn_id TEXT NOT NULL,
    parent_txn_id TEXT,
    payment_status TEXT NOT NULL,
    notify_url TEXT,
    body TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'delivered')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_http_status INTEGER,
    delivered_at TEXT
) STRICT;
CREATE INDEX emulator_ipn_by_body ON emulator_ipn_messages (body_sha256);
CREATE INDEX emulator_ipn_by_txn ON emulator_ipn_messages (txn_id);
CREATE INDEX emulator_ipn_queued ON emulator_ipn_messages (status, id);
-- A client's PSP balance as GetBalance last answered it, so that /claims
-- asks the PSP at most once a minute (its budget allows a balance 60 s
-- old). /claims believes it only while no order of the client has changed
-- since it was read (every money move the platform knows of changes one),
-- and only for the credentials it was read with.
CREATE TABLE psp_balances (
    client_id INTEGER PRIMARY KEY REFERENCES clients (id),
    credentials_version INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    read_at TEXT NOT NULL
) STRICT;

-- The notifications not acted on yet, which the cron takes up again every
-- run and /healthz counts: a few among every message ever received.
CREATE INDEX psp_notifications_received ON psp_notifications (provider, received_at)
    WHERE outcome = 'received';

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
    provider TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('received', 'verified', 'forged', 'unreadable')),
    detail TEXT,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX psp_ipn_receipts_received ON psp_ipn_receipts (provider, received_at)
    WHERE state = 'received';
-- What the retention purge (RETENTION_DAYS) has left to blank: the bytes
-- carry the payer's identity; a receipt still 'received' keeps them.
CREATE INDEX psp_ipn_receipts_unpurged ON psp_ipn_receipts (received_at)
    WHERE length(body) > 0 AND state <> 'received';

-- Privacy and retention (issue 14, item 12).
--
-- The emulator's mailbox: its own copy of what the platform delivered in
-- emulator mode ("delivered on write"), so that /_emulator/mail keeps
-- working while the platform's outbox keeps no body once a mail is sent
-- (a reset link in the outbox would undo the hashing of the reset token).
CREATE TABLE emulator_mail (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL UNIQUE,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at TEXT
) STRICT;
CREATE INDEX emulator_mail_by_to ON emulator_mail (to_email, id);

-- A mail written as already sent (emulator mode without a mail API) is
-- delivered to the emulator's mailbox there and then, and its body leaves
-- the outbox. Mails sent through the mail API lose theirs in `mark_sent`.
CREATE TRIGGER outbox_delivered_on_write AFTER INSERT ON outbox WHEN NEW.status = 'sent'
BEGIN
    INSERT INTO emulator_mail (outbox_id, to_email, subject, body, sent_at)
        VALUES (NEW.id, NEW.to_email, NEW.subject, NEW.body, NEW.sent_at);
    UPDATE outbox SET body = '' WHERE id = NEW.id;
END;

-- What the retention purge (RETENTION_DAYS) has left to blank, oldest
-- first: the cron reads a bounded batch of these every run instead of
-- scanning every trace and notification ever recorded.
CREATE INDEX psp_traces_unpurged ON psp_traces (at)
    WHERE response IS NOT NULL OR request <> '';
CREATE INDEX psp_notifications_unpurged ON psp_notifications (received_at)
    WHERE body <> '' AND outcome <> 'received';

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

-- The built-in CM-CIC Monetico emulator (issue 17; emulator mode only;
-- never in the same batch as the platform's tables): its merchants (TPE,
-- société, clé de sécurité, settlement balance), the payments posted to its
-- paiement.cgi keyed by (TPE, reference), the CGI2 notifications it sends
-- until they are acknowledged with cdr=0, and its one-shot faults.
CREATE TABLE emulator_monetico_merchants (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    tpe TEXT NOT NULL UNIQUE CHECK (length(tpe) = 7),
    societe TEXT NOT NULL,
    -- The 40-character clé de sécurité as the bank hands it out (the MACs
    -- are keyed with the bytes it derives to).
    cle TEXT NOT NULL CHECK (length(cle) = 40),
    -- What captures settled minus what recredits took back; never negative.
    balance_cents INTEGER NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    currency TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- A payment from the moment paiement.cgi accepted its form: 'pending' on
-- the card page, then 'authorized' (deferred capture) or 'refused'; an
-- authorization is 'captured' (whole amount) or 'released' (capture of
-- 0EUR); a captured payment is 'recredited' once part of it was refunded.
CREATE TABLE emulator_monetico_payments (
    tpe TEXT NOT NULL REFERENCES emulator_monetico_merchants (tpe),
    reference TEXT NOT NULL,
    -- The card page's address (random), so that only the browser that
    -- posted the form decides.
    token TEXT NOT NULL UNIQUE,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL,
    texte_libre TEXT NOT NULL,
    lgue TEXT NOT NULL,
    mail TEXT NOT NULL,
    url_ok TEXT NOT NULL,
    url_err TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'authorized', 'refused', 'captured', 'released', 'recredited')),
    code_retour TEXT,
    numauto TEXT,
    motifrefus TEXT,
    captured_cents INTEGER NOT NULL DEFAULT 0 CHECK (captured_cents >= 0),
    recredited_cents INTEGER NOT NULL DEFAULT 0
        CHECK (recredited_cents >= 0 AND recredited_cents <= captured_cents),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    captured_at TEXT,
    PRIMARY KEY (tpe, reference)
) STRICT;

-- Every CGI2 notification the emulator sent (exact bytes), delivered again
-- until the platform acknowledges it with `version=2` / `cdr=0`.
CREATE TABLE emulator_monetico_notifications (
    id INTEGER PRIMARY KEY,
    tpe TEXT NOT NULL,
    reference TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'delivered')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_http_status INTEGER,
    last_answer TEXT,
    -- 1: delivered twice, as a `duplicate=1` fault asked.
    duplicate INTEGER NOT NULL DEFAULT 0 CHECK (duplicate IN (0, 1)),
    delivered_at TEXT
) STRICT;
CREATE INDEX emulator_monetico_notifications_queued
    ON emulator_monetico_notifications (status, id);
CREATE INDEX emulator_monetico_notifications_by_payment
    ON emulator_monetico_notifications (tpe, reference);

-- One-shot: the first matching call consumes the fault. `method` is
-- paiement (the card page's decision), capture, recredit or notification;
-- `cdr` the answer's cdr (capture, recredit) or the code-retour
-- (paiement); `drop_answer` loses the answer (capture, recredit), the
-- buyer's return (paiement) or the notification; `delay` keeps a
-- notification queued for the next delivery run; `duplicate` delivers it
-- twice.
CREATE TABLE emulator_monetico_faults (
    id INTEGER PRIMARY KEY,
    method TEXT NOT NULL CHECK (method IN ('paiement', 'capture', 'recredit', 'notification')),
    tpe TEXT,
    reference TEXT,
    cdr TEXT,
    drop_answer INTEGER NOT NULL DEFAULT 0 CHECK (drop_answer IN (0, 1)),
    delay INTEGER NOT NULL DEFAULT 0 CHECK (delay IN (0, 1)),
    duplicate INTEGER NOT NULL DEFAULT 0 CHECK (duplicate IN (0, 1)),
    created_at TEXT NOT NULL,
    CHECK ((cdr IS NOT NULL) + drop_answer + delay + duplicate = 1)
) STRICT;
CREATE INDEX emulator_monetico_faults_by_method ON emulator_monetico_faults (method, id);

-- The automation API (issue 18).
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
-- ON CONFLICT), stores the request's fields (the fingerprint a repetition
-- is compared with), then its order and first answer in the order's own
-- batch. An id `started` for over 10 minutes is taken over by the same
-- spend (its request died before its order was written).
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

-- The cron forgets spends past 30 days through it (migration 0020).
CREATE INDEX api_spends_by_age ON api_spends (created_at);

-- The ledger (backoffice.md §4, migration 0015). `hash` is NULL only for
-- the entries the migration entered for earlier trades and for entries
-- appended at the tail under contention (migration 0019), until the
-- Worker seals them, in order (core::ledger::seal).
CREATE TABLE ledger (
    n INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('trade', 'undo', 'reapply', 'clear_dispute')),
    order_id TEXT,
    isin TEXT NOT NULL,
    amount_cents INTEGER,
    currency TEXT,
    buyer_id INTEGER,
    seller_id INTEGER,
    new_isin TEXT,
    new_value_cents INTEGER,
    seller_value_cents INTEGER,
    hash TEXT
) STRICT;

-- An append must follow the head: a batch built on a head that moved
-- aborts, and its caller rebuilds it (flow::ledger::run_appending).
CREATE TRIGGER ledger_follows_head BEFORE INSERT ON ledger
WHEN NEW.n IS NOT (SELECT COALESCE(MAX(n), 0) + 1 FROM ledger)
BEGIN
    SELECT RAISE(ABORT, 'ledger head moved');
END;
CREATE INDEX ledger_unsealed ON ledger (n) WHERE hash IS NULL;
-- The only update: sealing a migrated entry (its hash from NULL to a
-- value, nothing else).
CREATE TRIGGER ledger_never_updated BEFORE UPDATE ON ledger
WHEN OLD.hash IS NOT NULL OR NEW.hash IS NULL
    OR NEW.n IS NOT OLD.n OR NEW.at IS NOT OLD.at OR NEW.kind IS NOT OLD.kind
    OR NEW.order_id IS NOT OLD.order_id OR NEW.isin IS NOT OLD.isin
    OR NEW.amount_cents IS NOT OLD.amount_cents OR NEW.currency IS NOT OLD.currency
    OR NEW.buyer_id IS NOT OLD.buyer_id OR NEW.seller_id IS NOT OLD.seller_id
    OR NEW.new_isin IS NOT OLD.new_isin OR NEW.new_value_cents IS NOT OLD.new_value_cents
    OR NEW.seller_value_cents IS NOT OLD.seller_value_cents
BEGIN
    SELECT RAISE(ABORT, 'ledger is append-only');
END;
CREATE TRIGGER ledger_never_deleted BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger is append-only');
END;

-- The operator's audit log (backoffice.md §1, migration 0016).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    operator_email TEXT NOT NULL,
    -- `recheck`, `resolve`, `keep_trade`, `undo_trade`, `clear_dispute`,
    -- `outbox_retry`, ...
    action TEXT NOT NULL,
    -- What it acted on: `order:<id>`, `title:<isin>`, `outbox:<id>`.
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- JSON objects: the state before and after, and what the provider said.
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_by_target ON audit_log (target, id);
CREATE TRIGGER audit_log_never_updated BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
CREATE TRIGGER audit_log_never_deleted BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
-- The back office's payments list (newest first) and day export (orders
-- changed that day) read orders by time.
CREATE INDEX orders_by_created ON orders (created_at);
CREATE INDEX orders_by_updated ON orders (updated_at);

-- The daily report (backoffice.md §2): one row per UTC day reported,
-- inserted in the batch that queues the report's e-mails, whose inserts
-- write nothing once the day has its row; so a second or overlapping cron
-- run never mails a day twice (the e-mails' event keys are unique too).
CREATE TABLE daily_reports (
    day TEXT PRIMARY KEY,
    reported_at TEXT NOT NULL,
    recipients INTEGER NOT NULL
) STRICT;

-- Sellers' refunds and the PayPal emulator's (migration 0017).
CREATE TABLE refunds (
    order_id TEXT PRIMARY KEY REFERENCES orders (id),
    state TEXT NOT NULL CHECK (state IN ('requested', 'refunded', 'refused')),
    requested_by INTEGER NOT NULL REFERENCES clients (id),
    requested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Provider calls made for it (the first one included).
    attempts INTEGER NOT NULL DEFAULT 0,
    -- The provider's id of the refund (PayPal's REFUNDTRANSACTIONID).
    provider_ref TEXT,
    refusal_code TEXT,
    refusal_message TEXT,
    -- What the refund did to the trade: 'undone' (titles back), 'disputed'
    -- (titles had moved on: flagged), 'already' (charged back before).
    trade_outcome TEXT CHECK (trade_outcome IN ('undone', 'disputed', 'already'))
) STRICT;
CREATE INDEX refunds_requested ON refunds (state, updated_at);

-- The PayPal emulator's refunds: RefundTransaction's answer kept by the
-- caller's MSGSUBID, so that a repeated call answers the first answer
-- again (11607) instead of refunding twice.
CREATE TABLE emulator_refunds (
    receiver_account_id INTEGER NOT NULL REFERENCES emulator_accounts (id),
    msgsubid TEXT NOT NULL,
    refund_transaction_id TEXT NOT NULL UNIQUE,
    transaction_id TEXT NOT NULL REFERENCES emulator_transactions (id),
    -- The answer without envelope (JSON of ordered pairs).
    answer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (receiver_account_id, msgsubid)
) STRICT;

-- PayPal without sellers' API passwords (migration 0018).
CREATE TRIGGER psp_accounts_secretless_only_paypal BEFORE INSERT ON psp_accounts
WHEN NEW.sealed_secret = '' AND NEW.provider != 'paypal'
BEGIN
    SELECT RAISE(ABORT, 'only a PayPal account may be stored without a secret');
END;

-- The PayPal emulator's third-party permissions (emulator mode only; never in
-- the same batch as the platform's tables): the scopes an account granted
-- to another account's API username (paypal-nvp.md §8).
CREATE TABLE emulator_grants (
    account_id INTEGER NOT NULL REFERENCES emulator_accounts (id),
    api_username TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (
        scope IN ('EXPRESS_CHECKOUT', 'REFUND', 'TRANSACTION_DETAILS', 'ACCOUNT_BALANCE')
    ),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (account_id, api_username, scope)
) STRICT;
