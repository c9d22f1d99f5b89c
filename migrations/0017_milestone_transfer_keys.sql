-- Idempotency keys for milestones and transfers, as payments have had since 0003: a phone's outbox sends an entry
-- again when it never saw the answer, and the same key must find the first row instead of writing a second.
-- request_hash is the SHA-256 of the normalised request, so the same key with other figures is told apart (409).
ALTER TABLE milestones
    ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    ADD COLUMN request_hash    text,
    ADD CONSTRAINT milestones_idempotency_key UNIQUE (allocation_id, idempotency_key);

ALTER TABLE transfers
    ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    ADD COLUMN request_hash    text,
    ADD CONSTRAINT transfers_idempotency_key UNIQUE (project_id, idempotency_key);
