using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Households;

/// <summary>
/// A citizen ID already registered outside the caller's area (by a form or an import). The answer names no record and
/// no place: only that the ID is registered elsewhere and whom to ask. Each such refusal is an audit row (the caller, the
/// ID masked), and those rows are also the throttle: past <see cref="MaxPerHour"/> in an hour, the user gets 429, so the
/// register cannot be probed province by province.
/// </summary>
public static class RegisteredElsewhere
{
    public const int MaxPerHour = 20;
    public const string AuditAction = "household.registered_elsewhere";

    public static readonly Msg Message = new(
        "เลขประจำตัวประชาชนนี้ลงทะเบียนไว้แล้วในพื้นที่อื่น กรุณาติดต่อสำนักงาน พอช. จังหวัดของคุณหรือผู้ดูแลระบบ",
        "This citizen ID is registered in another area. Contact your CODI provincial office or the administrator.");

    public static Conflict Refused() => new(Message);

    /// <summary><see cref="CitizenId.Mask"/> in SQL, for audit rows written straight from a staging table.</summary>
    public static string MaskSql(string column)
        => $"left({column}, 1) || '-xxxx-xxxxx-' || substr({column}, 11, 2) || '-' || substr({column}, 13, 1)";

    /// <summary>Commits <paramref name="tx"/>, which holds this request's audit rows of the kind and nothing else, then
    /// throws 429 when the caller has had more than <see cref="MaxPerHour"/> of them in the last hour.</summary>
    public static async Task CommitAndThrottleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Caller caller, CancellationToken ct)
    {
        var count = caller.ActorId is null ? 0 : await conn.ExecuteScalarAsync<long>(new CommandDefinition("""
            SELECT count(*) FROM audit_log WHERE actor_id = @ActorId AND action = @AuditAction AND at > now() - interval '1 hour'
            """, new { caller.ActorId, AuditAction }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (count > MaxPerHour)
            throw new TooManyRequests(new Msg(
                $"ตรวจพบเลขประจำตัวประชาชนที่ลงทะเบียนในพื้นที่อื่นเกิน {MaxPerHour} ครั้งในหนึ่งชั่วโมง กรุณาลองใหม่ภายหลัง หรือติดต่อผู้ดูแลระบบ",
                $"More than {MaxPerHour} citizen IDs registered in other areas were tried within an hour. Try again later, or contact the administrator."));
    }
}
