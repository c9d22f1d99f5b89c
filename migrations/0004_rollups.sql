-- Spend versus target: stored rollups per fiscal year, program and level, the subdistricts whose
-- figures changed since the last refresh, and a record of every job run.

-- One row per (year, program, level, code). Codes: 'TH' (national), 2-digit province, 4-digit district,
-- 6-digit subdistrict, a project's id. parent_code is the next level up ('TH' for provinces, none for
-- national); province_code (none for national) is what area rules filter by.
CREATE TABLE rollups (
    fiscal_year          integer NOT NULL,
    program              text NOT NULL,
    level                text NOT NULL CHECK (level IN ('national', 'province', 'district', 'subdistrict', 'project')),
    code                 text NOT NULL,
    parent_code          text,
    province_code        text,
    name_th              text NOT NULL,
    name_en              text NOT NULL,
    target_households    integer NOT NULL,
    budget               numeric(16,2) NOT NULL,
    allocated_households integer NOT NULL,
    allocated            numeric(16,2) NOT NULL,
    disbursed            numeric(16,2) NOT NULL,
    completed_households integer NOT NULL,
    as_of                timestamptz NOT NULL,
    PRIMARY KEY (fiscal_year, program, level, code)
);
CREATE INDEX rollups_parent_idx ON rollups (level, parent_code);

-- Codes (6-digit subdistrict, or 2-digit province for a budget) whose rollups are stale.
CREATE TABLE rollup_dirty (
    code      text PRIMARY KEY,
    marked_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Dirty marking is data infrastructure, not a business rule: done by triggers so that no service
-- writing budgets, projects, allocations, disbursements or milestones can forget it. Statement-level
-- with transition tables, so a bulk insert marks each subdistrict once.
-- ON CONFLICT DO UPDATE (not DO NOTHING) so the mark is locked by the writing transaction until it
-- commits: the refresh skips locked marks (SKIP LOCKED) and so never consumes a mark whose data it
-- cannot see yet.
CREATE FUNCTION rollup_mark(codes text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO rollup_dirty (code)
    SELECT DISTINCT c FROM unnest(codes) c WHERE c IS NOT NULL ORDER BY c
    ON CONFLICT (code) DO UPDATE SET marked_at = excluded.marked_at
$$;

CREATE FUNCTION rollup_mark_budgets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_mark(ARRAY(SELECT province_code FROM new_rows
        UNION SELECT p.subdistrict_code FROM projects p JOIN new_rows n ON n.id = p.budget_id));
    RETURN NULL;
END $$;

CREATE FUNCTION rollup_mark_projects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM rollup_mark(ARRAY(SELECT subdistrict_code FROM new_rows UNION SELECT subdistrict_code FROM old_rows));
    ELSE
        PERFORM rollup_mark(ARRAY(SELECT subdistrict_code FROM new_rows));
    END IF;
    RETURN NULL;
END $$;

-- allocations and disbursements both carry project_id.
CREATE FUNCTION rollup_mark_by_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_mark(ARRAY(SELECT p.subdistrict_code FROM projects p WHERE p.id IN (SELECT project_id FROM new_rows)));
    RETURN NULL;
END $$;

CREATE FUNCTION rollup_mark_milestones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_mark(ARRAY(SELECT p.subdistrict_code FROM projects p JOIN allocations a ON a.project_id = p.id
        WHERE a.id IN (SELECT allocation_id FROM new_rows)));
    RETURN NULL;
END $$;

CREATE TRIGGER budgets_rollup_insert AFTER INSERT ON budgets REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_budgets();
CREATE TRIGGER budgets_rollup_update AFTER UPDATE ON budgets REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_budgets();
CREATE TRIGGER projects_rollup_insert AFTER INSERT ON projects REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_projects();
CREATE TRIGGER projects_rollup_update AFTER UPDATE ON projects REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_projects();
CREATE TRIGGER allocations_rollup_insert AFTER INSERT ON allocations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_by_project();
CREATE TRIGGER allocations_rollup_update AFTER UPDATE ON allocations REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_by_project();
CREATE TRIGGER disbursements_rollup_insert AFTER INSERT ON disbursements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_by_project();
CREATE TRIGGER milestones_rollup_insert AFTER INSERT ON milestones REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_milestones();
CREATE TRIGGER milestones_rollup_update AFTER UPDATE ON milestones REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_milestones();


-- Every run of a scheduled or requested job (Quartz keeps the schedule; this keeps what happened).
CREATE TABLE job_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job           text NOT NULL,
    trigger       text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    requested_by  bigint REFERENCES users,
    instance      text,
    scheduled_for timestamptz,
    queued_at     timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    status        text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    error         text,
    rows_touched  integer
);
CREATE INDEX job_runs_job_idx ON job_runs (job, id DESC);
