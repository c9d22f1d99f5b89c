using System.Text;
using Housing.Access;
using Npgsql;
using NpgsqlTypes;
using static Housing.Imports.ImportRows;

namespace Housing.Imports;

/// <summary>Rows from the sheet, judged, binary-COPYed into the register or the staging table as they are read.</summary>
static class ImportCopy
{
    /// <summary>How far down the header may be, below a sheet's title rows.</summary>
    const int HeaderSearchRows = 10;

    /// <summary>Reads, checks and binary-COPYs the rows. The COPY's first column is the row number (staging) or the
    /// caller as created_by (the register); the rest are the household's. Returns the rows sent and the citizen ID's
    /// column as the file names it; on errors the COPY is left unfinished, which cancels it.</summary>
    internal static async Task<(int Staged, string IdColumn)> StreamAsync(NpgsqlConnection conn, string copySql, SheetReader sheet, Caller caller, ImportPlaces places,
        ImportReport report, bool stopAtFirstError, CancellationToken ct)
    {
        var staging = copySql.Contains("row_no", StringComparison.Ordinal);
        var staged = 0;
        int[]? map = null; // template column → file column
        string[] headers = [];
        SheetRow? firstRow = null;
        var titleRows = 0;
        await using var copy = await conn.BeginBinaryImportAsync(copySql, ct);
        using var rows = sheet.Rows().GetEnumerator();
        while (MoveNext(rows))
        {
            var row = rows.Current;
            if (row.IsBlank) continue;
            if (map is null)
            {
                // Offices often keep a title or two above the header: it is the first row naming three columns or more.
                var (found, names) = MapHeader(row);
                firstRow ??= row;
                if (found.Count(i => i >= 0) < 3)
                {
                    if (++titleRows < HeaderSearchRows) continue;
                    (row, (found, names)) = (firstRow.Value, MapHeader(firstRow.Value));
                }
                (map, headers) = (found, names);
                var byName = map[SubdistrictNameColumn] >= 0 && map[DistrictNameColumn] >= 0;
                for (var c = 0; c < Columns.Length; c++)
                    if (map[c] < 0 && Columns[c].Required && !(c == CodeColumn && byName))
                        report.Fail(row.Number, Columns[c].Field, "", new Msg($"ไม่พบคอลัมน์ \"{Columns[c].Header.Th}\"", $"The column \"{Columns[c].Header.En}\" is missing."));
                if (report.Count > 0) return (0, "");
                continue;
            }
            var household = Parse(row, map, headers, caller, places, report.Fail);
            // After the first bad row nothing will be written, so stop sending rows; keep checking for the error list.
            if (household is null || report.Count > 0)
            {
                if (stopAtFirstError) return (0, "");
                continue;
            }
            await copy.StartRowAsync(ct);
            if (staging) await copy.WriteAsync(row.Number, NpgsqlDbType.Integer, ct);
            else await WriteNullableAsync(copy, caller.ActorId, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(household.CitizenId!, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(household.HeadName!, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(household.HouseNo!, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, household.VillageNo, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(household.SubdistrictCode!, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(household.Members!.Value, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(household.MonthlyIncome!.Value, NpgsqlDbType.Numeric, ct);
            await copy.WriteAsync(household.Vulnerabilities!, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, household.HousingProblem, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, household.LandTenure, NpgsqlDbType.Text, ct);
            staged++;
        }
        if (map is null) report.Fail(0, "file", "", new Msg("ไม่พบข้อมูลในไฟล์", "The file has no rows."));
        else if (staged == 0 && report.Count == 0) report.Fail(2, "file", "", new Msg("ไฟล์มีแต่หัวตาราง ไม่มีข้อมูลครัวเรือน", "The file has a header but no households."));
        if (report.Count > 0) return (0, "");
        await copy.CompleteAsync(ct);
        return (staged, headers[0]);

        // The reader runs lazily inside the loop; a damaged file shows up here.
        static bool MoveNext(IEnumerator<SheetRow> e)
        {
            try { return e.MoveNext(); }
            catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException or System.Xml.XmlException
                                           or DecoderFallbackException)
            {
                throw Unreadable();
            }
        }
    }

    internal static ValidationFailed Unreadable() => ValidationFailed.One("file",
        "อ่านไฟล์ไม่ได้: ต้องเป็น .csv หรือ .xlsx ที่บันทึกจาก Excel หรือจากแม่แบบ", "The file cannot be read: it must be a .csv or .xlsx saved from Excel or from the template.");

    static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct
        => value is T v ? copy.WriteAsync(v, type, ct) : copy.WriteNullAsync(ct);

    static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken ct)
        => value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);
}
