-- PayPal without sellers' API passwords (issue 20). A seller who granted the
-- platform's API username the permissions is a `psp_accounts` row of
-- provider 'paypal' whose `public_ref` is his PayPal e-mail and whose
-- `sealed_secret` is '' (nothing of his is secret): PayBook calls with its
-- own credentials and SUBJECT = that e-mail. Only PayPal has such accounts.
CREATE TRIGGER psp_accounts_secretless_only_paypal BEFORE INSERT ON psp_accounts
WHEN NEW.sealed_secret = '' AND NEW.provider != 'paypal'
BEGIN
    SELECT RAISE(ABORT, 'only a PayPal account may be stored without a secret');
END;

-- The PayPal emulator's third-party permissions (emulator mode only; never in
-- the same batch as the platform's tables): the scopes an account granted
-- to another account's API username (paypal-nvp.md §8).
CREATE TABLE emulator_grants (
    account_id INTEGER NOT NULL REFERENCES emulator_accounts (id),
    api_username TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (
        scope IN ('EXPRESS_CHECKOUT', 'REFUND', 'TRANSACTION_DETAILS', 'ACCOUNT_BALANCE')
    ),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (account_id, api_username, scope)
) STRICT;
