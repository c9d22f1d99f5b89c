-- Dirty marks become a queue that writes only append to. Before, each write upserted one row per
-- subdistrict and held its lock until commit, so every payment in a subdistrict waited for the one
-- before it to commit (fsync included): concurrent treasurers queued behind each other.
-- Now a write inserts a new row, which locks nothing anyone else needs. The refresh deletes the rows
-- it can see: those of committed writes, whose data it can see too. A write still uncommitted is
-- invisible to it, so its mark stays for the next refresh.
ALTER TABLE rollup_dirty DROP CONSTRAINT rollup_dirty_pkey;

-- PL/pgSQL, not SQL: a PL/pgSQL function keeps its plan for the session, a SQL function is parsed
-- and planned again at every call (every payment).
CREATE OR REPLACE FUNCTION rollup_mark(codes text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_dirty (code) SELECT DISTINCT c FROM unnest(codes) c WHERE c IS NOT NULL;
END $$;

-- Payments and allocations mark their projects' subdistricts in one statement, not a query and a call.
CREATE OR REPLACE FUNCTION rollup_mark_by_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_dirty (code)
    SELECT DISTINCT p.subdistrict_code FROM projects p WHERE p.id IN (SELECT project_id FROM new_rows);
    RETURN NULL;
END $$;
