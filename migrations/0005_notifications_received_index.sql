-- The notifications not acted on yet, which the cron takes up again every
-- run and /healthz counts: a few among every message ever received.
CREATE INDEX psp_notifications_received ON psp_notifications (psp, received_at)
    WHERE outcome = 'received';
