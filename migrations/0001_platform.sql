-- Platform: geography, users with roles and areas, the audit log, shared data-protection keys.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE provinces (
    code    text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
    name_th text NOT NULL,
    name_en text NOT NULL
);

CREATE TABLE districts (
    code          text PRIMARY KEY CHECK (code ~ '^[0-9]{4}$'),
    province_code text NOT NULL REFERENCES provinces,
    name_th       text NOT NULL,
    name_en       text NOT NULL,
    CHECK (left(code, 2) = province_code)
);
CREATE INDEX districts_province_code_idx ON districts (province_code);

CREATE TABLE subdistricts (
    code          text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
    district_code text NOT NULL REFERENCES districts,
    name_th       text NOT NULL,
    name_en       text NOT NULL,
    postal_code   text CHECK (postal_code ~ '^[0-9]{5}$'),
    CHECK (left(code, 4) = district_code)
);
CREATE INDEX subdistricts_district_code_idx ON subdistricts (district_code);

-- Which version of the shipped reference data (geography CSVs) is loaded, by checksum.
CREATE TABLE reference_data (
    name      text PRIMARY KEY,
    checksum  text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username          text NOT NULL CHECK (username ~ '^[A-Za-z0-9._@-]{3,64}$'),
    password_hash     text NOT NULL,
    role              text NOT NULL CHECK (role IN ('Admin', 'ProvincialStaff', 'Treasurer', 'Viewer')),
    display_name      text,
    province_codes    text[] NOT NULL DEFAULT '{}',
    subdistrict_codes text[] NOT NULL DEFAULT '{}',
    is_active         boolean NOT NULL DEFAULT true,
    failed_sign_ins   integer NOT NULL DEFAULT 0,
    locked_until      timestamptz,
    security_stamp    uuid NOT NULL DEFAULT gen_random_uuid(),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- Refuses UPDATE, DELETE and TRUNCATE on append-only tables (the audit log, the ledgers):
-- history is corrected by new rows, never rewritten, whatever code or SQL session tries.
CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   bigint REFERENCES users,
    actor_name text NOT NULL,
    action     text NOT NULL,
    entity     text NOT NULL,
    entity_id  text,
    before     jsonb,
    after      jsonb
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- ASP.NET Core data-protection keys, shared so every app instance reads every cookie and token.
CREATE TABLE data_protection_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text NOT NULL,
    xml          text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
