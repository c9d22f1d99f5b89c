-- Baan Mankong's community finance: the savings group's monthly reports, CODI's loans to the
-- community's cooperative, their schedules, drawdowns, repayments (with what each repayment paid
-- of which instalment) and moratoria. Money rows are append-only, as the payment ledgers are.

-- One report per project and month (month = its first day). A wrong report is not rewritten: the
-- next month's report is what counts.
CREATE TABLE savings_reports (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects,
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    balance    numeric(14,2) NOT NULL CHECK (balance >= 0),
    members    integer NOT NULL CHECK (members BETWEEN 1 AND 100000),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES users,
    CONSTRAINT savings_reports_month_key UNIQUE (project_id, month)
);

CREATE TABLE loans (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id          bigint NOT NULL REFERENCES projects,
    amount              numeric(14,2) NOT NULL CHECK (amount > 0),
    purpose             text NOT NULL CHECK (purpose IN ('housing', 'land')),
    annual_rate_percent numeric(6,3) NOT NULL CHECK (annual_rate_percent BETWEEN 0 AND 100),
    months              integer NOT NULL CHECK (months BETWEEN 1 AND 600),
    first_due_on        date NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    created_by          bigint REFERENCES users
);
CREATE INDEX loans_project_idx ON loans (project_id);

-- The schedule. Its figures never change; a moratorium moves due_on only (the moratoria table and
-- the audit log keep why and from what).
CREATE TABLE loan_instalments (
    loan_id   bigint NOT NULL REFERENCES loans,
    no        integer NOT NULL CHECK (no >= 1),
    due_on    date NOT NULL,
    principal numeric(14,2) NOT NULL CHECK (principal >= 0),
    interest  numeric(14,2) NOT NULL CHECK (interest >= 0),
    PRIMARY KEY (loan_id, no)
);
CREATE INDEX loan_instalments_due_idx ON loan_instalments (loan_id, due_on, no);

CREATE TABLE loan_drawdowns (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id    bigint NOT NULL REFERENCES loans,
    amount     numeric(14,2) NOT NULL CHECK (amount > 0),
    paid_on    date NOT NULL,
    reference  text NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES users
);
CREATE INDEX loan_drawdowns_loan_idx ON loan_drawdowns (loan_id);

CREATE TABLE loan_repayments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id         bigint NOT NULL REFERENCES loans,
    amount          numeric(14,2) NOT NULL CHECK (amount > 0),
    paid_on         date NOT NULL,
    reference       text NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 100),
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      bigint REFERENCES users,
    CONSTRAINT loan_repayments_idempotency_key UNIQUE (loan_id, idempotency_key)
);
CREATE INDEX loan_repayments_loan_idx ON loan_repayments (loan_id, paid_on);

-- What each repayment paid of each instalment, so the allocation can be audited and arrears read
-- per instalment. The parts of one repayment sum to its amount.
CREATE TABLE loan_repayment_parts (
    repayment_id bigint NOT NULL REFERENCES loan_repayments,
    loan_id      bigint NOT NULL,
    no           integer NOT NULL,
    interest     numeric(14,2) NOT NULL CHECK (interest >= 0),
    principal    numeric(14,2) NOT NULL CHECK (principal >= 0),
    CHECK (interest + principal > 0),
    PRIMARY KEY (repayment_id, no),
    FOREIGN KEY (loan_id, no) REFERENCES loan_instalments
);
CREATE INDEX loan_repayment_parts_instalment_idx ON loan_repayment_parts (loan_id, no);

CREATE TABLE loan_moratoria (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id    bigint NOT NULL REFERENCES loans,
    from_month date NOT NULL CHECK (extract(day FROM from_month) = 1),
    to_month   date NOT NULL CHECK (extract(day FROM to_month) = 1),
    reason     text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
    moved      integer NOT NULL CHECK (moved >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by bigint REFERENCES users,
    CHECK (from_month <= to_month)
);
CREATE INDEX loan_moratoria_loan_idx ON loan_moratoria (loan_id);

CREATE TRIGGER savings_reports_append_only BEFORE UPDATE OR DELETE ON savings_reports
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER savings_reports_no_truncate BEFORE TRUNCATE ON savings_reports
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loans_append_only BEFORE UPDATE OR DELETE ON loans
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loans_no_truncate BEFORE TRUNCATE ON loans
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loan_drawdowns_append_only BEFORE UPDATE OR DELETE ON loan_drawdowns
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loan_drawdowns_no_truncate BEFORE TRUNCATE ON loan_drawdowns
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loan_repayments_append_only BEFORE UPDATE OR DELETE ON loan_repayments
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loan_repayments_no_truncate BEFORE TRUNCATE ON loan_repayments
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loan_repayment_parts_append_only BEFORE UPDATE OR DELETE ON loan_repayment_parts
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loan_repayment_parts_no_truncate BEFORE TRUNCATE ON loan_repayment_parts
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loan_moratoria_append_only BEFORE UPDATE OR DELETE ON loan_moratoria
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loan_moratoria_no_truncate BEFORE TRUNCATE ON loan_moratoria
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
-- The schedule's principal and interest are money owed: only due_on may change (a moratorium).
CREATE FUNCTION loan_instalments_keep_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.loan_id <> OLD.loan_id OR NEW.no <> OLD.no OR NEW.principal <> OLD.principal OR NEW.interest <> OLD.interest THEN
        RAISE EXCEPTION 'loan_instalments: only due_on may change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER loan_instalments_figures BEFORE UPDATE ON loan_instalments
    FOR EACH ROW EXECUTE FUNCTION loan_instalments_keep_figures();
CREATE TRIGGER loan_instalments_no_delete BEFORE DELETE ON loan_instalments
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER loan_instalments_no_truncate BEFORE TRUNCATE ON loan_instalments
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
