-- Each home's progress and pay, kept by the writes (as project_cash since 0006): its top standing stage, the date
-- of its last one, when it was completed, which standing stages have a photo, and what it has been paid. The
-- attention job reads one row per home here instead of aggregating every milestone and payment of the nation
-- (3 million and 2 million rows: 7 of the full run's 8 seconds), and a payment reads its home's pay and stages in
-- one row instead of summing its ledger. A cache, like project_cash: rebuilt from the books it holds the same rows,
-- and the invariants check that it does. Homes with neither a stage nor a payment have none.
-- Stages are recorded in order and only the latest standing one can be withdrawn, so the standing stages are always
-- 1 .. top; photos has bit n - 1 set when stage n has a photo (bits 5 and 6, 96: completed or handed over).
CREATE TABLE home_progress (
    allocation_id bigint PRIMARY KEY REFERENCES allocations,
    top           smallint,
    last_on       date,
    completed_on  date,
    photos        smallint NOT NULL DEFAULT 0,
    paid          numeric(14,2) NOT NULL DEFAULT 0
);

-- The stages of the homes @ids, found again from their standing milestones. First each home's row is locked (made
-- if missing), then the milestones are read: a statement of a PL/pgSQL function reads after the locks its earlier
-- statements waited for, so of two writers to one home the second sees the first's stage. In id order, so two
-- writers of many homes cannot deadlock.
CREATE FUNCTION home_progress_stages(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO home_progress AS h (allocation_id) SELECT DISTINCT unnest(ids) ORDER BY 1
    ON CONFLICT (allocation_id) DO UPDATE SET allocation_id = h.allocation_id;

    UPDATE home_progress h SET top = s.top, last_on = s.last_on, completed_on = s.completed_on, photos = coalesce(s.photos, 0)
    FROM (SELECT x.id, max(m.stage_order) AS top, max(m.reached_on) AS last_on,
                 min(m.reached_on) FILTER (WHERE m.stage_order >= 6) AS completed_on,
                 bit_or(CASE WHEN EXISTS (SELECT FROM milestone_photos ph WHERE ph.milestone_id = m.id) THEN 1 << (m.stage_order - 1) END) AS photos
          FROM (SELECT DISTINCT unnest(ids) AS id) x
          LEFT JOIN milestones m ON m.allocation_id = x.id AND m.withdrawn_at IS NULL
          GROUP BY x.id) s
    WHERE h.allocation_id = s.id;
END $$;

CREATE FUNCTION home_progress_milestones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM home_progress_stages(ARRAY(SELECT allocation_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION home_progress_photos() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM home_progress_stages(ARRAY(SELECT m.allocation_id FROM milestones m WHERE m.id IN (SELECT milestone_id FROM new_rows)));
    RETURN NULL;
END $$;

-- A stage recorded, a stage withdrawn (the only update milestones get), a photo added.
CREATE TRIGGER milestones_progress_insert AFTER INSERT ON milestones REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION home_progress_milestones();
CREATE TRIGGER milestones_progress_update AFTER UPDATE ON milestones REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION home_progress_milestones();
CREATE TRIGGER milestone_photos_progress_insert AFTER INSERT ON milestone_photos REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION home_progress_photos();

-- A payment (or a reversal, negative) adds to what its home was paid: in the payment's one trigger (0018), which
-- already holds the allocation's row lock, so the sum needs no lock of its own and adds no waiting.
CREATE OR REPLACE FUNCTION disbursements_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_cash AS c (project_id, received, paid)
    SELECT project_id, 0, sum(amount) FROM new_rows GROUP BY project_id ORDER BY project_id
    ON CONFLICT (project_id) DO UPDATE SET paid = c.paid + excluded.paid;

    INSERT INTO project_days AS d (project_id, day, net)
    SELECT project_id, paid_on, -sum(amount) FROM new_rows GROUP BY project_id, paid_on ORDER BY project_id, paid_on
    ON CONFLICT (project_id, day) DO UPDATE SET net = d.net + excluded.net;

    INSERT INTO home_progress AS h (allocation_id, paid)
    SELECT allocation_id, sum(amount) FROM new_rows GROUP BY allocation_id ORDER BY allocation_id
    ON CONFLICT (allocation_id) DO UPDATE SET paid = h.paid + excluded.paid;

    INSERT INTO rollup_dirty (code)
    SELECT DISTINCT p.subdistrict_code FROM projects p WHERE p.id IN (SELECT project_id FROM new_rows);

    INSERT INTO attention_dirty (project_id) SELECT DISTINCT project_id FROM new_rows;
    RETURN NULL;
END $$;

-- The homes as the books stand.
INSERT INTO home_progress (allocation_id, top, last_on, completed_on, photos, paid)
SELECT a.id, m.top, m.last_on, m.completed_on, coalesce(m.photos, 0), coalesce(d.paid, 0)
FROM allocations a
LEFT JOIN (SELECT m.allocation_id, max(m.stage_order) AS top, max(m.reached_on) AS last_on,
                  min(m.reached_on) FILTER (WHERE m.stage_order >= 6) AS completed_on,
                  bit_or(CASE WHEN EXISTS (SELECT FROM milestone_photos ph WHERE ph.milestone_id = m.id) THEN 1 << (m.stage_order - 1) END) AS photos
           FROM milestones m WHERE m.withdrawn_at IS NULL GROUP BY m.allocation_id) m ON m.allocation_id = a.id
LEFT JOIN (SELECT allocation_id, sum(amount) AS paid FROM disbursements GROUP BY allocation_id) d ON d.allocation_id = a.id
WHERE EXISTS (SELECT FROM milestones x WHERE x.allocation_id = a.id) OR d.allocation_id IS NOT NULL;
