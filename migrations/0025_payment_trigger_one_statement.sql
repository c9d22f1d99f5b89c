-- A payment's statement trigger (0018, 0019) ran its five writes as five statements: the project's cash, its day in the
-- cash book, the home's progress, and the rollups' and the flags' marks. Each statement costs its own start and end in
-- PL/pgSQL, about a third of the trigger (pgbench, one client on the national data: an insert of a payment 0.53 ms,
-- 0.48 ms as one statement). The same five writes with the same statements, now the parts of one statement: they write
-- five different tables, and each row they lock belongs to the payment's project, whose row every payment locks first,
-- so the order in which PostgreSQL runs the parts changes nothing.
CREATE OR REPLACE FUNCTION disbursements_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH cash AS (
        INSERT INTO project_cash AS c (project_id, received, paid)
        SELECT project_id, 0, sum(amount) FROM new_rows GROUP BY project_id ORDER BY project_id
        ON CONFLICT (project_id) DO UPDATE SET paid = c.paid + excluded.paid
    ), days AS (
        INSERT INTO project_days AS d (project_id, day, net)
        SELECT project_id, paid_on, -sum(amount) FROM new_rows GROUP BY project_id, paid_on ORDER BY project_id, paid_on
        ON CONFLICT (project_id, day) DO UPDATE SET net = d.net + excluded.net
    ), progress AS (
        INSERT INTO home_progress AS h (allocation_id, paid)
        SELECT allocation_id, sum(amount) FROM new_rows GROUP BY allocation_id ORDER BY allocation_id
        ON CONFLICT (allocation_id) DO UPDATE SET paid = h.paid + excluded.paid
    ), rollups AS (
        INSERT INTO rollup_dirty (code)
        SELECT DISTINCT p.subdistrict_code FROM projects p WHERE p.id IN (SELECT project_id FROM new_rows)
    )
    INSERT INTO attention_dirty (project_id) SELECT DISTINCT project_id FROM new_rows;
    RETURN NULL;
END $$;
