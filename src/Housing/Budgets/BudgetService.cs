using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Budgets;

/// <summary>The two CODI programs and their names.</summary>
public static class Programs
{
    public const string BaanPorPiang = "BPP", BaanMankong = "BMK";
    public static readonly string[] All = [BaanPorPiang, BaanMankong];
    public static Msg Name(string program) => program == BaanMankong
        ? new Msg("บ้านมั่นคง", "Baan Mankong") : new Msg("บ้านพอเพียง", "Baan Por Piang");
}

public sealed record CreateBudget(string? Program, int? FiscalYear, string? ProvinceCode, int? TargetHouseholds, decimal? Amount);

/// <summary>A budget with what its projects take of it (<see cref="Projected"/>) and what is left to give out.</summary>
public sealed record BudgetView(long Id, string Program, int FiscalYear, string ProvinceCode, string ProvinceNameTh, string ProvinceNameEn,
    int TargetHouseholds, decimal Amount, int ProjectCount, int ProjectedHouseholds, decimal Projected, decimal Allocated, DateTime CreatedAt)
{
    public decimal Unprojected => Amount - Projected;
}

public sealed record CreateProject(string? SubdistrictCode, string? Name, int? TargetHouseholds, decimal? Amount, string? CommunityName = null);

/// <summary>A project with its allocation totals. Its money (received, paid, cash on hand) is the cash book's:
/// <c>LedgerService.ProjectAsync</c>.</summary>
public sealed record ProjectView(long Id, long BudgetId, string Program, int FiscalYear, string ProvinceCode,
    string SubdistrictCode, string SubdistrictNameTh, string SubdistrictNameEn, string DistrictNameTh, string DistrictNameEn,
    string Name, string? CommunityName, int TargetHouseholds, decimal Amount,
    int Households, decimal Allocated, DateTime CreatedAt, DateTime? CancelledAt = null, string? CancelReason = null)
{
    public bool IsCancelled => CancelledAt is not null;

    /// <summary>What is left to allocate: the project's amount less its live allocations.</summary>
    public decimal Remaining => Amount - Allocated;
}

public sealed record BudgetDetail(BudgetView Budget, IReadOnlyList<ProjectView> Projects);

/// <summary>Budgets per program, fiscal year and province, and the projects that share them out.</summary>
public sealed partial class BudgetService(NpgsqlDataSource db)
{
    // Columns in the order of the view records' constructors (Dapper matches them by position and name).
    const string BudgetSql = """
        SELECT b.id, b.program, b.fiscal_year, b.province_code, pr.name_th AS province_name_th, pr.name_en AS province_name_en,
               b.target_households, b.amount,
               (SELECT count(*) FROM projects p WHERE p.budget_id = b.id AND p.cancelled_at IS NULL)::int AS project_count,
               (SELECT coalesce(sum(p.target_households), 0) FROM projects p WHERE p.budget_id = b.id AND p.cancelled_at IS NULL)::int AS projected_households,
               (SELECT coalesce(sum(p.amount), 0) FROM projects p WHERE p.budget_id = b.id AND p.cancelled_at IS NULL) AS projected,
               (SELECT coalesce(sum(a.amount), 0) FROM allocations a JOIN projects p ON p.id = a.project_id
                 WHERE p.budget_id = b.id AND a.cancelled_at IS NULL) AS allocated,
               b.created_at
        FROM budgets b JOIN provinces pr ON pr.code = b.province_code
        """ + "\n"; // ends in a newline, so a WHERE can follow

    /// <summary>Projects with their allocation totals.</summary>
    internal const string ProjectSql = """
        SELECT p.id, p.budget_id, b.program, b.fiscal_year, b.province_code,
               p.subdistrict_code, s.name_th AS subdistrict_name_th, s.name_en AS subdistrict_name_en,
               d.name_th AS district_name_th, d.name_en AS district_name_en,
               p.name, p.community_name, p.target_households, p.amount,
               coalesce(al.households, 0)::int AS households, coalesce(al.allocated, 0) AS allocated, p.created_at, p.cancelled_at, p.cancel_reason
        FROM projects p
        JOIN budgets b ON b.id = p.budget_id
        JOIN subdistricts s ON s.code = p.subdistrict_code
        JOIN districts d ON d.code = s.district_code
        LEFT JOIN LATERAL (SELECT count(*) AS households, sum(a.amount) AS allocated FROM allocations a
                           WHERE a.project_id = p.id AND a.cancelled_at IS NULL) al ON true
        """ + "\n"; // ends in a newline, so a WHERE can follow

