using Dapper;
using Housing.Access;
using Housing.Milestones;
using Npgsql;

namespace Housing.Attention;

public static class Kinds
{
    public const string Stalled = "stalled", CashIdle = "cash_idle", NoPhoto = "no_photo", FiscalYearEnd = "fiscal_year_end",
        FundedAgain = "funded_again", TrancheUnlocked = "tranche_unlocked", PaymentWaiting = "payment_waiting";
    public static readonly string[] All = [Stalled, CashIdle, NoPhoto, FiscalYearEnd, FundedAgain, TrancheUnlocked, PaymentWaiting];

    public static Msg Name(string kind) => kind switch
    {
        Stalled => new("บ้านไม่คืบหน้า", "Home not moving"),
        CashIdle => new("เงินค้างในบัญชี", "Cash sitting idle"),
        NoPhoto => new("เสร็จแล้วไม่มีรูป", "Completed without a photo"),
        FiscalYearEnd => new("ใกล้สิ้นปีงบประมาณ", "Fiscal year ending"),
        FundedAgain => new("ได้รับการสนับสนุนซ้ำ", "Funded again"),
        TrancheUnlocked => new("งวดเงินปลดล็อกแล้วยังไม่ได้รับ", "Tranche unlocked, not received"),
        PaymentWaiting => new("จ่ายครบตามขั้นตอน รอขั้นถัดไป", "Payment waiting on a stage"),
        _ => new(kind, kind),
    };
}

/// <summary>
/// One flag with where it is and what it is about. <see cref="Since"/> is the day its cause began: the home's last
/// stage (stalled), the last payment or the first money in (cash_idle), the day completed (no_photo), 60 days before
/// the fiscal year ends (fiscal_year_end), the day of the second allocation (funded_again), the last money in or the
/// project's creation (tranche_unlocked), the home's last stage (payment_waiting).
/// </summary>
public sealed record AttentionFlag(string Kind, long ProjectId, long? AllocationId, string SubdistrictCode, DateOnly Since,
    string? Stage, decimal? Amount, int? Homes, long? OtherAllocationId, int FiscalYear, string Program, string ProjectName,
    string? HouseholdName, string SubdistrictNameTh, string SubdistrictNameEn, string DistrictCode, string DistrictNameTh, string DistrictNameEn)
{
    /// <summary>The flag in a sentence, as of <paramref name="today"/>.</summary>
    public Msg Detail(DateOnly today)
    {
        var days = today.DayNumber - Since.DayNumber;
        var stage = MilestoneService.Stages.FirstOrDefault(s => s.Code == Stage);
        return Kind switch
        {
            Kinds.Stalled when stage is null => new($"ยังไม่บันทึกความคืบหน้า {days} วัน", $"No stage recorded for {days} days"),
            Kinds.Stalled => new($"ไม่คืบหน้า {days} วัน (ขั้นล่าสุด: {stage.NameTh})", $"No progress for {days} days (last stage: {stage.NameEn})"),
            Kinds.CashIdle => new($"เงินคงเหลือ {Thai.Baht(Amount ?? 0, Thai.ThaiCulture)} ไม่มีการจ่าย {days} วัน",
                $"{Thai.Baht(Amount ?? 0, Thai.EnglishCulture)} on hand, nothing paid for {days} days"),
            Kinds.NoPhoto => new($"{stage?.NameTh ?? "แล้วเสร็จ"} แต่ไม่มีรูปถ่าย", $"{stage?.NameEn ?? "Completed"} without a photo"),
            Kinds.FiscalYearEnd => FiscalYearEnd(),
            Kinds.FundedAgain => new($"ครัวเรือนนี้ได้รับการจัดสรรแล้ว (รายการที่ {OtherAllocationId})",
                $"This household already holds allocation {OtherAllocationId}"),
            Kinds.TrancheUnlocked => new($"งวดที่ {Homes} ปลดล็อกแล้ว: ขอรับโอนจาก พอช. ได้อีก {Thai.Baht(Amount ?? 0, Thai.ThaiCulture)}",
                $"Tranche {Homes} is unlocked: {Thai.Baht(Amount ?? 0, Thai.EnglishCulture)} more may be received from CODI"),
            Kinds.PaymentWaiting => new($"จ่ายครบ {Thai.Baht(Amount ?? 0, Thai.ThaiCulture)} ตามขั้นตอนแล้ว รอขั้น{stage?.NameTh ?? Stage} ก่อนจ่ายต่อ",
                $"Paid the {Thai.Baht(Amount ?? 0, Thai.EnglishCulture)} its stages allow; the rest waits for {stage?.NameEn ?? Stage}"),
            _ => new(Kind, Kind),
        };
    }

    Msg FiscalYearEnd()
    {
        var end = Thai.FiscalYearDates(FiscalYear).Last;
        return new($"ปีงบประมาณ {FiscalYear} สิ้นสุด {Thai.Date(end, Thai.ThaiCulture)}: ยังจ่ายไม่ครบ {Homes} หลัง ค้าง {Thai.Baht(Amount ?? 0, Thai.ThaiCulture)}",
            $"Fiscal year {FiscalYear} ends {Thai.Date(end, Thai.EnglishCulture)}: {Homes} homes not fully paid, {Thai.Baht(Amount ?? 0, Thai.EnglishCulture)} left");
    }
}

