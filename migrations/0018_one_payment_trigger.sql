-- A payment's insert fired four statement triggers on disbursements, each a PL/pgSQL call of its own over the same
-- transition table: the project's cash (0006), its day in the cash book (0013), the rollups' mark (0005) and the
-- attention mark (0014). One function now does the four, in the same order and with the same statements, so a
-- payment pays for one trigger call. The other tables keep their triggers: their writes are rare.
CREATE FUNCTION disbursements_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_cash AS c (project_id, received, paid)
    SELECT project_id, 0, sum(amount) FROM new_rows GROUP BY project_id ORDER BY project_id
    ON CONFLICT (project_id) DO UPDATE SET paid = c.paid + excluded.paid;

    INSERT INTO project_days AS d (project_id, day, net)
    SELECT project_id, paid_on, -sum(amount) FROM new_rows GROUP BY project_id, paid_on ORDER BY project_id, paid_on
    ON CONFLICT (project_id, day) DO UPDATE SET net = d.net + excluded.net;

    INSERT INTO rollup_dirty (code)
    SELECT DISTINCT p.subdistrict_code FROM projects p WHERE p.id IN (SELECT project_id FROM new_rows);

    INSERT INTO attention_dirty (project_id) SELECT DISTINCT project_id FROM new_rows;
    RETURN NULL;
END $$;

DROP TRIGGER disbursements_attention_insert ON disbursements;
DROP TRIGGER disbursements_days ON disbursements;
DROP TRIGGER disbursements_rollup_insert ON disbursements;
DROP TRIGGER disbursements_cash ON disbursements;

CREATE TRIGGER disbursements_after_insert AFTER INSERT ON disbursements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION disbursements_after_insert();