    internal static NotFound BudgetNotFound(long id) => NotFound.Of($"งบประมาณเลขที่ {id}", $"Budget {id}");
    public static NotFound ProjectNotFound(long id) => NotFound.Of($"โครงการเลขที่ {id}", $"Project {id}");

    public async Task<BudgetView> CreateAsync(Caller caller, CreateBudget cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        v.Check(cmd.Program is not null && Programs.All.Contains(cmd.Program), "program",
            "โครงการต้องเป็น BPP (บ้านพอเพียง) หรือ BMK (บ้านมั่นคง)", "The program must be BPP (Baan Por Piang) or BMK (Baan Mankong).");
        v.Check(cmd.FiscalYear is >= 2540 and <= 2700, "fiscalYear",
            "ปีงบประมาณต้องเป็นปีพุทธศักราช 2540–2700", "The fiscal year must be a Buddhist Era year from 2540 to 2700.");
        v.Check(cmd.TargetHouseholds is > 0 and <= 1_000_000, "targetHouseholds",
            "เป้าหมายจำนวนครัวเรือนต้องมากกว่าศูนย์", "The target households must be more than zero.");
        v.Money(cmd.Amount, "amount");
        var province = cmd.ProvinceCode?.Trim() ?? "";

        await using var conn = await db.OpenConnectionAsync(ct);
        var known = await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM provinces WHERE code = @province)", new { province });
        v.Check(known, "provinceCode", "ไม่พบรหัสจังหวัดนี้", "There is no province with this code.");
        v.ThrowIfInvalid();
        if (!caller.CanManage(province)) throw new Forbidden();

        await using var tx = await conn.BeginTransactionAsync(ct);
        var id = await conn.ExecuteScalarAsync<long?>("""
            INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount, created_by)
            VALUES (@Program, @FiscalYear, @province, @TargetHouseholds, @Amount, @ActorId)
            ON CONFLICT ON CONSTRAINT budgets_program_year_province_key DO NOTHING
            RETURNING id
            """, new { cmd.Program, cmd.FiscalYear, province, cmd.TargetHouseholds, cmd.Amount, caller.ActorId }, tx);
        if (id is null)
        {
            var existing = await conn.ExecuteScalarAsync<long>(
                "SELECT id FROM budgets WHERE program = @Program AND fiscal_year = @FiscalYear AND province_code = @province",
                new { cmd.Program, cmd.FiscalYear, province }, tx);
            throw new Conflict($"จังหวัดนี้มีงบประมาณ{Programs.Name(cmd.Program!).Th} ปี {cmd.FiscalYear} แล้ว (เลขที่ {existing})",
                $"This province already has a {Programs.Name(cmd.Program!).En} budget for {cmd.FiscalYear} (number {existing}).")
            { Extensions = { ["existingId"] = existing } };
        }
        var view = await conn.QuerySingleAsync<BudgetView>(BudgetSql + " WHERE b.id = @id", new { id }, tx);
        await Audit.WriteAsync(conn, tx, caller, "budget.create", "budget", id, null, view, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    public async Task<IReadOnlyList<BudgetView>> ListAsync(Caller caller, int? fiscalYear = null, string? program = null, string? provinceCode = null,
        CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<BudgetView>(BudgetSql + """
             WHERE (@fiscalYear::int IS NULL OR b.fiscal_year = @fiscalYear)
               AND (@program::text IS NULL OR b.program = @program)
               AND (@provinceCode::text IS NULL OR b.province_code = @provinceCode)
               AND (@provinces::text[] IS NULL OR b.province_code = ANY(@provinces))
             ORDER BY b.fiscal_year DESC, b.province_code, b.program
             """, new { fiscalYear, program, provinceCode, provinces = caller.ReadableProvinces })).ToList();
    }

