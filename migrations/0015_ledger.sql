-- The ledger (backoffice.md §4): every change to the public history, each
-- entry hash-chained to the one before it (core::ledger). Appended in the
-- same batch as the change it records; never edited or deleted.
--
-- `hash` is NULL only for the entries this migration enters for the trades
-- recorded before it: SQL cannot compute SHA-256 and the pseudonyms need
-- the deployment id (a setting made at boot), so the Worker seals them, in
-- order, before any append (core::ledger::seal). The triggers below let a
-- NULL hash become a value and nothing else, and refuse an append without
-- a hash, so only this prefix is ever unsealed.
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

-- The trades recorded so far, once each, in time order (`trades.at`, then
-- id); a trade charged back is followed by its `undo` (at the time its
-- order last changed, never before the trade), so that replaying the
-- entries gives the public history's statuses.
INSERT INTO ledger (n, at, kind, order_id, isin, amount_cents, currency, buyer_id, seller_id,
                    new_isin, new_value_cents, seller_value_cents)
SELECT ROW_NUMBER() OVER (ORDER BY e.at, e.trade_id, e.step), e.at, e.kind, e.order_id, e.isin,
       e.amount_cents, e.currency, e.buyer_id, e.seller_id, e.new_isin, e.new_value_cents,
       e.seller_value_cents
FROM (
    SELECT tr.id AS trade_id, 0 AS step, tr.at, 'trade' AS kind, tr.order_id, tr.isin,
           tr.amount_cents, tr.currency, tr.buyer_id, tr.seller_id, tr.new_isin,
           tr.new_value_cents, tr.seller_value_cents
    FROM trades tr
    UNION ALL
    SELECT tr.id, 1, MAX(tr.at, COALESCE(o.updated_at, tr.at)), 'undo', tr.order_id, tr.isin,
           tr.amount_cents, tr.currency, tr.buyer_id, tr.seller_id, tr.new_isin,
           tr.new_value_cents, tr.seller_value_cents
    FROM trades tr LEFT JOIN orders o ON o.id = tr.order_id
    WHERE tr.status = 'chargeback'
) e
ORDER BY 1;

-- An append must follow the head: a batch built on a head that moved
-- aborts, and its caller rebuilds it (flow::ledger::run_appending).
CREATE TRIGGER ledger_follows_head BEFORE INSERT ON ledger
WHEN NEW.n IS NOT (SELECT COALESCE(MAX(n), 0) + 1 FROM ledger)
BEGIN
    SELECT RAISE(ABORT, 'ledger head moved');
END;
CREATE TRIGGER ledger_appends_hashed BEFORE INSERT ON ledger
WHEN NEW.hash IS NULL
BEGIN
    SELECT RAISE(ABORT, 'ledger entry without hash');
END;
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
