-- Allocation: budgets per program/year/province, projects under them, the household register,
-- and the budget per home.

CREATE TABLE budgets (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program           text NOT NULL CHECK (program IN ('BPP', 'BMK')),
    fiscal_year       integer NOT NULL CHECK (fiscal_year BETWEEN 2540 AND 2700),
    province_code     text NOT NULL REFERENCES provinces,
    target_households integer NOT NULL CHECK (target_households > 0),
    amount            numeric(14,2) NOT NULL CHECK (amount > 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        bigint REFERENCES users,
    CONSTRAINT budgets_program_year_province_key UNIQUE (program, fiscal_year, province_code)
);
CREATE INDEX budgets_province_idx ON budgets (province_code, fiscal_year);

-- A subdistrict council's share (BPP) or a community project in a city (BMK).
CREATE TABLE projects (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    budget_id         bigint NOT NULL REFERENCES budgets,
    subdistrict_code  text NOT NULL REFERENCES subdistricts,
    name              text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    community_name    text CHECK (length(community_name) <= 200),
    target_households integer NOT NULL CHECK (target_households > 0),
    amount            numeric(14,2) NOT NULL CHECK (amount > 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        bigint REFERENCES users
);
CREATE INDEX projects_budget_idx ON projects (budget_id);
CREATE INDEX projects_subdistrict_idx ON projects (subdistrict_code);

CREATE TABLE households (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    citizen_id       text NOT NULL CHECK (citizen_id ~ '^[0-9]{13}$'),
    head_name        text NOT NULL CHECK (length(btrim(head_name)) BETWEEN 1 AND 200),
    house_no         text NOT NULL CHECK (length(btrim(house_no)) BETWEEN 1 AND 30),
    village_no       integer CHECK (village_no BETWEEN 1 AND 99),
    subdistrict_code text NOT NULL REFERENCES subdistricts,
    members          integer NOT NULL CHECK (members BETWEEN 1 AND 99),
    monthly_income   numeric(14,2) NOT NULL CHECK (monthly_income >= 0),
    vulnerabilities  text[] NOT NULL DEFAULT '{}'
        CHECK (vulnerabilities <@ ARRAY['elderly', 'disabled', 'bedridden', 'young_children']),
    housing_problem  text CHECK (length(housing_problem) <= 1000),
    land_tenure      text CHECK (land_tenure IN ('owned', 'rented', 'permitted', 'public_land', 'encroached', 'other')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       bigint REFERENCES users,
    -- One record per person: a home is never registered (and funded) twice.
    CONSTRAINT households_citizen_id_key UNIQUE (citizen_id)
);
CREATE INDEX households_subdistrict_idx ON households (subdistrict_code, id);
CREATE INDEX households_head_name_trgm_idx ON households USING gin (head_name gin_trgm_ops);

-- The budget per home. program and fiscal_year repeat the budget's so the database can keep
-- "one allocation per household per program and year" itself.
CREATE TABLE allocations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects,
    household_id  bigint NOT NULL REFERENCES households,
    program       text NOT NULL CHECK (program IN ('BPP', 'BMK')),
    fiscal_year   integer NOT NULL,
    amount        numeric(14,2) NOT NULL CHECK (amount > 0),
    work_type     text NOT NULL CHECK (work_type IN ('repair', 'rebuild', 'new_build', 'infrastructure', 'land')),
    cancelled_at  timestamptz,
    cancel_reason text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    bigint REFERENCES users,
    CHECK ((cancelled_at IS NULL) = (cancel_reason IS NULL))
);
CREATE UNIQUE INDEX allocations_household_program_year_key ON allocations (household_id, program, fiscal_year)
    WHERE cancelled_at IS NULL;
CREATE INDEX allocations_project_idx ON allocations (project_id);
