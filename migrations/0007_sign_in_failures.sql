-- Failed sign-ins per (name, client address), so a lock holds on every instance and binds only that address:
-- nobody can lock the real user out from elsewhere. Keyed by the lower-cased name as typed, whether or not such a
-- user exists, so a lock answers alike for known and unknown names. users.failed_sign_ins and users.locked_until
-- are no longer written.
CREATE TABLE sign_in_failures (
    username_key   text NOT NULL CHECK (length(username_key) BETWEEN 1 AND 64),
    client_address text NOT NULL CHECK (length(client_address) BETWEEN 1 AND 64),
    failures       integer NOT NULL CHECK (failures >= 0),
    locked_until   timestamptz,
    last_failed_at timestamptz NOT NULL,
    PRIMARY KEY (username_key, client_address)
);

-- Failures a day old are pruned at the next failed sign-in.
CREATE INDEX sign_in_failures_last_failed_at ON sign_in_failures (last_failed_at);
