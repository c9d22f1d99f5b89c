-- Every instance keeps the session check ("is this stamp still the user's, and is the user active?") in memory, and
-- drops a user's entry when told: a change of stamp or activity (a new role, area, password, or deactivation) or a
-- deleted user notifies every listening instance at commit (Access/SessionCache.cs).
CREATE FUNCTION users_notify_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('housing_users', OLD.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER users_sessions_changed AFTER UPDATE OF security_stamp, is_active ON users
    FOR EACH ROW WHEN (OLD.security_stamp IS DISTINCT FROM NEW.security_stamp OR OLD.is_active IS DISTINCT FROM NEW.is_active)
    EXECUTE FUNCTION users_notify_sessions();
CREATE TRIGGER users_sessions_deleted AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION users_notify_sessions();

-- The audit log's project and allocation look-ups (0009), in PL/pgSQL: as SQL functions with a FROM clause they are
-- not inlined, so each insert into audit_log (one per payment) parsed and planned them anew, three times, for about
-- 0.2 ms of the database's CPU. PL/pgSQL keeps its plans per session. Same results, so the indexes stay valid.
CREATE OR REPLACE FUNCTION audit_project_id(entity text, entity_id text, before jsonb, after jsonb) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    v text := COALESCE(CASE WHEN entity = 'project' THEN entity_id END,
                       after ->> 'projectId', after -> 'after' ->> 'projectId', before ->> 'projectId');
BEGIN
    RETURN CASE WHEN v ~ '^[0-9]{1,18}$' THEN v::bigint END;
END $$;
CREATE OR REPLACE FUNCTION audit_allocation_id(after jsonb) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    v text := after ->> 'allocationId';
BEGIN
    RETURN CASE WHEN v ~ '^[0-9]{1,18}$' THEN v::bigint END;
END $$;
