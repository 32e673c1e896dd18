-- The built-in CM-CIC Monetico emulator (issue 17; emulator mode only;
-- never in the same batch as the platform's tables): its merchants (TPE,
-- société, clé de sécurité, settlement balance), the payments posted to its
-- paiement.cgi keyed by (TPE, reference), the CGI2 notifications it sends
-- until they are acknowledged with cdr=0, and its one-shot faults.
CREATE TABLE emulator_monetico_merchants (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    tpe TEXT NOT NULL UNIQUE CHECK (length(tpe) = 7),
    societe TEXT NOT NULL,
    -- The 40-character clé de sécurité as the bank hands it out (the MACs
    -- are keyed with the bytes it derives to).
    cle TEXT NOT NULL CHECK (length(cle) = 40),
    -- What captures settled minus what recredits took back; never negative.
    balance_cents INTEGER NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    currency TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- A payment from the moment paiement.cgi accepted its form: 'pending' on
-- the card page, then 'authorized' (deferred capture) or 'refused'; an
-- authorization is 'captured' (whole amount) or 'released' (capture of
-- 0EUR); a captured payment is 'recredited' once part of it was refunded.
CREATE TABLE emulator_monetico_payments (
    tpe TEXT NOT NULL REFERENCES emulator_monetico_merchants (tpe),
    reference TEXT NOT NULL,
    -- The card page's address (random), so that only the browser that
    -- posted the form decides.
    token TEXT NOT NULL UNIQUE,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL,
    texte_libre TEXT NOT NULL,
    lgue TEXT NOT NULL,
    mail TEXT NOT NULL,
    url_ok TEXT NOT NULL,
    url_err TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'authorized', 'refused', 'captured', 'released', 'recredited')),
    code_retour TEXT,
    numauto TEXT,
    motifrefus TEXT,
    captured_cents INTEGER NOT NULL DEFAULT 0 CHECK (captured_cents >= 0),
    recredited_cents INTEGER NOT NULL DEFAULT 0
        CHECK (recredited_cents >= 0 AND recredited_cents <= captured_cents),
    created_at TEXT NOT NULL,
    decided_at TEXT,
    captured_at TEXT,
    PRIMARY KEY (tpe, reference)
) STRICT;

-- Every CGI2 notification the emulator sent (exact bytes), delivered again
-- until the platform acknowledges it with `version=2` / `cdr=0`.
CREATE TABLE emulator_monetico_notifications (
    id INTEGER PRIMARY KEY,
    tpe TEXT NOT NULL,
    reference TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'delivered')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_http_status INTEGER,
    last_answer TEXT,
    -- 1: delivered twice, as a `duplicate=1` fault asked.
    duplicate INTEGER NOT NULL DEFAULT 0 CHECK (duplicate IN (0, 1)),
    delivered_at TEXT
) STRICT;
CREATE INDEX emulator_monetico_notifications_queued
    ON emulator_monetico_notifications (status, id);
CREATE INDEX emulator_monetico_notifications_by_payment
    ON emulator_monetico_notifications (tpe, reference);

-- One-shot: the first matching call consumes the fault. `method` is
-- paiement (the card page's decision), capture, recredit or notification;
-- `cdr` the answer's cdr (capture, recredit) or the code-retour
-- (paiement); `drop_answer` loses the answer (capture, recredit), the
-- buyer's return (paiement) or the notification; `delay` keeps a
-- notification queued for the next delivery run; `duplicate` delivers it
-- twice.
CREATE TABLE emulator_monetico_faults (
    id INTEGER PRIMARY KEY,
    method TEXT NOT NULL CHECK (method IN ('paiement', 'capture', 'recredit', 'notification')),
    tpe TEXT,
    reference TEXT,
    cdr TEXT,
    drop_answer INTEGER NOT NULL DEFAULT 0 CHECK (drop_answer IN (0, 1)),
    delay INTEGER NOT NULL DEFAULT 0 CHECK (delay IN (0, 1)),
    duplicate INTEGER NOT NULL DEFAULT 0 CHECK (duplicate IN (0, 1)),
    created_at TEXT NOT NULL,
    CHECK ((cdr IS NOT NULL) + drop_answer + delay + duplicate = 1)
) STRICT;
CREATE INDEX emulator_monetico_faults_by_method ON emulator_monetico_faults (method, id);
