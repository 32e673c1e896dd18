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
    updated_at TEXT NOT NULL
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
