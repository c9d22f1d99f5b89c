using Dapper;
using Npgsql;

namespace Housing.Access;

public sealed record AuditQuery(string? Actor = null, string? Entity = null, string? EntityId = null, string? Action = null,
    DateOnly? From = null, DateOnly? To = null, int Page = 1, int PageSize = 50);

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
              AND (@action::text IS NULL OR action = @action)
              AND (@from::timestamptz IS NULL OR at >= @from)
              AND (@to::timestamptz IS NULL OR at < @to)
            """;
        var args = new
        {
            actor = Blank(q.Actor), entity = Blank(q.Entity), entityId = Blank(q.EntityId), action = Blank(q.Action),
            from, to,
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

    static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
