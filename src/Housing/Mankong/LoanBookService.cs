using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Mankong;

/// <summary>One area's Baan Mankong loan book: loans outstanding, arrears by age, and savings against the 10 % line.</summary>
public sealed record LoanBookRow(string Code, string NameTh, string NameEn, int Loans, decimal Amount, decimal Drawn, decimal PrincipalOutstanding,
    ArrearsBuckets Arrears, decimal Savings, decimal SavingsNeeded, int ProjectsBelowLine, DateOnly AsOf);

/// <summary>
/// The loan book per area (national, province, district or subdistrict), as of today, in one query over the loans'
/// state that the ledgers' triggers keep (migration 0015), so it is exact at every read. Savings are each project's latest report; the line is 10 % of its loans' amounts.
/// </summary>
public sealed class LoanBookService(NpgsqlDataSource db, TimeProvider clock)
{
    public static readonly string[] Levels = ["national", "province", "district", "subdistrict"];

    sealed record Flat(string Code, string NameTh, string NameEn, int Loans, decimal Amount, decimal Drawn, decimal PrincipalOutstanding,
        decimal Days1To30, decimal Days31To60, decimal Days61To90, decimal Over90, decimal Savings, decimal SavingsNeeded, int ProjectsBelowLine);

    /// <summary>The book's one query (public for the arrears benchmark's query plan): @digits of the area code, @parent, the
    /// caller's @provinces and @subdistricts (null: all), @asOf.</summary>
    public const string RollupSql = """
        WITH scope AS (
            SELECT p.id, p.subdistrict_code, left(p.subdistrict_code, @digits) AS code FROM projects p JOIN budgets b ON b.id = p.budget_id
            WHERE b.program = 'BMK'
              AND (@parent::text IS NULL OR p.subdistrict_code LIKE @parent || '%')
              AND (@provinces::text[] IS NULL OR left(p.subdistrict_code, 2) = ANY(@provinces))
              AND (@subdistricts::text[] IS NULL OR p.subdistrict_code = ANY(@subdistricts))
              AND EXISTS (SELECT FROM loans l WHERE l.project_id = p.id)
        ), owed AS (
            -- Only what is unpaid and past due: the partial index of 0015 holds the unpaid instalments, and the
            -- repayments' trigger keeps what each instalment was paid, so no repayment is summed here.
            SELECT l.project_id, i.due_on, i.principal + i.interest - i.paid_interest - i.paid_principal AS unpaid
            FROM scope s JOIN loans l ON l.project_id = s.id JOIN loan_instalments i ON i.loan_id = l.id
            WHERE i.due_on < @asOf AND i.paid_interest + i.paid_principal < i.principal + i.interest
        ), late AS (
            SELECT project_id,
                   sum(unpaid) FILTER (WHERE @asOf - due_on <= 30) AS d30, sum(unpaid) FILTER (WHERE @asOf - due_on BETWEEN 31 AND 60) AS d60,
                   sum(unpaid) FILTER (WHERE @asOf - due_on BETWEEN 61 AND 90) AS d90, sum(unpaid) FILTER (WHERE @asOf - due_on > 90) AS over
            FROM owed GROUP BY project_id
        ), per_project AS (
            SELECT s.id, s.code, count(*) AS loans, sum(l.amount) AS amount,
                   coalesce(sum(t.drawn), 0) AS drawn, coalesce(sum(t.principal_repaid), 0) AS repaid,
                   coalesce((SELECT r.balance FROM savings_reports r WHERE r.project_id = s.id ORDER BY r.month DESC LIMIT 1), 0) AS savings
            FROM scope s JOIN loans l ON l.project_id = s.id LEFT JOIN loan_totals t ON t.loan_id = l.id
            GROUP BY s.id, s.code
        )
        SELECT pp.code, coalesce(pr.name_th, d.name_th, sd.name_th, 'ทั้งประเทศ') AS name_th, coalesce(pr.name_en, d.name_en, sd.name_en, 'Thailand') AS name_en,
               sum(pp.loans)::int AS loans, sum(pp.amount) AS amount, sum(pp.drawn) AS drawn, sum(pp.drawn - pp.repaid) AS principal_outstanding,
               coalesce(sum(lt.d30), 0) AS days1_to30, coalesce(sum(lt.d60), 0) AS days31_to60, coalesce(sum(lt.d90), 0) AS days61_to90, coalesce(sum(lt.over), 0) AS over90,
               sum(pp.savings) AS savings, sum(round(pp.amount * 0.10, 2)) AS savings_needed,
               count(*) FILTER (WHERE pp.savings < round(pp.amount * 0.10, 2))::int AS projects_below_line
        FROM per_project pp LEFT JOIN late lt ON lt.project_id = pp.id
        LEFT JOIN provinces pr ON @digits = 2 AND pr.code = pp.code
        LEFT JOIN districts d ON @digits = 4 AND d.code = pp.code
        LEFT JOIN subdistricts sd ON @digits = 6 AND sd.code = pp.code
        GROUP BY pp.code, pr.name_th, d.name_th, sd.name_th, pr.name_en, d.name_en, sd.name_en
        ORDER BY pp.code
        """;

    public async Task<IReadOnlyList<LoanBookRow>> RollupAsync(Caller caller, string? level, string? parent, CancellationToken ct = default)
    {
        level = string.IsNullOrWhiteSpace(level) ? "province" : level.Trim();
        var v = new Validator();
        v.Check(Levels.Contains(level), "level", "ระดับต้องเป็น national, province, district หรือ subdistrict", "The level must be national, province, district or subdistrict.");
        v.Check(parent is null || (parent.Length is 2 or 4 && parent.All(char.IsAsciiDigit)), "parent", "รหัสพื้นที่ไม่ถูกต้อง", "The parent code is not valid.");
        v.ThrowIfInvalid();
        var asOf = Thai.Today(clock);
        var digits = level switch { "national" => 0, "province" => 2, "district" => 4, _ => 6 };
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<Flat>(new CommandDefinition(RollupSql, new { digits, parent, provinces = caller.ReadableProvinces, subdistricts = caller.ReadableSubdistricts, asOf }, cancellationToken: ct));
        return rows.Select(r => new LoanBookRow(r.Code, r.NameTh, r.NameEn, r.Loans, r.Amount, r.Drawn, r.PrincipalOutstanding,
            new ArrearsBuckets(r.Days1To30, r.Days31To60, r.Days61To90, r.Over90), r.Savings, r.SavingsNeeded, r.ProjectsBelowLine, asOf)).ToList();
    }
}
