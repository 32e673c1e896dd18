-- Chargebacks: what a reversal did to a trade, so that a canceled reversal
-- can put it back. 'undone' when the titles were unchanged and the trade
-- was reversed on them; 'disputed' when they had moved on and were flagged.
ALTER TABLE trades ADD COLUMN reversal TEXT CHECK (reversal IN ('undone', 'disputed'));
