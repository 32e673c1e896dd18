-- The ledger (backoffice.md §4): every change to the public history, each
-- entry hash-chained to the one before it (core::ledger). Appended in the
-- same batch as the change it records; never updated or deleted.
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
    hash TEXT NOT NULL
) STRICT;

-- An append must follow the head: a batch built on a head that moved
-- aborts, and its caller rebuilds it (flow::ledger::run_appending).
CREATE TRIGGER ledger_follows_head BEFORE INSERT ON ledger
WHEN NEW.n IS NOT (SELECT COALESCE(MAX(n), 0) + 1 FROM ledger)
BEGIN
    SELECT RAISE(ABORT, 'ledger head moved');
END;
CREATE TRIGGER ledger_never_updated BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger is append-only');
END;
CREATE TRIGGER ledger_never_deleted BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger is append-only');
END;
