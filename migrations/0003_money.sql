-- Money and progress: transfers in from CODI, disbursements out (append-only ledgers),
-- construction milestones with their photos.

CREATE TABLE transfers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects,
    amount      numeric(14,2) NOT NULL CHECK (amount > 0),
    received_on date NOT NULL,
    reference   text NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  bigint REFERENCES users
);
CREATE INDEX transfers_project_idx ON transfers (project_id, received_on);

-- A payment is a positive row; its correction a negative row pointing at it (reverses_id),
-- at most one per payment. project_id repeats the allocation's for the cash check and the cash book.
CREATE TABLE disbursements (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    allocation_id   bigint NOT NULL REFERENCES allocations,
    project_id      bigint NOT NULL REFERENCES projects,
    amount          numeric(14,2) NOT NULL CHECK (amount <> 0),
    paid_on         date NOT NULL,
    payee           text NOT NULL CHECK (length(btrim(payee)) BETWEEN 1 AND 200),
    payee_type      text NOT NULL DEFAULT 'household' CHECK (payee_type IN ('household', 'supplier')),
    method          text NOT NULL DEFAULT 'transfer' CHECK (method IN ('transfer', 'cash', 'cheque')),
    receipt_no      text CHECK (length(receipt_no) <= 100),
    note            text CHECK (length(note) <= 1000),
    reverses_id     bigint REFERENCES disbursements,
    reason          text CHECK (length(reason) <= 1000),
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      bigint REFERENCES users,
    CHECK ((reverses_id IS NULL AND amount > 0 AND reason IS NULL)
        OR (reverses_id IS NOT NULL AND amount < 0 AND length(btrim(reason)) > 0)),
    CONSTRAINT disbursements_reverses_key UNIQUE (reverses_id),
    CONSTRAINT disbursements_idempotency_key UNIQUE (project_id, idempotency_key)
);
CREATE INDEX disbursements_allocation_idx ON disbursements (allocation_id);
CREATE INDEX disbursements_project_idx ON disbursements (project_id, paid_on);

CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER disbursements_append_only BEFORE UPDATE OR DELETE ON disbursements
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER disbursements_no_truncate BEFORE TRUNCATE ON disbursements
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- Stages in order: surveyed 1, approved 2, materials_bought 3, construction_started 4,
-- structure_done 5, completed 6, handed_over 7.
CREATE TABLE milestones (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    allocation_id bigint NOT NULL REFERENCES allocations,
    stage         text NOT NULL CHECK (stage IN ('surveyed', 'approved', 'materials_bought',
                      'construction_started', 'structure_done', 'completed', 'handed_over')),
    stage_order   smallint NOT NULL CHECK (stage_order BETWEEN 1 AND 7),
    reached_on    date NOT NULL,
    note          text CHECK (length(note) <= 1000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    bigint REFERENCES users,
    CONSTRAINT milestones_allocation_stage_key UNIQUE (allocation_id, stage)
);
CREATE INDEX milestones_allocation_idx ON milestones (allocation_id, stage_order);

-- Photos live in the database so a backup holds them.
CREATE TABLE milestone_photos (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    milestone_id bigint NOT NULL REFERENCES milestones,
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size_bytes   integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 5242880),
    sha256       text NOT NULL,
    content      bytea NOT NULL,
    thumbnail    bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   bigint REFERENCES users
);
CREATE INDEX milestone_photos_milestone_idx ON milestone_photos (milestone_id);