/// <summary>The caller's flags and their count: by province and kind, oldest first; <see cref="Offset"/> and
/// <see cref="Limit"/> take one page of them.</summary>
public sealed record AttentionQuery(string? ProvinceCode = null, string? Kind = null, int? Limit = null, int? FiscalYear = null, string? Program = null,
    int Offset = 0);

/// <summary>
/// Reads the flags (<see cref="AttentionRefresh"/> keeps them) within the caller's area, decided here before any row
/// is read: staff and viewers their provinces, treasurers their subdistricts' projects, admins everything.
/// </summary>
public sealed class AttentionService(NpgsqlDataSource db, TimeProvider clock)
{
    public DateOnly Today => Thai.Today(clock);

    /// <summary>One page of the flags, read within <paramref name="within"/> (the rollup workbook's snapshot) or on a connection of its own.</summary>
    public async Task<IReadOnlyList<AttentionFlag>> ListAsync(Caller caller, AttentionQuery q, CancellationToken ct = default, NpgsqlTransaction? within = null)
    {
        var (province, kind) = Validate(caller, q);
        await using var own = within is null ? await db.OpenConnectionAsync(ct) : null;
        var conn = within?.Connection ?? own!;
        // A transaction only for SET LOCAL: the planner's estimate for a province passes jit_above_cost, and compiling the plan
        // took longer than running it.
        await using var ownTx = within is null ? await conn.BeginTransactionAsync(ct) : null;
        var tx = within ?? ownTx!;
        await conn.ExecuteAsync(new CommandDefinition("SET LOCAL jit = off", transaction: tx, cancellationToken: ct));
        // The page's flags first (the province's flags sorted, top-N), then the names of those alone: joined before the
        // LIMIT, a province of 20,000 flags looked up 20,000 homes and households for a page of 500 (p50 100 ms).
        return (await conn.QueryAsync<AttentionFlag>(new CommandDefinition("""
            WITH page AS MATERIALIZED (
                SELECT f.* FROM attention_flags f
                WHERE (@provinces::text[] IS NULL OR f.province_code = ANY(@provinces::text[]))
                  AND (@subdistricts::text[] IS NULL OR f.subdistrict_code = ANY(@subdistricts::text[]))
                  AND (@province::text IS NULL OR f.province_code = @province)
                  AND (@kind::text IS NULL OR f.kind = @kind)
                  AND (@fiscalYear::int IS NULL OR f.fiscal_year = @fiscalYear) AND (@program::text IS NULL OR f.program = @program)
                ORDER BY f.since, f.kind, f.project_id, f.allocation_id
                LIMIT @limit::int OFFSET @offset)
            SELECT f.kind, f.project_id, f.allocation_id, f.subdistrict_code, f.since, f.stage, f.amount, f.homes, f.other_allocation_id,
                   f.fiscal_year, f.program, p.name AS project_name, h.head_name AS household_name,
                   s.name_th AS subdistrict_name_th, s.name_en AS subdistrict_name_en, d.code AS district_code,
                   d.name_th AS district_name_th, d.name_en AS district_name_en
            FROM page f
            JOIN projects p ON p.id = f.project_id
            JOIN subdistricts s ON s.code = f.subdistrict_code
            JOIN districts d ON d.code = s.district_code
            LEFT JOIN allocations a ON a.id = f.allocation_id
            LEFT JOIN households h ON h.id = a.household_id
            ORDER BY f.since, f.kind, f.project_id, f.allocation_id
            """, new { offset = Math.Max(0, q.Offset), provinces = caller.ReadableProvinces, subdistricts = caller.ReadableSubdistricts, province, kind, fiscalYear = q.FiscalYear, program = q.Program,
                limit = q.Limit is int l ? Math.Clamp(l, 1, 100_000) : (int?)null }, tx, cancellationToken: ct))).ToList();
    }

