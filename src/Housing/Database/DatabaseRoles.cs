using Dapper;
using Npgsql;

namespace Housing.Database;

/// <summary>
/// The two logins: the owner, which owns the tables and runs the migrations, the geography load and backups; and
/// the app's, which owns nothing and may only read and write rows. It cannot alter, drop, truncate or create a
/// table, nor switch off the triggers that keep the ledgers and the audit log append-only.
/// </summary>
public static class DatabaseRoles
{
    /// <summary>Run by the owner under the migration lock, after every migration and package schema: the app's login
    /// may read and write the rows of every table and use every sequence of the app's schemas (public, and the job
    /// store's once it exists), and will be able to on tables the owner creates later. It may read the migration
    /// ledgers but not write them. It keeps TEMP: the import copies its rows into a temporary table.</summary>
    public static async Task GrantAppAsync(NpgsqlConnection owner, string appRole, CancellationToken ct = default)
    {
        var app = Quote(appRole);
        var database = Quote(await owner.ExecuteScalarAsync<string>("SELECT current_database()") ?? "");
        var schemas = await owner.QueryAsync<string>(
            @"SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' ORDER BY nspname");
        var sql = new List<string>
        {
            $"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app}",
            // PostgreSQL 15 no longer lets everyone create in public; a database first made by an older one still does.
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        };
        foreach (var schema in schemas.Select(Quote))
        {
            sql.Add($"GRANT USAGE ON SCHEMA {schema} TO {app}");
            sql.Add($"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}");
            sql.Add($"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app}");
        }
        foreach (var ledger in new[] { "schema_migrations", "\"VersionInfo\"" })
            if (await owner.ExecuteScalarAsync<bool>("SELECT to_regclass(@ledger) IS NOT NULL", new { ledger }))
                sql.Add($"REVOKE INSERT, UPDATE, DELETE ON {ledger} FROM {app}");
        sql.Add($"ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}");
        sql.Add($"ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT ON SEQUENCES TO {app}");
        sql.Add($"ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO {app}");
        await using var tx = await owner.BeginTransactionAsync(ct);
        foreach (var statement in sql)
            await owner.ExecuteAsync(new CommandDefinition(statement, transaction: tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>Makes <paramref name="role"/> a login with this password, creating it when missing (cluster-wide).
    /// Run by a superuser; the password is hex, so it needs no quoting beyond the literal's.</summary>
    public static async Task EnsureLoginAsync(NpgsqlConnection superuser, string role, string password, CancellationToken ct = default)
    {
        if (password.Any(c => !char.IsAsciiLetterOrDigit(c))) throw new ArgumentException("The generated password must be letters and digits", nameof(password));
        var exists = await superuser.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = @role)", new { role });
        var verb = exists ? "ALTER" : "CREATE";
        try
        {
            await superuser.ExecuteAsync(new CommandDefinition(
                $"{verb} ROLE {Quote(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{password}'", cancellationToken: ct));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateObject)
        {
            // Another start made it between the look-up and the CREATE: set the password on that one.
            await superuser.ExecuteAsync(new CommandDefinition($"ALTER ROLE {Quote(role)} LOGIN PASSWORD '{password}'", cancellationToken: ct));
        }
    }

    /// <summary>
    /// An embedded cluster made by an earlier version has its database and tables owned by the superuser: hand them to
    /// the owner role, so that migrations run as a role that is not a superuser and the grants come from the owner.
    /// Objects of extensions (pg_trgm) stay where they are; sequences and indexes follow their tables. Nothing to do
    /// on a database made by this version. Run by a superuser, connected to the database.
    /// </summary>
    public static async Task TakeOwnershipAsync(NpgsqlConnection superuser, string owner, CancellationToken ct = default)
    {
        var o = Quote(owner);
        var database = Quote(await superuser.ExecuteScalarAsync<string>("SELECT current_database()") ?? "");
        await superuser.ExecuteAsync(new CommandDefinition($"ALTER DATABASE {database} OWNER TO {o}", cancellationToken: ct));
        await superuser.ExecuteAsync(new CommandDefinition($$"""
            DO $$
            DECLARE r record;
            BEGIN
                FOR r IN
                    SELECT c.oid::regclass AS name,
                           CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                          WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
                      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relowner <> {{Literal(owner)}}::regrole
                      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'i', 'a'))
                LOOP
                    EXECUTE format('ALTER %s %s OWNER TO %s', r.kind, r.name, {{Literal(o)}});
                END LOOP;
                FOR r IN
                    SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema' AND p.proowner <> {{Literal(owner)}}::regrole
                      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
                LOOP
                    EXECUTE format('ALTER ROUTINE %s OWNER TO %s', r.name, {{Literal(o)}});
                END LOOP;
                FOR r IN
                    SELECT nspname FROM pg_namespace
                    WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT IN ('information_schema', 'public') AND nspowner <> {{Literal(owner)}}::regrole
                LOOP
                    EXECUTE format('ALTER SCHEMA %I OWNER TO %s', r.nspname, {{Literal(o)}});
                END LOOP;
            END $$
            """, cancellationToken: ct));
    }

    /// <summary>Whether this connection's login could change the schema: a superuser, or the owner of a table.</summary>
    public static Task<bool> CanChangeSchemaAsync(NpgsqlConnection conn) => conn.ExecuteScalarAsync<bool>("""
        SELECT rolsuper OR EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                   WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema')
        FROM pg_roles r WHERE rolname = current_user
        """);

    static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
