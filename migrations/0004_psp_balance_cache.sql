-- A client's PSP balance as GetBalance last answered it, so that /claims
-- asks the PSP at most once a minute (its budget allows a balance 60 s
-- old). /claims believes it only while no order of the client has changed
-- since it was read (every money move the platform knows of changes one),
-- and only for the credentials it was read with.
CREATE TABLE psp_balances (
    client_id INTEGER PRIMARY KEY REFERENCES clients (id),
    credentials_version INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    read_at TEXT NOT NULL
) STRICT;
