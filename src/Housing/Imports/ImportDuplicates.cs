using Dapper;
using Housing.Access;
using Housing.Households;
using Npgsql;

namespace Housing.Imports;

/// <summary>Citizen IDs of the staged rows that repeat within the file or are registered already, found in SQL so the
/// list is complete and nothing is held in memory. An ID registered outside the caller's area is told as "registered
/// elsewhere" with no record id, audited, and counted toward <see cref="RegisteredElsewhere.MaxPerHour"/>.</summary>
static class ImportDuplicates
{
    /// <summary>Adds the duplicates to <paramref name="report"/>. When some IDs are registered outside the caller's area, their
    /// audit rows are committed with <paramref name="tx"/> (which has written nothing else), and past the hourly limit this
    /// throws 429 instead of listing them.</summary>
    public static async Task FindAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Caller caller, string fileName, string column,
        ImportReport report, CancellationToken ct)
    {
        var max = HouseholdImportService.MaxReportedErrors;
        // Only the first MaxReportedErrors of each kind come back (memory stays flat), with the total count beside them.
        var duplicates = (await conn.QueryAsync<(int Row, int FirstRow, long Total)>(new CommandDefinition("""
            SELECT row_no, first_row, count(*) OVER () FROM (
                SELECT row_no, min(row_no) OVER (PARTITION BY citizen_id) AS first_row FROM household_import) x
            WHERE row_no <> first_row ORDER BY row_no LIMIT @max
            """, new { max }, tx, cancellationToken: ct))).ToList();
        foreach (var d in duplicates)
            report.Fail(d.Row, "citizenId", column, new Msg(
                $"เลขประจำตัวประชาชนซ้ำกับแถวที่ {d.FirstRow} ในไฟล์นี้", $"The citizen ID repeats row {d.FirstRow} of this file."));
        report.Count += (int)(duplicates.FirstOrDefault().Total - duplicates.Count);

        // Every row registered outside the area is an audit row, written by the database from the staging table.
        var elsewhere = await conn.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO audit_log (actor_id, actor_name, action, entity, entity_id, after)
            SELECT @ActorId, @Username, '{RegisteredElsewhere.AuditAction}', 'household', NULL,
                   jsonb_build_object('citizenIdMasked', {RegisteredElsewhere.MaskSql("i.citizen_id")}, 'via', 'import', 'file', @file, 'row', i.row_no)
            FROM household_import i JOIN households h ON h.citizen_id = i.citizen_id
            WHERE NOT {Areas.Writable("h.subdistrict_code")}
            """, Areas.Args(caller, AreaRight.Manage, new { caller.ActorId, caller.Username, file = Path.GetFileName(fileName) }), tx, cancellationToken: ct));
        var registered = (await conn.QueryAsync<(int Row, long Id, bool Mine, long Total)>(new CommandDefinition($"""
            SELECT i.row_no, h.id, {Areas.Writable("h.subdistrict_code")}, count(*) OVER ()
            FROM household_import i JOIN households h ON h.citizen_id = i.citizen_id
            ORDER BY i.row_no LIMIT @max
            """, Areas.Args(caller, AreaRight.Manage, new { max }), tx, cancellationToken: ct))).ToList();
        if (elsewhere > 0) await RegisteredElsewhere.CommitAndThrottleAsync(conn, tx, caller, ct);
        foreach (var r in registered)
            report.Fail(r.Row, "citizenId", column, r.Mine
                ? new Msg($"ลงทะเบียนแล้ว (ครัวเรือนเลขที่ {r.Id}): บ้านหนึ่งหลังได้รับการสนับสนุนได้ครั้งเดียว",
                    $"Already registered (household {r.Id}): a home is not funded twice.")
                : RegisteredElsewhere.Message);
        report.Count += (int)(registered.FirstOrDefault().Total - registered.Count);
    }
}
