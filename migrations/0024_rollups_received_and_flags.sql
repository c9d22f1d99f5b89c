-- The rollups keep the two figures their readers were summing live at every read: money received from CODI (from
-- project_cash) and the count of flags (from attention_counts). Each GET /rollups, rollup page and workbook sheet
-- aggregated both over the year's projects (7,436 nationally): 15-76 ms a read, and under the mixed load the largest
-- cost in the database (128 s of statement time in 60 s on 2 cores, more than every other statement together).
-- The refresh now sums them up the levels with the other figures, so a read is an index scan of the rows it returns.
ALTER TABLE rollups
    ADD COLUMN received numeric(16,2) NOT NULL DEFAULT 0,
    ADD COLUMN attention_flags integer NOT NULL DEFAULT 0;

-- What is kept must be marked when it changes, as payments and allocations mark their subdistricts (0005): money
-- received (a transfer, its reversal, a refund) and a community work's payment (disbursed counts works' payments
-- since 0011, which so far waited for another write in the subdistrict or the nightly recompute). The attention
-- refresh marks the subdistricts whose count of flags changed (AttentionRefresh).
CREATE TRIGGER transfers_rollup_insert AFTER INSERT ON transfers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_by_project();
CREATE TRIGGER work_payments_rollup_insert AFTER INSERT ON work_payments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_mark_by_project();

-- The rows already there get the figures their readers saw, by the same grouping the reads used.
WITH pc AS (
    SELECT b.fiscal_year, b.program, p.id, p.subdistrict_code, b.province_code,
           coalesce(c.received, 0) AS received, coalesce(f.flags, 0) AS flags
    FROM projects p
    JOIN budgets b ON b.id = p.budget_id
    LEFT JOIN project_cash c ON c.project_id = p.id
    LEFT JOIN attention_counts f ON f.project_id = p.id
), levels AS (
    SELECT fiscal_year, program, 'project' AS level, id::text AS code, received, flags FROM pc
    UNION ALL
    SELECT fiscal_year, program, 'subdistrict', subdistrict_code, sum(received), sum(flags) FROM pc GROUP BY 1, 2, 4
    UNION ALL
    SELECT fiscal_year, program, 'district', left(subdistrict_code, 4), sum(received), sum(flags) FROM pc GROUP BY 1, 2, 4
    UNION ALL
    SELECT fiscal_year, program, 'province', province_code, sum(received), sum(flags) FROM pc GROUP BY 1, 2, 4
    UNION ALL
    SELECT fiscal_year, program, 'national', 'TH', sum(received), sum(flags) FROM pc GROUP BY 1, 2
)
UPDATE rollups r SET received = l.received, attention_flags = l.flags
FROM levels l
WHERE r.fiscal_year = l.fiscal_year AND r.program = l.program AND r.level = l.level AND r.code = l.code;
