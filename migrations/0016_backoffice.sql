-- The operator's back office (backoffice.md §1, §2): the append-only audit
-- log of every operator action.
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
