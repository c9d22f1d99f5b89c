using ClosedXML.Excel;
using Dapper;
using Housing.Access;
using Housing.Exports;
using Npgsql;

namespace Housing.Mankong;

/// <summary>
/// The loan book of one province (or of every area the caller reads) as a workbook (ClosedXML, the conventions of <see cref="Report"/>): a sheet of the
/// loans (each with what was drawn and repaid, principal outstanding and its arrears by age as of today) and a sheet of
/// every instalment (due day in the Buddhist Era, principal, interest, paid, unpaid). Totals are SUM formulas.
/// </summary>
public sealed class LoanBookWorkbook(NpgsqlDataSource db, TimeProvider clock)
{
    sealed record LoanRow(long Id, long ProjectId, string ProjectName, string? CommunityName, string SubdistrictCode, string SubdistrictNameTh,
        string DistrictNameTh, string Purpose, decimal Amount, decimal AnnualRatePercent, int Months, DateOnly FirstDueOn, decimal Drawn, decimal Repaid, decimal PrincipalRepaid);

    sealed record LineRow(long LoanId, int No, DateOnly DueOn, decimal Principal, decimal Interest, decimal PaidInterest, decimal PaidPrincipal);

    static readonly ReportColumn[] LoanColumns =
    [
        new("เลขที่สินเชื่อ", "Loan", CellKind.Code, 10), new("รหัสตำบล", "Subdistrict code", CellKind.Code, 10), new("ตำบล", "Subdistrict", CellKind.Text, 16),
        new("อำเภอ", "District", CellKind.Text, 16), new("โครงการ", "Project", CellKind.Text, 30), new("ชุมชน", "Communities", CellKind.Text, 30),
        new("วัตถุประสงค์", "Purpose", CellKind.Text, 10), new("วงเงินกู้", "Amount", CellKind.Baht, 15, true), new("ดอกเบี้ย % ต่อปี", "Rate % a year", CellKind.Number, 9),
        new("จำนวนงวด", "Months", CellKind.Number, 8), new("งวดแรก", "First due", CellKind.Date, 13), new("เบิกแล้ว", "Drawn", CellKind.Baht, 15, true),
        new("ชำระแล้ว", "Repaid", CellKind.Baht, 15, true), new("เงินต้นคงค้าง", "Principal outstanding", CellKind.Baht, 15, true),
        new("ค้างชำระ 1–30 วัน", "Arrears 1–30 days", CellKind.Baht, 14, true), new("31–60 วัน", "31–60 days", CellKind.Baht, 14, true),
        new("61–90 วัน", "61–90 days", CellKind.Baht, 14, true), new("เกิน 90 วัน", "Over 90 days", CellKind.Baht, 14, true),
        new("ค้างนานสุด (วัน)", "Days late", CellKind.Count, 10),
    ];

    static readonly ReportColumn[] LineColumns =
    [
        new("เลขที่สินเชื่อ", "Loan", CellKind.Code, 10), new("โครงการ", "Project", CellKind.Text, 30), new("งวดที่", "No.", CellKind.Number, 7),
        new("ครบกำหนด", "Due on", CellKind.Date, 13), new("เงินต้น", "Principal", CellKind.Baht, 14, true), new("ดอกเบี้ย", "Interest", CellKind.Baht, 14, true),
        new("ชำระแล้ว", "Paid", CellKind.Baht, 14, true), new("คงค้าง", "Unpaid", CellKind.Baht, 14, true),
    ];

