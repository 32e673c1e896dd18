-- The ledger under many payments at once (issue 22). A batch that appends
-- after a head another batch moved aborts and is rebuilt on the new head;
-- after a few lost races it now appends at the tail instead, numbered by
-- the database (MAX(n) + 1 inside its transaction) and unsealed, and the
-- Worker seals it right after, in order, as it seals the entries migration
-- 0015 entered (core::ledger::seal). So an append may have no hash; every
-- other rule stands: an append follows the head, a hash only goes from
-- NULL to a value, nothing is deleted.
DROP TRIGGER ledger_appends_hashed;

-- Finding the first unsealed entry without reading the whole ledger.
CREATE INDEX ledger_unsealed ON ledger (n) WHERE hash IS NULL;
