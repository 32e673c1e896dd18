-- The scheduled re-reads of processed payments (core::recheck): reversals
-- are not learned from notifications alone. recheck_step is the index of
-- the next read in 1, 7, 30, 90 and 180 days after the trade; recheck_at
-- when it is due, NULL once the last read is done. The cron reads the due
-- ones, oldest first, through the partial index.
ALTER TABLE trades ADD COLUMN recheck_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trades ADD COLUMN recheck_at TEXT;
CREATE INDEX trades_recheck_due ON trades (recheck_at) WHERE recheck_at IS NOT NULL;

-- Trades made before: their next read still ahead, counted from the trade
-- (reads whose time has passed are not made late; the later ones see
-- whatever they would have seen).
UPDATE trades SET recheck_step = CASE
    WHEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+1 days') > strftime('%Y-%m-%dT%H:%M:%SZ', 'now') THEN 0
    WHEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+7 days') > strftime('%Y-%m-%dT%H:%M:%SZ', 'now') THEN 1
    WHEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+30 days') > strftime('%Y-%m-%dT%H:%M:%SZ', 'now') THEN 2
    WHEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+90 days') > strftime('%Y-%m-%dT%H:%M:%SZ', 'now') THEN 3
    WHEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+180 days') > strftime('%Y-%m-%dT%H:%M:%SZ', 'now') THEN 4
    ELSE 5
END;
UPDATE trades SET recheck_at = CASE recheck_step
    WHEN 0 THEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+1 days')
    WHEN 1 THEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+7 days')
    WHEN 2 THEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+30 days')
    WHEN 3 THEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+90 days')
    WHEN 4 THEN strftime('%Y-%m-%dT%H:%M:%SZ', at, '+180 days')
END;
