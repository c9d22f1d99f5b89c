#!/bin/sh
# Makes the app's own database login, housing_app: it owns nothing and is granted only row access (SELECT, INSERT,
# UPDATE, DELETE) by the app's owner login at every start, after the migrations. PostgreSQL's image runs this once,
# when it creates the database; for a database made before, run it by hand (README, "Docker compose"):
#   docker compose exec db sh /docker-entrypoint-initdb.d/10-app-login.sh
# Running it again only sets the password again.
set -eu
: "${HOUSING_APP_PASSWORD:?set HOUSING_APP_PASSWORD (the .env file beside docker-compose.yml)}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v app_password="$HOUSING_APP_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE housing_app LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'housing_app') \gexec
SELECT format('ALTER ROLE housing_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'app_password') \gexec
SQL
