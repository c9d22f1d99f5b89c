using System.Diagnostics;
using Dapper;
using Npgsql;

namespace Housing.Benchmarks;

/// <summary>
/// A national-scale data set made with set-based SQL: a Baan Por Piang budget for each of the 77
/// provinces, a project in each of the 7,436 subdistricts (with CODI's transfer of its whole amount), 500,000 households each with an allocation,
/// 2,000,000 ledger rows (three payments each, then a reversal of the first for even allocations and a
/// fourth payment for odd ones) and 3,000,000 milestones (5, 6 or 7 stages each, so two homes in three are completed).
/// </summary>
public static class NationalData
{
    public const int FiscalYear = 2568;

    public static async Task GenerateAsync(NpgsqlDataSource db, int households = 500_000)
    {
        await using var conn = await db.OpenConnectionAsync();
        async Task Step(string what, string sql)
        {
            var watch = Stopwatch.StartNew();
            var rows = await conn.ExecuteAsync(new CommandDefinition(sql, new { n = households, fy = FiscalYear }, commandTimeout: 0));
            Console.WriteLine($"  {what,-28} {rows,10:N0} rows {watch.Elapsed.TotalSeconds,7:N1} s");
        }
        await Step("subdistrict shares", """
            CREATE TEMP TABLE share AS
            SELECT code, k, @n / 7436 + CASE WHEN k < @n % 7436 THEN 1 ELSE 0 END AS n
            FROM (SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM subdistricts) s
            """);
        await Step("budgets", """
            INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount)
            SELECT 'BPP', @fy, left(code, 2), sum(n), sum(n) * 21000 FROM share GROUP BY 3
            """);
        await Step("projects", """
            INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount)
            SELECT b.id, s.code, 'บ้านพอเพียง ต.' || sd.name_th, greatest(s.n, 1), greatest(s.n, 1) * 21000
            FROM share s JOIN subdistricts sd ON sd.code = s.code
            JOIN budgets b ON b.province_code = left(s.code, 2) AND b.fiscal_year = @fy AND b.program = 'BPP'
            """);
        await Step("transfers in", """
            INSERT INTO transfers (project_id, amount, received_on, reference)
            SELECT id, amount, DATE '2024-10-15', 'CODI-' || id FROM projects
            """);
        await Step("households", """
            INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income)
            SELECT f || (11 - (SELECT sum(substr(f, j, 1)::int * (14 - j)) FROM generate_series(1, 12) j) % 11) % 10, -- a valid check digit
                   'ครัวเรือน ' || i, (i % 300 + 1)::text, i % 20 + 1, s.code, 1 + i % 6, 2000 + i % 5000
            FROM (SELECT i, '1' || lpad(i::text, 11, '0') AS f FROM generate_series(0, @n - 1) i) g JOIN share s ON s.k = g.i % 7436
            """);
        await Step("allocations", """
            INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type)
            SELECT p.id, h.id, 'BPP', @fy, 20000 + (h.id % 10) * 100, 'repair'
            FROM households h JOIN projects p ON p.subdistrict_code = h.subdistrict_code
            """);
        await Step("payments", """
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, receipt_no)
            SELECT a.id, a.project_id, round(a.amount / 5, 2), DATE '2024-11-01' + (a.id % 200)::int + j * 30, 'ร้านวัสดุก่อสร้าง', j || '-' || a.id
            FROM allocations a CROSS JOIN generate_series(1, 3) j
            """);
        await Step("reversals", """
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, reverses_id, reason)
            SELECT allocation_id, project_id, -amount, paid_on + 1, payee, id, 'บันทึกซ้ำ'
            FROM disbursements WHERE receipt_no LIKE '1-%' AND allocation_id % 2 = 0
            """);
        await Step("fourth payments", """
            INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, receipt_no)
            SELECT id, project_id, round(amount / 5, 2), DATE '2025-04-01', 'ร้านวัสดุก่อสร้าง', '4-' || id FROM allocations WHERE id % 2 = 1
            """);
        await Step("milestones", """
            INSERT INTO milestones (allocation_id, stage, stage_order, reached_on)
            SELECT a.id, (ARRAY['surveyed', 'approved', 'materials_bought', 'construction_started', 'structure_done', 'completed', 'handed_over'])[s],
                   s, DATE '2024-11-01' + s * 20
            FROM allocations a CROSS JOIN LATERAL generate_series(1, 5 + (a.id % 3)::int) s
            """);
        await Step("vacuum analyze", "VACUUM ANALYZE");
    }
}
