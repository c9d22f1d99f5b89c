-- Money on evidence: a stage saved by mistake is withdrawn (never deleted) with a reason, and a payment may carry the
-- photo of its receipt.

-- A withdrawn stage stays in the table for the record but stops counting: every reader of progress (gates, tranches,
-- rollups, the next stage's order check) filters on withdrawn_at IS NULL. The same stage may then be recorded again,
-- so the one-row-per-stage rule holds among the standing rows only. The UPDATE fires 0004's milestones_rollup_update,
-- so the rollups are marked dirty and recount.
ALTER TABLE milestones
    ADD COLUMN withdrawn_at    timestamptz,
    ADD COLUMN withdraw_reason text CHECK (length(btrim(withdraw_reason)) BETWEEN 1 AND 1000),
    ADD COLUMN withdrawn_by    bigint REFERENCES users,
    ADD CONSTRAINT milestones_withdraw_check CHECK ((withdrawn_at IS NULL) = (withdraw_reason IS NULL));
ALTER TABLE milestones DROP CONSTRAINT milestones_allocation_stage_key;
CREATE UNIQUE INDEX milestones_allocation_stage_standing_key ON milestones (allocation_id, stage) WHERE withdrawn_at IS NULL;

-- Receipts live beside the payments (the disbursements ledger is append-only) and in the database, as the milestones'
-- photos do, so a backup holds the evidence.
CREATE TABLE disbursement_receipts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    disbursement_id bigint NOT NULL REFERENCES disbursements,
    content_type    text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size_bytes      integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 5242880),
    sha256          text NOT NULL,
    content         bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      bigint REFERENCES users
);
CREATE INDEX disbursement_receipts_disbursement_idx ON disbursement_receipts (disbursement_id);
