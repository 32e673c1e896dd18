-- The raw bytes of IPNs (psp_ipn_receipts) fall under RETENTION_DAYS too:
-- they carry the payer's e-mail, name and address. What the purge has
-- left to blank, oldest first, read through this partial index; a receipt
-- still 'received' is the cron's work and keeps its bytes.
CREATE INDEX psp_ipn_receipts_unpurged ON psp_ipn_receipts (received_at)
    WHERE length(body) > 0 AND state <> 'received';