    /// <summary>How many flags of each kind the caller's area (or one province of it) has, every kind listed.</summary>
    public async Task<IReadOnlyList<(string Kind, int Count)>> CountsAsync(Caller caller, string? provinceCode = null, CancellationToken ct = default)
    {
        var (province, _) = Validate(caller, new AttentionQuery(provinceCode));
        await using var conn = await db.OpenConnectionAsync(ct);
        var counts = (await conn.QueryAsync<(string Kind, int Count)>(new CommandDefinition("""
            SELECT kind, count(*)::int FROM attention_flags f
            WHERE (@provinces::text[] IS NULL OR f.province_code = ANY(@provinces::text[]))
              AND (@subdistricts::text[] IS NULL OR f.subdistrict_code = ANY(@subdistricts::text[]))
              AND (@province::text IS NULL OR f.province_code = @province)
            GROUP BY kind
            """, new { provinces = caller.ReadableProvinces, subdistricts = caller.ReadableSubdistricts, province }, cancellationToken: ct)))
            .ToDictionary(c => c.Kind, c => c.Count);
        return Kinds.All.Select(k => (k, counts.GetValueOrDefault(k))).ToList();
    }

    /// <summary>How many flags there are in a year (and program, and province) of the caller's area, every kind: the whole that
    /// <see cref="ListAsync"/> pages through, summed from each project's count as the rollups sum them.</summary>
    public async Task<int> CountAsync(Caller caller, int fiscalYear, string? program, string? provinceCode, CancellationToken ct = default,
        NpgsqlTransaction? within = null)
    {
        var (province, _) = Validate(caller, new AttentionQuery(provinceCode));
        await using var own = within is null ? await db.OpenConnectionAsync(ct) : null;
        var conn = within?.Connection ?? own!;
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition("""
            SELECT coalesce(sum(f.flags), 0)::int FROM attention_counts f
            WHERE f.fiscal_year = @fiscalYear AND (@program::text IS NULL OR f.program = @program)
              AND (@provinces::text[] IS NULL OR f.province_code = ANY(@provinces::text[]))
              AND (@subdistricts::text[] IS NULL OR f.subdistrict_code = ANY(@subdistricts::text[]))
              AND (@province::text IS NULL OR f.province_code = @province)
            """, new { fiscalYear, program, provinces = caller.ReadableProvinces, subdistricts = caller.ReadableSubdistricts, province }, within,
            cancellationToken: ct));
    }

    /// <summary>How many flags the caller's area has, and the <paramref name="oldest"/> oldest (the home page).</summary>
    public async Task<(int Count, IReadOnlyList<AttentionFlag> Oldest)> SummaryAsync(Caller caller, int oldest = 3, CancellationToken ct = default)
    {
        var count = (await CountsAsync(caller, null, ct)).Sum(c => c.Count);
        return (count, count == 0 ? [] : await ListAsync(caller, new AttentionQuery(Limit: oldest), ct));
    }

    (string? Province, string? Kind) Validate(Caller caller, AttentionQuery q)
    {
        var v = new Validator();
        var province = string.IsNullOrWhiteSpace(q.ProvinceCode) ? null : q.ProvinceCode.Trim();
        v.Check(province is null || province is { Length: 2 } && province.All(char.IsAsciiDigit), "provinceCode",
            "รหัสจังหวัดต้องเป็นตัวเลข 2 หลัก", "A province code is 2 digits.");
        var kind = string.IsNullOrWhiteSpace(q.Kind) ? null : q.Kind.Trim();
        v.Check(kind is null || Kinds.All.Contains(kind), "kind", "ประเภทต้องเป็น stalled, cash_idle, no_photo, fiscal_year_end, funded_again, tranche_unlocked หรือ payment_waiting",
            "The kind must be stalled, cash_idle, no_photo, fiscal_year_end, funded_again, tranche_unlocked or payment_waiting.");
        v.ThrowIfInvalid();
        if (province is not null && !caller.CanReadProvince(province)) throw NotFound.Of($"จังหวัดรหัส {province}", $"Province {province}");
        return (province, kind);
    }
}
