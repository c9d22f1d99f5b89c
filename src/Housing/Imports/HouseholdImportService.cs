using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Imports;

/// <summary>A problem a person can fix: the spreadsheet row, the field (and the column as their file names it), and why.</summary>
public sealed record ImportError(int Row, string Field, string Column, Msg Message);

/// <summary>All rows imported, or none and the errors (the first <see cref="HouseholdImportService.MaxReportedErrors"/>, with the total count).</summary>
public sealed record ImportResult(int Imported, IReadOnlyList<ImportError> Errors, int ErrorCount)
{
    public bool Ok => ErrorCount == 0;
}

/// <summary>
/// Bulk registration of households from the sheet a provincial office keeps (CSV or XLSX, Thai or English headers).
/// Rows are streamed (never all held), judged by the register's own rules, and binary-COPYed: a clean file straight
/// into the register; a refused one again into a temporary table, where duplicates (within the file and against the
/// register) are found in SQL for the full error list. Everything happens in one transaction: all rows or none.
/// </summary>
public sealed class HouseholdImportService(NpgsqlDataSource db)
{
    public const int MaxReportedErrors = 1000;

    public static bool IsSupported(string fileName) => SheetReader.IsCsv(fileName) || SheetReader.IsXlsx(fileName);

    public async Task<ImportResult> ImportAsync(Caller caller, Stream upload, string fileName, CancellationToken ct = default)
    {
        if (!caller.CanManageSomewhere) throw new Forbidden();
        if (!IsSupported(fileName))
            throw ValidationFailed.One("file", "รับเฉพาะไฟล์ .csv หรือ .xlsx", "Only .csv or .xlsx files are accepted.");

        // A private temporary copy: a refused file is read a second time, and the zip reader seeks (an upload's stream seeks badly).
        await using var file = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        await CopyAsync(upload, file, ct);
        file.Position = 0;
        using var sheet = Open(file, fileName);

        await using var conn = await db.OpenConnectionAsync(ct);
        var places = await ImportPlaces.LoadAsync(conn);

        // The usual case, a clean file: rows go straight into the register as they are read, so PostgreSQL files
        // them while the next are parsed. The first bad row, or a citizen ID the unique key refuses, ends this
        // attempt (the transaction rolls back) and the thorough pass below lists every problem.
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            var report = new ImportReport();
            try
            {
                var (imported, _) = await ImportCopy.StreamAsync(conn, """
                    COPY households (created_by, citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                                     vulnerabilities, housing_problem, land_tenure) FROM STDIN (FORMAT BINARY)
                    """, sheet, caller, places, report, stopAtFirstError: true, ct);
                if (report.Count == 0) return await FinishAsync(conn, tx, caller, fileName, imported, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation) { }
        }
        return await ImportThoroughlyAsync(conn, sheet, fileName, caller, places, ct);
    }

    /// <summary>The upload into the temporary file, refused past <see cref="ImportLimits.MaxUploadBytes"/> whoever calls
    /// (the page and the API also cap the request at that size).</summary>
    static async Task CopyAsync(Stream upload, Stream file, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await upload.ReadAsync(buffer, ct)) > 0)
        {
            if (file.Length + n > ImportLimits.MaxUploadBytes) throw ImportLimits.TooBig();
            await file.WriteAsync(buffer.AsMemory(0, n), ct);
        }
    }

    static SheetReader Open(Stream file, string fileName)
    {
        try
        {
            return SheetReader.Open(file, fileName);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or System.Xml.XmlException or FormatException)
        {
            throw ImportCopy.Unreadable();
        }
    }

    /// <summary>Stages every good row in a temporary table with its row number, then finds duplicates (within the
    /// file and against the register) in SQL, so the list is complete and nothing is held in memory.</summary>
    static async Task<ImportResult> ImportThoroughlyAsync(NpgsqlConnection conn, SheetReader sheet, string fileName, Caller caller,
        ImportPlaces places, CancellationToken ct)
    {
        var report = new ImportReport();
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync("""
            CREATE TEMP TABLE household_import (
                row_no int, citizen_id text, head_name text, house_no text, village_no int, subdistrict_code text,
                members int, monthly_income numeric(14,2), vulnerabilities text[], housing_problem text, land_tenure text
            ) ON COMMIT DROP
            """, transaction: tx);
        var (_, column) = await ImportCopy.StreamAsync(conn, """
            COPY household_import (row_no, citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                                   vulnerabilities, housing_problem, land_tenure) FROM STDIN (FORMAT BINARY)
            """, sheet, caller, places, report, stopAtFirstError: false, ct);
        if (report.Count > 0) return report.Result;

        // The share lock keeps others from registering the same person between this check and the insert
        // (the register can still be read meanwhile).
        await conn.ExecuteAsync("ANALYZE household_import; LOCK TABLE households IN SHARE ROW EXCLUSIVE MODE", transaction: tx);
        await ImportDuplicates.FindAsync(conn, tx, caller, fileName, column, report, ct);
        if (report.Count > 0) return report.Result;

        var imported = await conn.ExecuteAsync("""
            INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                                    vulnerabilities, housing_problem, land_tenure, created_by)
            SELECT citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                   vulnerabilities, housing_problem, land_tenure, @ActorId
            FROM household_import ORDER BY row_no
            """, new { caller.ActorId }, tx);
        return await FinishAsync(conn, tx, caller, fileName, imported, ct);
    }

    /// <summary>One audit row for the whole file. Its households are the rows whose created_at is the audit row's <c>at</c>
    /// (both are this transaction's now()) and whose created_by is the caller.</summary>
    static async Task<ImportResult> FinishAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Caller caller, string fileName, int imported, CancellationToken ct)
    {
        await Audit.WriteAsync(conn, tx, caller, "household.import", "household", null, null,
            new { file = Path.GetFileName(fileName), imported }, ct);
        await tx.CommitAsync(ct);
        return new ImportResult(imported, [], 0);
    }
}

/// <summary>Errors as they are found: the first <see cref="HouseholdImportService.MaxReportedErrors"/> kept, all counted.</summary>
sealed class ImportReport
{
    public List<ImportError> Errors { get; } = [];
    public int Count { get; set; }

    public void Fail(int row, string field, string column, Msg message)
    {
        Count++;
        if (Errors.Count < HouseholdImportService.MaxReportedErrors) Errors.Add(new ImportError(row, field, column, message));
    }

    public ImportResult Result => new(0, Errors.OrderBy(e => e.Row).ToList(), Count);
}