    /// <summary>A budget and the projects the caller may see (a treasurer sees its own subdistricts').</summary>
    public async Task<BudgetDetail> GetAsync(Caller caller, long id, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var budget = await conn.QuerySingleOrDefaultAsync<BudgetView>(BudgetSql + " WHERE b.id = @id", new { id });
        if (budget is null || !caller.CanReadProvince(budget.ProvinceCode)) throw BudgetNotFound(id);
        var projects = await conn.QueryAsync<ProjectView>(ProjectSql + """
             WHERE p.budget_id = @id AND (@subdistricts::text[] IS NULL OR p.subdistrict_code = ANY(@subdistricts))
             ORDER BY p.id
             """, new { id, subdistricts = caller.ReadableSubdistricts });
        return new BudgetDetail(budget, projects.ToList());
    }

    /// <summary>Adds a project under a budget. The budget row is locked first, so two staff adding projects
    /// at once queue, and the projects' amounts never pass the budget.</summary>
    public async Task<ProjectView> CreateProjectAsync(Caller caller, long budgetId, CreateProject cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        v.Required(cmd.Name, "name", "ชื่อโครงการ", "The project name");
        v.Optional(cmd.CommunityName?.Trim(), "communityName", "ชื่อชุมชน", "The community name", 200);
        v.Check(cmd.TargetHouseholds is > 0 and <= 1_000_000, "targetHouseholds",
            "เป้าหมายจำนวนครัวเรือนต้องมากกว่าศูนย์", "The target households must be more than zero.");
        v.Money(cmd.Amount, "amount");
        var subdistrict = cmd.SubdistrictCode?.Trim() ?? "";
        var community = string.IsNullOrWhiteSpace(cmd.CommunityName) ? null : cmd.CommunityName.Trim();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // An outsider's statement finds (and locks) nothing; a second, non-locking look-up then tells 404 from 403.
        var budget = await conn.QuerySingleOrDefaultAsync<(string Program, int FiscalYear, string ProvinceCode, decimal Amount)>(
            $"SELECT program, fiscal_year, province_code, amount FROM budgets WHERE id = @budgetId AND {Areas.Writable("province_code")} FOR UPDATE",
            Areas.Args(caller, AreaRight.Manage, new { budgetId }), tx);
        if (budget.Program is null)
            throw Areas.Refusal(caller, await conn.ExecuteScalarAsync<string?>("SELECT province_code FROM budgets WHERE id = @budgetId", new { budgetId }, tx),
                () => BudgetNotFound(budgetId));
        if (budget.Program == Programs.BaanMankong)
            v.Required(community, "communityName", "ชื่อชุมชน", "The community name");
        var inProvince = await conn.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM subdistricts WHERE code = @subdistrict AND left(code, 2) = @ProvinceCode)",
            new { subdistrict, budget.ProvinceCode }, tx);
        v.Check(inProvince, "subdistrictCode", "ตำบลต้องอยู่ในจังหวัดของงบประมาณนี้", "The subdistrict must be in this budget's province.");
        v.ThrowIfInvalid();

        var projected = await conn.ExecuteScalarAsync<decimal>(
            "SELECT coalesce(sum(amount), 0) FROM projects WHERE budget_id = @budgetId AND cancelled_at IS NULL", new { budgetId }, tx);
        var left = budget.Amount - projected;
        if (cmd.Amount > left)
            throw new Conflict($"เกินงบประมาณ: เหลือให้แบ่งได้อีก {Thai.Baht(left, Thai.ThaiCulture)}",
                $"Over the budget: {Thai.Baht(left, Thai.EnglishCulture)} is left to share out.")
            { Extensions = { ["remaining"] = left } };

        var id = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO projects (budget_id, subdistrict_code, name, community_name, target_households, amount, created_by)
            VALUES (@budgetId, @subdistrict, @name, @community, @TargetHouseholds, @Amount, @ActorId)
            RETURNING id
            """, new { budgetId, subdistrict, name = cmd.Name!.Trim(), community, cmd.TargetHouseholds, cmd.Amount, caller.ActorId }, tx);
        var view = await conn.QuerySingleAsync<ProjectView>(ProjectSql + " WHERE p.id = @id", new { id }, tx);
        await Audit.WriteAsync(conn, tx, caller, "project.create", "project", id, null, view, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    public async Task<ProjectView> GetProjectAsync(Caller caller, long id, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var project = await conn.QuerySingleOrDefaultAsync<ProjectView>(ProjectSql + " WHERE p.id = @id", new { id });
        if (project is null || !caller.CanRead(project.SubdistrictCode)) throw ProjectNotFound(id);
        return project;
    }
}
