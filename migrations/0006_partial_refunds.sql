-- The emulator's partial refunds: how much of a payment its receiver has
-- refunded so far (PAYMENTSTATUS Partially-Refunded until it is all of it,
-- then Refunded).
ALTER TABLE emulator_transactions ADD COLUMN refunded_cents INTEGER NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0);
