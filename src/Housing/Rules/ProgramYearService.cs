using System.Text.Json;
using Dapper;
using Housing.Access;
using Housing.Budgets;
using Npgsql;

namespace Housing.Rules;

/// <summary>A tranche of a project's money from CODI: <see cref="Share"/> % of the project's amount, received once
/// <see cref="HomesPercent"/> % of its homes reached <see cref="Stage"/> (with a photo there when <see cref="Photo"/>).</summary>
public sealed record Tranche(decimal? Share, string? Stage = null, decimal? HomesPercent = null, bool? Photo = null);

/// <summary>A home may be paid up to <see cref="PayableShare"/> % of its allocation once it reached <see cref="Stage"/>.</summary>
public sealed record PaymentGate(string? Stage, decimal? PayableShare, bool? Photo = null);

public sealed record ProgramYear(string Program, int FiscalYear, decimal? CapPerHome, IReadOnlyList<Tranche>? Tranches, IReadOnlyList<PaymentGate>? PaymentGates);

public sealed record SetProgramYear(decimal? CapPerHome, Tranche[]? Tranches, PaymentGate[]? PaymentGates);

/// <summary>
/// The rules of one program in one fiscal year, set by Admins: the cap per home (enforced by the allocations), and the
/// tranches and payment gates (kept as given, their shape checked, for the evidence rules to enforce). A PUT replaces
/// all three: a field left out is cleared.
/// </summary>
public sealed class ProgramYearService(NpgsqlDataSource db)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    sealed record Row(string Program, int FiscalYear, decimal? CapPerHome, string? Tranches, string? PaymentGates);

    static void CheckKey(string program, int fiscalYear)
    {
        var v = new Validator();
        v.Check(Programs.All.Contains(program), "program", "โครงการต้องเป็น BPP (บ้านพอเพียง) หรือ BMK (บ้านมั่นคง)", "The program must be BPP (Baan Por Piang) or BMK (Baan Mankong).");
        v.Check(fiscalYear is >= 2540 and <= 2700, "fiscalYear", "ปีงบประมาณต้องเป็นปีพุทธศักราช 2540–2700", "The fiscal year must be a Buddhist Era year from 2540 to 2700.");
        v.ThrowIfInvalid();
    }

    /// <summary>The year's rules; every field null where not set (also for a year nobody set).</summary>
    public async Task<ProgramYear> GetAsync(string program, int fiscalYear, CancellationToken ct = default)
    {
        CheckKey(program, fiscalYear);
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition("""
            SELECT program, fiscal_year, cap_per_home, tranches::text AS tranches, payment_gates::text AS payment_gates
            FROM program_years WHERE program = @program AND fiscal_year = @fiscalYear
            """, new { program, fiscalYear }, cancellationToken: ct));
        return View(row) ?? new ProgramYear(program, fiscalYear, null, null, null);
    }

    /// <summary>Every year set for the program, newest first (the Admins' page).</summary>
    public async Task<IReadOnlyList<ProgramYear>> ListAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition("""
            SELECT program, fiscal_year, cap_per_home, tranches::text AS tranches, payment_gates::text AS payment_gates
            FROM program_years ORDER BY program, fiscal_year DESC
            """, cancellationToken: ct));
        return rows.Select(r => View(r)!).ToList();
    }

    public async Task<ProgramYear> SetAsync(Caller caller, string program, int fiscalYear, SetProgramYear cmd, CancellationToken ct = default)
    {
        caller.EnsureAdmin();
        CheckKey(program, fiscalYear);
        var v = new Validator();
        if (cmd.CapPerHome is not null) v.Money(cmd.CapPerHome, "capPerHome");
        CheckTranches(v, cmd.Tranches);
        CheckGates(v, cmd.PaymentGates);
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var before = View(await conn.QuerySingleOrDefaultAsync<Row>("""
            SELECT program, fiscal_year, cap_per_home, tranches::text AS tranches, payment_gates::text AS payment_gates
            FROM program_years WHERE program = @program AND fiscal_year = @fiscalYear FOR UPDATE
            """, new { program, fiscalYear }, tx));
        var row = await conn.QuerySingleAsync<Row>("""
            INSERT INTO program_years (program, fiscal_year, cap_per_home, tranches, payment_gates, updated_by)
            VALUES (@program, @fiscalYear, @CapPerHome, @tranches::jsonb, @gates::jsonb, @ActorId)
            ON CONFLICT (program, fiscal_year) DO UPDATE SET cap_per_home = excluded.cap_per_home, tranches = excluded.tranches,
                payment_gates = excluded.payment_gates, updated_at = now(), updated_by = excluded.updated_by
            RETURNING program, fiscal_year, cap_per_home, tranches::text AS tranches, payment_gates::text AS payment_gates
            """, new
            {
                program, fiscalYear, cmd.CapPerHome, caller.ActorId,
                tranches = cmd.Tranches is null ? null : JsonSerializer.Serialize(cmd.Tranches, Json),
                gates = cmd.PaymentGates is null ? null : JsonSerializer.Serialize(cmd.PaymentGates, Json),
            }, tx);
        var after = View(row)!;
        await Audit.WriteAsync(conn, tx, caller, "program_year.set", "program_year", $"{program}/{fiscalYear}", before, after, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    static ProgramYear? View(Row? r) => r is null ? null : new ProgramYear(r.Program, r.FiscalYear, r.CapPerHome,
        r.Tranches is null ? null : JsonSerializer.Deserialize<Tranche[]>(r.Tranches, Json),
        r.PaymentGates is null ? null : JsonSerializer.Deserialize<PaymentGate[]>(r.PaymentGates, Json));

    static bool IsStage(string? stage) => Milestones.MilestoneService.Stages.Any(s => s.Code == stage);

    static int StageOrder(string? stage) => Array.FindIndex(Milestones.MilestoneService.Stages, s => s.Code == stage);

    static bool Percent(decimal? p) => p is > 0 and <= 100 && decimal.Round(p.Value, 2) == p;

    /// <summary>Shares of 0–100 % adding up to at most 100, each with a known stage if any, and a homes' percentage only with a stage.</summary>
    static void CheckTranches(Validator v, Tranche[]? tranches)
    {
        if (tranches is null) return;
        v.Check(tranches.Length <= 20, "tranches", "งวดเงินได้ไม่เกิน 20 งวด", "At most 20 tranches.");
        for (var i = 0; i < tranches.Length; i++)
        {
            var t = tranches[i];
            var field = $"tranches[{i}]";
            if (t is null) { v.Add(field, "งวดเงินว่าง", "The tranche is empty."); continue; }
            v.Check(Percent(t.Share), $"{field}.share", "สัดส่วนต้องมากกว่า 0 และไม่เกิน 100 (ทศนิยมไม่เกิน 2 ตำแหน่ง)", "The share must be above 0 and at most 100 (2 decimals at most).");
            v.Check(t.Stage is null || IsStage(t.Stage), $"{field}.stage", "ไม่รู้จักขั้นตอนนี้", "Unknown stage.");
            v.Check(t.HomesPercent is null || (Percent(t.HomesPercent) && t.Stage is not null), $"{field}.homesPercent",
                "ร้อยละของบ้านต้องมากกว่า 0 ไม่เกิน 100 และมีขั้นตอนกำกับ", "The homes' percentage must be above 0, at most 100, and go with a stage.");
            v.Check(t.Photo is not true || t.Stage is not null, $"{field}.photo", "ต้องมีขั้นตอนจึงจะกำหนดให้มีรูปถ่าย", "A photo needs a stage.");
        }
        if (tranches.All(t => t is not null && Percent(t.Share)))
            v.Check(tranches.Sum(t => t.Share!.Value) <= 100, "tranches", "สัดส่วนรวมกันเกินร้อยละ 100", "The shares add up to more than 100 %.");
    }

    /// <summary>Gates on known stages in stage order, each payable share 0–100 % and not below the one before.</summary>
    static void CheckGates(Validator v, PaymentGate[]? gates)
    {
        if (gates is null) return;
        v.Check(gates.Length <= 7, "paymentGates", "เงื่อนไขการจ่ายได้ไม่เกิน 7 ขั้น", "At most 7 payment gates.");
        for (var i = 0; i < gates.Length; i++)
        {
            var g = gates[i];
            var field = $"paymentGates[{i}]";
            if (g is null) { v.Add(field, "เงื่อนไขว่าง", "The gate is empty."); continue; }
            v.Check(IsStage(g.Stage), $"{field}.stage", "ไม่รู้จักขั้นตอนนี้", "Unknown stage.");
            v.Check(Percent(g.PayableShare), $"{field}.payableShare", "สัดส่วนที่จ่ายได้ต้องมากกว่า 0 และไม่เกิน 100", "The payable share must be above 0 and at most 100.");
            if (i > 0 && gates[i - 1] is { } prev && IsStage(prev.Stage) && IsStage(g.Stage))
            {
                v.Check(StageOrder(g.Stage) > StageOrder(prev.Stage), $"{field}.stage", "ขั้นตอนต้องเรียงตามลำดับ", "The stages must be in order.");
                v.Check(g.PayableShare >= prev.PayableShare, $"{field}.payableShare", "สัดส่วนต้องไม่ลดลงจากขั้นก่อน", "The share must not go down from the gate before.");
            }
        }
    }
}
