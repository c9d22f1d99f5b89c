using Dapper;
using Npgsql;

namespace Housing.Access;

/// <summary>Action: one action, or every action of a kind with "kind.*" (e.g. "disbursement.*").</summary>
public sealed record AuditQuery(string? Actor = null, string? Entity = null, string? EntityId = null, string? Action = null,
    DateOnly? From = null, DateOnly? To = null, int Page = 1, int PageSize = 50, long? Project = null);

/// <summary>What the audit page's filters offer: the people who can appear, and the projects of a chosen province.</summary>
public sealed record AuditChoices(IReadOnlyList<AuditActor> Actors, IReadOnlyList<AuditProvince> Provinces, IReadOnlyList<AuditProject> Projects);
public sealed record AuditActor(string Username, string? DisplayName);
public sealed record AuditProvince(string Code, string NameTh, string NameEn);
public sealed record AuditProject(long Id, string Name, int FiscalYear, string Program, string SubdistrictNameTh, string SubdistrictNameEn);

public sealed record AuditEntry(long Id, DateTime At, long? ActorId, string ActorName, string Action, string Entity, string? EntityId, string? Before, string? After);

/// <summary>Reading the audit log: administrators only.</summary>
public sealed class AuditService(NpgsqlDataSource db)
{
    public async Task<Paged<AuditEntry>> SearchAsync(Caller caller, AuditQuery q, CancellationToken ct = default)
    {
        caller.EnsureAdmin();
        var v = new Validator();
        v.Check(q.Page >= 1, "page", "หน้าต้องเป็น 1 ขึ้นไป", "The page must be 1 or more.");
        v.Check(q.PageSize is >= 1 and <= 500, "pageSize", "จำนวนต่อหน้าต้องอยู่ระหว่าง 1 ถึง 500", "The page size must be between 1 and 500.");
        v.Check(q.From is null || q.To is null || q.From <= q.To, "to", "วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่ม", "The end date must not be before the start date.");
        v.ThrowIfInvalid();
        // Dates are Bangkok days: [from 00:00, to+1 00:00) in Bangkok.
        DateTime? Utc(DateOnly? d) => d is DateOnly day ? TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), Thai.Bangkok) : null;
        var from = Utc(q.From);
        var to = Utc(q.To?.AddDays(1));
        const string where = """
            WHERE (@actor::text IS NULL OR lower(actor_name) = lower(@actor))
              AND (@entity::text IS NULL OR entity = @entity)
              AND (@entityId::text IS NULL OR entity_id = @entityId)
              AND (@action::text IS NULL OR action = @action OR (right(@action, 2) = '.*' AND starts_with(action, left(@action, -1))))
              AND (@from::timestamptz IS NULL OR at >= @from)
              AND (@to::timestamptz IS NULL OR at < @to)
              AND (@project::bigint IS NULL OR audit_project_id(entity, entity_id, before, after) = @project
                   OR (entity = 'milestone' AND audit_allocation_id(after) IN (SELECT id FROM allocations WHERE project_id = @project)))
            """;
        var args = new
        {
            actor = Blank(q.Actor), entity = Blank(q.Entity), entityId = Blank(q.EntityId), action = Blank(q.Action),
            from, to, project = q.Project,
            limit = q.PageSize, offset = (q.Page - 1L) * q.PageSize,
        };
        await using var conn = await db.OpenConnectionAsync(ct);
        var total = await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM audit_log {where}", args);
        var items = (await conn.QueryAsync<AuditEntry>($"""
            SELECT id, at, actor_id, actor_name, action, entity, entity_id, before::text AS before, after::text AS after
            FROM audit_log {where}
            ORDER BY id DESC LIMIT @limit OFFSET @offset
            """, args)).ToList();
        return new Paged<AuditEntry>(items, q.Page, q.PageSize, total);
    }

    /// <summary>The filters' lists: everyone who has a user account (and the app itself), the provinces, and the
    /// projects of one province (newest fiscal year first).</summary>
    public async Task<AuditChoices> ChoicesAsync(Caller caller, string? provinceCode, CancellationToken ct = default)
    {
        caller.EnsureAdmin();
        await using var conn = await db.OpenConnectionAsync(ct);
        var actors = (await conn.QueryAsync<AuditActor>("SELECT username, display_name FROM users ORDER BY lower(username)")).ToList();
        actors.Add(new AuditActor(Caller.System.Username, null));
        var provinces = (await conn.QueryAsync<AuditProvince>("SELECT code, name_th, name_en FROM provinces ORDER BY name_th")).ToList();
        var projects = Blank(provinceCode) is { } p ? (await conn.QueryAsync<AuditProject>("""
            SELECT pr.id, pr.name, b.fiscal_year, b.program, s.name_th AS subdistrict_name_th, s.name_en AS subdistrict_name_en
            FROM projects pr JOIN budgets b ON b.id = pr.budget_id JOIN subdistricts s ON s.code = pr.subdistrict_code
            WHERE b.province_code = @p ORDER BY b.fiscal_year DESC, pr.name LIMIT 1000
            """, new { p })).ToList() : [];
        return new AuditChoices(actors, provinces, projects);
    }

    /// <summary>Names of province and subdistrict codes, for showing areas in the log's before and after.</summary>
    public async Task<IReadOnlyDictionary<string, string>> AreaNamesAsync(IEnumerable<string> codes, bool english, CancellationToken ct = default)
    {
        var list = codes.Distinct().ToArray();
        if (list.Length == 0) return new Dictionary<string, string>();
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<(string Code, string Name)>($"""
            SELECT code, {(english ? "name_en" : "name_th")} FROM provinces WHERE code = ANY(@list)
            UNION ALL SELECT code, {(english ? "name_en" : "name_th")} FROM subdistricts WHERE code = ANY(@list)
            """, new { list });
        return rows.ToDictionary(r => r.Code, r => r.Name);
    }

    static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
