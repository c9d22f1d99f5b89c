-- What each project has received from CODI and paid out, kept by the database as its two ledgers grow.
-- A payment checks the project's cash on hand; summing the project's whole ledger for that made every
-- payment slower than the one before (a project of 500 payments spent most of a payment's database time
-- there). Now it reads one row.
-- The ledgers are append-only (UPDATE, DELETE and TRUNCATE are refused), so inserts are the only changes
-- to follow. The triggers run in the writing transaction, so the totals commit or roll back with the rows.
-- A payment already holds its project's row lock, so updating the project's totals adds no waiting.
CREATE TABLE project_cash (
    project_id bigint PRIMARY KEY REFERENCES projects,
    received   numeric(16,2) NOT NULL DEFAULT 0,
    paid       numeric(16,2) NOT NULL DEFAULT 0
);

INSERT INTO project_cash (project_id, received, paid)
SELECT p.id,
       coalesce((SELECT sum(t.amount) FROM transfers t WHERE t.project_id = p.id), 0),
       coalesce((SELECT sum(d.amount) FROM disbursements d WHERE d.project_id = p.id), 0)
FROM projects p
WHERE EXISTS (SELECT FROM transfers t WHERE t.project_id = p.id)
   OR EXISTS (SELECT FROM disbursements d WHERE d.project_id = p.id);

-- Statement-level, so a bulk insert updates each project once; in project order, so two bulk inserts
-- cannot deadlock on each other's projects. One function for both ledgers: a transfer adds to what was
-- received, a payment (or a reversal, negative) to what was paid.
CREATE FUNCTION project_cash_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_cash AS c (project_id, received, paid)
    SELECT project_id,
           CASE WHEN TG_TABLE_NAME = 'transfers' THEN sum(amount) ELSE 0 END,
           CASE WHEN TG_TABLE_NAME = 'transfers' THEN 0 ELSE sum(amount) END
    FROM new_rows GROUP BY project_id ORDER BY project_id
    ON CONFLICT (project_id) DO UPDATE SET received = c.received + excluded.received, paid = c.paid + excluded.paid;
    RETURN NULL;
END $$;

CREATE TRIGGER transfers_cash AFTER INSERT ON transfers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION project_cash_add();
CREATE TRIGGER disbursements_cash AFTER INSERT ON disbursements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION project_cash_add();

-- Only those triggers write the totals: a direct INSERT, UPDATE, DELETE or TRUNCATE is refused, as on the
-- ledgers themselves, so no SQL session can make the cash check read a wrong figure.
CREATE FUNCTION refuse_direct_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is kept by the ledgers'' triggers: a direct % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER project_cash_kept BEFORE INSERT OR UPDATE OR DELETE ON project_cash
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION refuse_direct_change();
CREATE TRIGGER project_cash_no_truncate BEFORE TRUNCATE ON project_cash
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_direct_change();
