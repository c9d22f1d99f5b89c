-- Baan Mankong, continued: the stages of a community work with their photos, and the state of each
-- loan kept as repayments and drawdowns are written, so the loan book (arrears by age, principal
-- outstanding) reads only what is unpaid instead of summing every repayment of every loan.

-- A work's stages, in order: surveyed, contracted, started, completed. One row per stage reached.
CREATE TABLE work_stages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_id     bigint NOT NULL REFERENCES works,
    stage       text NOT NULL CHECK (stage IN ('surveyed', 'contracted', 'started', 'completed')),
    stage_order integer NOT NULL CHECK (stage_order BETWEEN 1 AND 4),
    reached_on  date NOT NULL,
    note        text CHECK (length(note) <= 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  bigint REFERENCES users,
    CONSTRAINT work_stages_work_stage_key UNIQUE (work_id, stage)
);

-- Photos live in the database, as the homes' milestone photos do, so a backup holds them.
CREATE TABLE work_photos (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_stage_id bigint NOT NULL REFERENCES work_stages,
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size_bytes    integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 5242880),
    sha256        text NOT NULL,
    content       bytea NOT NULL,
    thumbnail     bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    bigint REFERENCES users,
    CONSTRAINT work_photos_same_key UNIQUE (work_stage_id, sha256)
);

CREATE TRIGGER work_stages_append_only BEFORE UPDATE OR DELETE ON work_stages
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER work_stages_no_truncate BEFORE TRUNCATE ON work_stages
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER work_photos_append_only BEFORE UPDATE OR DELETE ON work_photos
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER work_photos_no_truncate BEFORE TRUNCATE ON work_photos
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- What repayments paid of each instalment, on the instalment itself. Summing loan_repayment_parts per
-- instalment for the whole book (10,000 loans five years in: 600,000 parts) took seconds; with these
-- columns and the partial index below, the book reads only the instalments still unpaid.
ALTER TABLE loan_instalments
    ADD COLUMN paid_interest  numeric(14,2) NOT NULL DEFAULT 0,
    ADD COLUMN paid_principal numeric(14,2) NOT NULL DEFAULT 0,
    ADD CONSTRAINT loan_instalments_paid_check CHECK (paid_interest BETWEEN 0 AND interest AND paid_principal BETWEEN 0 AND principal);

UPDATE loan_instalments i SET paid_interest = p.interest, paid_principal = p.principal
FROM (SELECT loan_id, no, sum(interest) AS interest, sum(principal) AS principal FROM loan_repayment_parts GROUP BY loan_id, no) p
WHERE i.loan_id = p.loan_id AND i.no = p.no;

-- By due day first: the book asks for what is unpaid and due before today, a range of this index that
-- holds only the late instalments, however many are unpaid but not yet due.
CREATE INDEX loan_instalments_unpaid_idx ON loan_instalments (due_on, loan_id)
    WHERE paid_interest + paid_principal < principal + interest;

-- Each loan's drawn and repaid totals.
CREATE TABLE loan_totals (
    loan_id          bigint PRIMARY KEY REFERENCES loans,
    drawn            numeric(16,2) NOT NULL DEFAULT 0,
    repaid           numeric(16,2) NOT NULL DEFAULT 0,
    principal_repaid numeric(16,2) NOT NULL DEFAULT 0
);
INSERT INTO loan_totals (loan_id, drawn, repaid, principal_repaid)
SELECT l.id,
       coalesce((SELECT sum(d.amount) FROM loan_drawdowns d WHERE d.loan_id = l.id), 0),
       coalesce((SELECT sum(p.interest + p.principal) FROM loan_repayment_parts p WHERE p.loan_id = l.id), 0),
       coalesce((SELECT sum(p.principal) FROM loan_repayment_parts p WHERE p.loan_id = l.id), 0)
FROM loans l;

-- Statement-level, in loan order (two bulk writers cannot deadlock), in the writing transaction: the state
-- commits or rolls back with the rows. The writers already hold the loan's row lock.
CREATE FUNCTION loan_state_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'loan_drawdowns' THEN
        INSERT INTO loan_totals AS t (loan_id, drawn)
        SELECT loan_id, sum(amount) FROM new_rows GROUP BY loan_id ORDER BY loan_id
        ON CONFLICT (loan_id) DO UPDATE SET drawn = t.drawn + excluded.drawn;
    ELSE
        UPDATE loan_instalments i SET paid_interest = i.paid_interest + n.interest, paid_principal = i.paid_principal + n.principal
        FROM (SELECT loan_id, no, sum(interest) AS interest, sum(principal) AS principal FROM new_rows GROUP BY loan_id, no) n
        WHERE i.loan_id = n.loan_id AND i.no = n.no;
        INSERT INTO loan_totals AS t (loan_id, repaid, principal_repaid)
        SELECT loan_id, sum(interest + principal), sum(principal) FROM new_rows GROUP BY loan_id ORDER BY loan_id
        ON CONFLICT (loan_id) DO UPDATE SET repaid = t.repaid + excluded.repaid, principal_repaid = t.principal_repaid + excluded.principal_repaid;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER loan_drawdowns_state AFTER INSERT ON loan_drawdowns REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION loan_state_add();
CREATE TRIGGER loan_repayment_parts_state AFTER INSERT ON loan_repayment_parts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION loan_state_add();

-- Only those triggers write the state: loan_totals refuses direct writes as project_cash does, and the
-- instalments' paid columns change only from inside a trigger (depth 2: the state trigger's UPDATE).
CREATE TRIGGER loan_totals_kept BEFORE INSERT OR UPDATE OR DELETE ON loan_totals
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION refuse_direct_change();
CREATE TRIGGER loan_totals_no_truncate BEFORE TRUNCATE ON loan_totals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_direct_change();
CREATE OR REPLACE FUNCTION loan_instalments_keep_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.loan_id <> OLD.loan_id OR NEW.no <> OLD.no OR NEW.principal <> OLD.principal OR NEW.interest <> OLD.interest THEN
        RAISE EXCEPTION 'loan_instalments: only due_on may change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.paid_interest <> OLD.paid_interest OR NEW.paid_principal <> OLD.paid_principal) AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'loan_instalments: what was paid is kept by the repayments'' trigger' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
