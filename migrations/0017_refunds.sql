-- Sellers' full refunds (backoffice.md §3): at most one per order. The row
-- is written `requested` BEFORE the provider is asked, so that a crash or a
-- lost answer leaves a state the cron resolves by asking again (the
-- provider modules never refund twice for one order).
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
