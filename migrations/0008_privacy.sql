-- Privacy and retention (issue 14, item 12).
--
-- The emulator's mailbox: its own copy of what the platform delivered in
-- emulator mode ("delivered on write"), so that /_emulator/mail keeps
-- working while the platform's outbox keeps no body once a mail is sent
-- (a reset link in the outbox would undo the hashing of the reset token).
CREATE TABLE emulator_mail (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL UNIQUE,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at TEXT
) STRICT;
CREATE INDEX emulator_mail_by_to ON emulator_mail (to_email, id);

-- A mail written as already sent (emulator mode without a mail API) is
-- delivered to the emulator's mailbox there and then, and its body leaves
-- the outbox. Mails sent through the mail API lose theirs in `mark_sent`.
CREATE TRIGGER outbox_delivered_on_write AFTER INSERT ON outbox WHEN NEW.status = 'sent'
BEGIN
    INSERT INTO emulator_mail (outbox_id, to_email, subject, body, sent_at)
        VALUES (NEW.id, NEW.to_email, NEW.subject, NEW.body, NEW.sent_at);
    UPDATE outbox SET body = '' WHERE id = NEW.id;
END;

-- What the retention purge (RETENTION_DAYS) has left to blank, oldest
-- first: the cron reads a bounded batch of these every run instead of
-- scanning every trace and notification ever recorded.
CREATE INDEX psp_traces_unpurged ON psp_traces (at)
    WHERE response IS NOT NULL OR request <> '';
CREATE INDEX psp_notifications_unpurged ON psp_notifications (received_at)
    WHERE body <> '' AND outcome <> 'received';

-- Mails sent before this migration keep no body either.
UPDATE outbox SET body = '' WHERE status = 'sent';