    public async Task<(string FileName, byte[] Bytes)> BuildAsync(Caller caller, string? provinceCode, CancellationToken ct = default)
    {
        // Without a province: every loan the caller may read (the whole country for an Admin).
        var code = string.IsNullOrWhiteSpace(provinceCode) ? null : provinceCode.Trim();
        if (code is not null)
        {
            new Validator().Check(code is { Length: 2 } && code.All(char.IsAsciiDigit), "provinceCode", "รหัสจังหวัดต้องเป็นตัวเลข 2 หลัก", "The province code must be 2 digits.")
                .ThrowIfInvalid();
            caller.EnsureAllowed(caller.CanReadProvince(code), code, () => NotFound.Of($"จังหวัดรหัส {code}", $"Province {code}"));
        }
        var asOf = Thai.Today(clock);
        await using var conn = await db.OpenConnectionAsync(ct);
        var args = new { code, provinces = caller.ReadableProvinces, subdistricts = caller.ReadableSubdistricts };
        var loans = (await conn.QueryAsync<LoanRow>(new CommandDefinition("""
            SELECT l.id, p.id AS project_id, p.name AS project_name, p.community_name, p.subdistrict_code, sd.name_th AS subdistrict_name_th,
                   d.name_th AS district_name_th, l.purpose, l.amount, l.annual_rate_percent, l.months, l.first_due_on,
                   coalesce(t.drawn, 0) AS drawn, coalesce(t.repaid, 0) AS repaid, coalesce(t.principal_repaid, 0) AS principal_repaid
            FROM loans l JOIN projects p ON p.id = l.project_id JOIN subdistricts sd ON sd.code = p.subdistrict_code JOIN districts d ON d.code = sd.district_code
                 LEFT JOIN loan_totals t ON t.loan_id = l.id
            WHERE (@code::text IS NULL OR left(p.subdistrict_code, 2) = @code) AND (@provinces::text[] IS NULL OR left(p.subdistrict_code, 2) = ANY(@provinces))
              AND (@subdistricts::text[] IS NULL OR p.subdistrict_code = ANY(@subdistricts))
            ORDER BY p.subdistrict_code, p.id, l.id
            """, args, cancellationToken: ct))).ToList();
        var lines = (await conn.QueryAsync<LineRow>(new CommandDefinition("""
            SELECT i.loan_id, i.no, i.due_on, i.principal, i.interest, i.paid_interest, i.paid_principal
            FROM loan_instalments i WHERE i.loan_id = ANY(@ids) ORDER BY i.loan_id, i.due_on, i.no
            """, new { ids = loans.Select(l => l.Id).ToArray() }, cancellationToken: ct))).ToLookup(l => l.LoanId);

        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await Audit.WriteAsync(conn, tx, caller, "export.loan_book", "export", "loan_book", null,
                new { kind = "loan_book", provinceCode = code, rows = loans.Count }, ct);
            await tx.CommitAsync(ct);
        }

        using var wb = Report.NewWorkbook();
        var header = code is null
            ? $"ทะเบียนสินเชื่อบ้านมั่นคง ทุกพื้นที่ ณ {Thai.Date(asOf, Thai.ThaiCulture)} · Baan Mankong loan book, every area"
            : $"ทะเบียนสินเชื่อบ้านมั่นคง จังหวัดรหัส {code} ณ {Thai.Date(asOf, Thai.ThaiCulture)} · Baan Mankong loan book, province {code}";
        Report.AddListing(wb, "เงินกู้ Loans", LoanColumns, header, loans.Select(l =>
        {
            var a = LoanMath.Age(lines[l.Id].Select(x => new Owed(x.No, x.DueOn, x.Interest - x.PaidInterest, x.Principal - x.PaidPrincipal)), asOf);
            return new object?[]
            {
                l.Id, l.SubdistrictCode, l.SubdistrictNameTh, l.DistrictNameTh, l.ProjectName, l.CommunityName, l.Purpose == "land" ? "ที่ดิน land" : "ที่อยู่อาศัย housing",
                l.Amount, l.AnnualRatePercent, l.Months, l.FirstDueOn, l.Drawn, l.Repaid, l.Drawn - l.PrincipalRepaid,
                a.Buckets.Days1To30, a.Buckets.Days31To60, a.Buckets.Days61To90, a.Buckets.Over90, a.Days,
            };
        }), "รวม Total");
        var names = loans.ToDictionary(l => l.Id, l => l.ProjectName);
        Report.AddListing(wb, "ตารางผ่อน Schedule", LineColumns, header, loans.SelectMany(l => lines[l.Id]).Select(x => new object?[]
        {
            x.LoanId, names[x.LoanId], x.No, x.DueOn, x.Principal, x.Interest, x.PaidInterest + x.PaidPrincipal, x.Principal + x.Interest - x.PaidInterest - x.PaidPrincipal,
        }), "รวม Total");
        // A rate like 4.125 keeps its decimals; the listing's Number format would round it.
        wb.Worksheet(1).Column(9).Style.NumberFormat.Format = "0.0##";
        return ($"loan-book-{code ?? "all"}-{asOf.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}.xlsx", Report.Save(wb));
    }
}
