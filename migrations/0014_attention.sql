-- What needs attention: flags found from the books (milestones, ledgers, allocations), kept as a cache.
-- attention_flags is never the truth: the job deletes a project's flags and computes them again from the books,
-- so a rebuilt table holds the same flags. Date-driven kinds (stalled, cash_idle, fiscal_year_end) also change
-- as days pass: the nightly full run recomputes every project.
CREATE TABLE attention_flags (
    kind             text NOT NULL CHECK (kind IN ('stalled', 'cash_idle', 'no_photo', 'fiscal_year_end', 'funded_again')),
    project_id       bigint NOT NULL,
    allocation_id    bigint,
    subdistrict_code text NOT NULL,
    province_code    text NOT NULL,
    fiscal_year      integer NOT NULL,
    program          text NOT NULL,
    since            date NOT NULL,
    -- What the flag's sentence is made from, in the reader's language at read time: the home's stage (stalled,
    -- no_photo), an amount (cash on hand, or what is unpaid), how many homes are unpaid, the earlier allocation.
    stage            text,
    amount           numeric(16,2),
    homes            integer,
    other_allocation_id bigint
);
-- Two indexes only: a full run rewrites every row. By project for the incremental run, by province for the reads.
CREATE INDEX attention_flags_project_idx ON attention_flags (project_id);
CREATE INDEX attention_flags_province_idx ON attention_flags (province_code, since);

-- Each project's count of flags, kept with them in the same transaction: the rollups carry the count per area,
-- and summing some thousand projects' counts is cheap where counting half a million flags at every read is not.
CREATE TABLE attention_counts (
    project_id       bigint PRIMARY KEY,
    subdistrict_code text NOT NULL,
    province_code    text NOT NULL,
    fiscal_year      integer NOT NULL,
    program          text NOT NULL,
    flags            integer NOT NULL
);
CREATE INDEX attention_counts_area_idx ON attention_counts (fiscal_year, province_code);

-- Projects whose flags may have changed: rows the writes only append (as rollup_dirty since 0005), so no
-- payment waits on another's mark; the refresh deletes the rows it can see, those of committed writes.
CREATE TABLE attention_dirty (
    project_id bigint NOT NULL,
    marked_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Marking is data infrastructure, as for the rollups: triggers, so no service writing the books can forget it.
-- PL/pgSQL, so the plans are kept for the session. Statement-level: a bulk insert marks each project once.
CREATE FUNCTION attention_mark_by_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attention_dirty (project_id) SELECT DISTINCT project_id FROM new_rows;
    RETURN NULL;
END $$;

-- An allocation also marks the projects of its household's other allocations: funded_again sits on the later
-- one, and cancelling either clears it.
CREATE FUNCTION attention_mark_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attention_dirty (project_id)
    SELECT project_id FROM new_rows
    UNION SELECT a.project_id FROM allocations a WHERE a.household_id IN (SELECT household_id FROM new_rows);
    RETURN NULL;
END $$;

CREATE FUNCTION attention_mark_milestones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attention_dirty (project_id)
    SELECT DISTINCT a.project_id FROM allocations a WHERE a.id IN (SELECT allocation_id FROM new_rows);
    RETURN NULL;
END $$;

CREATE FUNCTION attention_mark_photos() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attention_dirty (project_id)
    SELECT DISTINCT a.project_id FROM milestones m JOIN allocations a ON a.id = m.allocation_id
    WHERE m.id IN (SELECT milestone_id FROM new_rows);
    RETURN NULL;
END $$;

CREATE FUNCTION attention_mark_projects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attention_dirty (project_id) SELECT id FROM new_rows;
    RETURN NULL;
END $$;

CREATE TRIGGER allocations_attention_insert AFTER INSERT ON allocations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_allocations();
CREATE TRIGGER allocations_attention_update AFTER UPDATE ON allocations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_allocations();
CREATE TRIGGER disbursements_attention_insert AFTER INSERT ON disbursements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_by_project();
CREATE TRIGGER work_payments_attention_insert AFTER INSERT ON work_payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_by_project();
CREATE TRIGGER transfers_attention_insert AFTER INSERT ON transfers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_by_project();
CREATE TRIGGER milestones_attention_insert AFTER INSERT ON milestones REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_milestones();
CREATE TRIGGER milestones_attention_update AFTER UPDATE ON milestones REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_milestones();
CREATE TRIGGER milestone_photos_attention_insert AFTER INSERT ON milestone_photos REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_photos();
CREATE TRIGGER projects_attention_update AFTER UPDATE ON projects REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION attention_mark_projects();

-- Flags of the books as they stand now: every project once.
INSERT INTO attention_dirty (project_id) SELECT id FROM projects;
