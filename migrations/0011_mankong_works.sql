-- Baan Mankong's community works (roads, drainage, water, power, a community building...), each with
-- an amount within the project's, and the payments to their contractors: a ledger beside the homes'
-- disbursements, append-only and corrected by reversing rows in the same way.

CREATE TABLE works (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects,
    kind       text NOT NULL CHECK (kind IN ('road', 'drainage', 'water', 'electricity', 'building', 'other')),
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    amount     numeric(14,2) NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES users
);
CREATE INDEX works_project_idx ON works (project_id);

CREATE TABLE work_payments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_id         bigint NOT NULL REFERENCES works,
    project_id      bigint NOT NULL REFERENCES projects,
    amount          numeric(14,2) NOT NULL CHECK (amount <> 0),
    paid_on         date NOT NULL,
    payee           text NOT NULL CHECK (length(btrim(payee)) BETWEEN 1 AND 200),
    payee_type      text NOT NULL DEFAULT 'contractor' CHECK (payee_type IN ('contractor', 'supplier')),
    method          text NOT NULL DEFAULT 'transfer' CHECK (method IN ('transfer', 'cash', 'cheque')),
    receipt_no      text CHECK (length(receipt_no) <= 100),
    note            text CHECK (length(note) <= 1000),
    reverses_id     bigint REFERENCES work_payments,
    reason          text CHECK (length(reason) <= 1000),
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      bigint REFERENCES users,
    CHECK ((reverses_id IS NULL AND amount > 0 AND reason IS NULL)
        OR (reverses_id IS NOT NULL AND amount < 0 AND length(btrim(reason)) > 0)),
    CONSTRAINT work_payments_reverses_key UNIQUE (reverses_id),
    CONSTRAINT work_payments_idempotency_key UNIQUE (project_id, idempotency_key)
);
CREATE INDEX work_payments_work_idx ON work_payments (work_id);
CREATE INDEX work_payments_project_idx ON work_payments (project_id, paid_on);

CREATE TRIGGER works_append_only BEFORE UPDATE OR DELETE ON works
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER works_no_truncate BEFORE TRUNCATE ON works
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER work_payments_append_only BEFORE UPDATE OR DELETE ON work_payments
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER work_payments_no_truncate BEFORE TRUNCATE ON work_payments
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- Works' payments come out of the same cash as the homes': project_cash_add (0006) adds every table but
-- transfers to what was paid, so the payment checks that read project_cash count them too.
CREATE TRIGGER work_payments_cash AFTER INSERT ON work_payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION project_cash_add();
