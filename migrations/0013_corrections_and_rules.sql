-- Corrections and the program's rules: transfer reversals and refunds in the transfers ledger, cancelled projects,
-- the one-home rule's overrides, each program year's rules, and a per-day balance per project for the dated cash check.

-- A program year's rules, set by Admins. tranches and payment_gates are kept as given (their shape checked by the
-- service) for the evidence rules to enforce later.
CREATE TABLE program_years (
    program       text NOT NULL CHECK (program IN ('BPP', 'BMK')),
    fiscal_year   integer NOT NULL CHECK (fiscal_year BETWEEN 2540 AND 2700),
    cap_per_home  numeric(14,2) CHECK (cap_per_home > 0),
    tranches      jsonb CHECK (jsonb_typeof(tranches) = 'array'),
    payment_gates jsonb CHECK (jsonb_typeof(payment_gates) = 'array'),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    bigint REFERENCES users,
    PRIMARY KEY (program, fiscal_year)
);

-- The transfers ledger also holds its corrections: a reversal (negative, pointing at the transfer it undoes, at most
-- one) and a refund (negative: money the council returned to CODI). So project_cash.received, kept by 0006's trigger,
-- is what the council holds from CODI net of both, and every cash check that reads it counts them.
ALTER TABLE transfers
    ADD COLUMN kind        text NOT NULL DEFAULT 'transfer' CHECK (kind IN ('transfer', 'reversal', 'refund')),
    ADD COLUMN reverses_id bigint REFERENCES transfers,
    ADD COLUMN reason      text CHECK (length(reason) <= 1000);
ALTER TABLE transfers DROP CONSTRAINT transfers_amount_check;
ALTER TABLE transfers ADD CONSTRAINT transfers_kind_amount_check CHECK (
       (kind = 'transfer' AND amount > 0 AND reverses_id IS NULL AND reason IS NULL)
    OR (kind = 'reversal' AND amount < 0 AND reverses_id IS NOT NULL AND length(btrim(reason)) > 0)
    OR (kind = 'refund' AND amount < 0 AND reverses_id IS NULL));
ALTER TABLE transfers ADD CONSTRAINT transfers_reverses_key UNIQUE (reverses_id);

-- A project cancelled (only while no money has moved) frees its share of the budget.
ALTER TABLE projects
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancel_reason text CHECK (length(cancel_reason) <= 1000),
    ADD CONSTRAINT projects_cancel_check CHECK ((cancelled_at IS NULL) = (cancel_reason IS NULL));

-- One home, funded once: a second live allocation of a household (another program or year) only with a written
-- override, kept here so it can be flagged. The index finds a household's live allocations for the check.
ALTER TABLE allocations ADD COLUMN override_reason text CHECK (length(btrim(override_reason)) BETWEEN 1 AND 1000);
CREATE INDEX allocations_household_live_idx ON allocations (household_id) WHERE cancelled_at IS NULL;

-- Each project's net cash movement per day (in: transfers, less reversals and refunds; out: payments and works'
-- payments, less their reversals), kept by triggers as the ledgers grow. A payment dated D checks the running balance
-- of every day from D on: it reads this table's rows from D (one for a payment dated today), not the whole ledger.
CREATE TABLE project_days (
    project_id bigint NOT NULL REFERENCES projects,
    day        date NOT NULL,
    net        numeric(16,2) NOT NULL,
    PRIMARY KEY (project_id, day)
);

INSERT INTO project_days (project_id, day, net)
SELECT project_id, day, sum(net) FROM (
    SELECT project_id, received_on AS day, amount AS net FROM transfers
    UNION ALL SELECT project_id, paid_on, -amount FROM disbursements
    UNION ALL SELECT project_id, paid_on, -amount FROM work_payments
) e GROUP BY project_id, day;

-- Statement-level, in (project, day) order so two bulk inserts cannot deadlock; money in and money out are two
-- functions because their tables name the date differently.
CREATE FUNCTION project_days_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_days AS d (project_id, day, net)
    SELECT project_id, received_on, sum(amount) FROM new_rows GROUP BY project_id, received_on ORDER BY project_id, received_on
    ON CONFLICT (project_id, day) DO UPDATE SET net = d.net + excluded.net;
    RETURN NULL;
END $$;

CREATE FUNCTION project_days_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_days AS d (project_id, day, net)
    SELECT project_id, paid_on, -sum(amount) FROM new_rows GROUP BY project_id, paid_on ORDER BY project_id, paid_on
    ON CONFLICT (project_id, day) DO UPDATE SET net = d.net + excluded.net;
    RETURN NULL;
END $$;

CREATE TRIGGER transfers_days AFTER INSERT ON transfers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION project_days_in();
CREATE TRIGGER disbursements_days AFTER INSERT ON disbursements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION project_days_out();
CREATE TRIGGER work_payments_days AFTER INSERT ON work_payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION project_days_out();

-- As project_cash: only the triggers write it (0006's refuse_direct_change).
CREATE TRIGGER project_days_kept BEFORE INSERT OR UPDATE OR DELETE ON project_days
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION refuse_direct_change();
CREATE TRIGGER project_days_no_truncate BEFORE TRUNCATE ON project_days
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_direct_change();
