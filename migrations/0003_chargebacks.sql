-- Chargebacks and the reconciler's bookkeeping. First, what a reversal did
-- to a trade, so that a canceled reversal
-- can put it back. 'undone' when the titles were unchanged and the trade
-- was reversed on them; 'disputed' when they had moved on and were flagged.
ALTER TABLE trades ADD COLUMN reversal TEXT CHECK (reversal IN ('undone', 'disputed'));

-- One DoExpressCheckoutPayment in flight per order: the return that claims
-- the title holds this lease, and a refresh may send the payment again
-- only once it has passed (the call's timeout is 30 s).
ALTER TABLE orders ADD COLUMN payment_lease_until TEXT;

-- When the reconciler last asked PayPal about the order, so that orders
-- waiting long (a Pending payment) do not starve the others.
ALTER TABLE orders ADD COLUMN checked_at TEXT;
