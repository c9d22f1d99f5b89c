-- The full recomputes rewrite every row of the rollups and the attention counts. Until autovacuum's analyze (a minute
-- later, or never for a table analyzed while empty) the planner kept their old statistics, expected a handful of rows
-- and nested loops: the project level's rollups took 7–9 s instead of 50 ms. Only the owner may ANALYZE (until
-- PostgreSQL 17's MAINTAIN), so the app's login calls this, which runs as the owner and analyzes those two alone.
CREATE FUNCTION analyze_derived(target text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF target NOT IN ('rollups', 'attention_counts') THEN
        RAISE EXCEPTION 'analyze_derived: % is not a table a recompute rewrites', target USING ERRCODE = '22023';
    END IF;
    EXECUTE format('ANALYZE %I', target);
END $$;
