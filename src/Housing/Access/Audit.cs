using System.Data;
using System.Text.Json;
using Dapper;

namespace Housing.Access;

/// <summary>Appends to audit_log inside the caller's transaction, so the record and the change commit together.</summary>
public static class Audit
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task WriteAsync(IDbConnection conn, IDbTransaction tx, Caller caller, string action, string entity,
        object? entityId, object? before, object? after, CancellationToken ct = default)
        => conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO audit_log (actor_id, actor_name, action, entity, entity_id, before, after)
            VALUES (@ActorId, @ActorName, @Action, @Entity, @EntityId, @Before::jsonb, @After::jsonb)
            """,
            new
            {
                caller.ActorId, ActorName = caller.Username, Action = action, Entity = entity, EntityId = entityId?.ToString(),
                Before = before is null ? null : JsonSerializer.Serialize(before, Json),
                After = after is null ? null : JsonSerializer.Serialize(after, Json),
            }, tx, cancellationToken: ct));
}
