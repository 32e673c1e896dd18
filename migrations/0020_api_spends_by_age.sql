-- Spends are kept under their spend_id 30 days at least (api.md §3); the
-- cron then forgets the older ones (core::api::sql::purge_spends), a
-- bounded batch per run read through this index instead of the table.
CREATE INDEX api_spends_by_age ON api_spends (created_at);
