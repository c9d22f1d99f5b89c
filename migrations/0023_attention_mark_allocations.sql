-- An allocation marks its household's other allocations' projects (0014): funded_again sits on the later of two live
-- allocations, and cancelling either clears it. Written as `household_id IN (SELECT … FROM new_rows)` over every
-- allocation, the planner could not use an index (the only ones on household_id are of live allocations) and scanned
-- all of them: 90 ms for each allocation made, changed or cancelled on the national data, inside the transaction that
-- holds its project's lock, so the project's payments queued behind it (the mixed load's payments p50 went from 36 to
-- over 200 ms). Flags are found on live allocations only, so the live ones are all it needs: one index probe each.
CREATE OR REPLACE FUNCTION attention_mark_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attention_dirty (project_id)
    SELECT DISTINCT x.project_id FROM (
        SELECT n.project_id FROM new_rows n
        UNION ALL
        SELECT o.project_id FROM new_rows n
        CROSS JOIN LATERAL (SELECT a.project_id FROM allocations a WHERE a.household_id = n.household_id AND a.cancelled_at IS NULL) o
    ) x;
    RETURN NULL;
END $$;
