-- People: when each user last signed in (the users page shows it).
ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz;

-- The only query made on every authenticated request (is this session's stamp still the user's, and is the user
-- active?) reads the primary key; the index below lets it be answered from the index alone.
CREATE UNIQUE INDEX users_session_idx ON users (id) INCLUDE (security_stamp, is_active);

-- The audit log filtered by project: the project an entry concerns, read from what the entry recorded
-- (projectId of the row written, of the row before, or of a change's "after", or the project itself).
-- Milestones name only their allocation, so they are found through the allocation.
CREATE FUNCTION audit_project_id(entity text, entity_id text, before jsonb, after jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v ~ '^[0-9]{1,18}$' THEN v::bigint END
    FROM (SELECT COALESCE(CASE WHEN entity = 'project' THEN entity_id END,
                          after ->> 'projectId', after -> 'after' ->> 'projectId', before ->> 'projectId')) AS x(v)
$$;
CREATE FUNCTION audit_allocation_id(after jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v ~ '^[0-9]{1,18}$' THEN v::bigint END FROM (SELECT after ->> 'allocationId') AS x(v)
$$;
CREATE INDEX audit_log_project_idx ON audit_log (audit_project_id(entity, entity_id, before, after), id)
    WHERE audit_project_id(entity, entity_id, before, after) IS NOT NULL;
CREATE INDEX audit_log_milestone_allocation_idx ON audit_log (audit_allocation_id(after), id) WHERE entity = 'milestone';
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
