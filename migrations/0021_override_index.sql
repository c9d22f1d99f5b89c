-- The homes funded again (an override of the one-home rule, 0013) that attention's funded_again flag lists: a few rows,
-- found by this partial index instead of counting every household's allocations (0.4 s nationally).
CREATE INDEX allocations_override_idx ON allocations (project_id) WHERE override_reason IS NOT NULL AND cancelled_at IS NULL;
