namespace Housing.Access;

public enum Role { Admin, ProvincialStaff, Treasurer, Viewer }

/// <summary>
/// Who is asking, with their role and area. Every service method takes one and asks it before it
/// reads or writes: this is the one place the rules of API.md's role table live.
/// Areas: ProvincialStaff and Viewer by province codes (a Viewer with none reads everywhere),
/// Treasurer by subdistrict codes.
/// </summary>
public sealed record Caller(long UserId, string Username, Role Role, IReadOnlyList<string> ProvinceCodes, IReadOnlyList<string> SubdistrictCodes)
{
    /// <summary>The app itself (demo data, jobs): everything, and no user id in the audit log.</summary>
    public static readonly Caller System = new(0, "system", Role.Admin, [], []);

    public bool IsAdmin => Role == Role.Admin;
    public long? ActorId => UserId == 0 ? null : UserId;

    static string ProvinceOf(string code) => code.Length >= 2 ? code[..2] : code;

    /// <summary>May read what belongs to this subdistrict (projects, households, ledgers, milestones)?</summary>
    public bool CanRead(string subdistrictCode) => Role switch
    {
        Role.Admin => true,
        Role.ProvincialStaff => ProvinceCodes.Contains(ProvinceOf(subdistrictCode)),
        Role.Treasurer => SubdistrictCodes.Contains(subdistrictCode),
        Role.Viewer => ProvinceCodes.Count == 0 || ProvinceCodes.Contains(ProvinceOf(subdistrictCode)),
        _ => false,
    };

    /// <summary>May read province-level figures (budgets, rollups) of this province? A Treasurer reads
    /// the provinces its subdistricts are in.</summary>
    public bool CanReadProvince(string provinceCode) => Role switch
    {
        Role.Admin => true,
        Role.ProvincialStaff => ProvinceCodes.Contains(provinceCode),
        Role.Treasurer => SubdistrictCodes.Any(s => ProvinceOf(s) == provinceCode),
        Role.Viewer => ProvinceCodes.Count == 0 || ProvinceCodes.Contains(provinceCode),
        _ => false,
    };

    /// <summary>May set budgets, projects, households, allocations here (a province or anything below it)?</summary>
    public bool CanManage(string code) => Role switch
    {
        Role.Admin => true,
        Role.ProvincialStaff => ProvinceCodes.Contains(ProvinceOf(code)),
        _ => false,
    };

    /// <summary>May record transfers received, payments and reversals in this subdistrict's projects?</summary>
    public bool CanRecordMoney(string subdistrictCode) => Role switch
    {
        Role.Admin => true,
        Role.Treasurer => SubdistrictCodes.Contains(subdistrictCode),
        _ => false,
    };

    /// <summary>May register households and import them somewhere (the rows then say where, each checked with <see cref="CanManage"/>)?</summary>
    public bool CanManageSomewhere => Role is Role.Admin or Role.ProvincialStaff;

    /// <summary>May see the background jobs and ask for a run? Rollups are everyone's figures, so any staff may refresh them.</summary>
    public bool CanRunJobs => Role is Role.Admin or Role.ProvincialStaff;

    /// <summary>Milestones: the area's staff and its treasurers.</summary>
    public bool CanRecordMilestone(string subdistrictCode) => CanManage(subdistrictCode) || CanRecordMoney(subdistrictCode);

    /// <summary>Province codes to filter reads by, or null for everywhere (Treasurers: their subdistricts' provinces).</summary>
    public string[]? ReadableProvinces => Role switch
    {
        Role.Admin => null,
        Role.Viewer when ProvinceCodes.Count == 0 => null,
        Role.Treasurer => SubdistrictCodes.Select(ProvinceOf).Distinct().ToArray(),
        _ => ProvinceCodes.ToArray(),
    };

    /// <summary>Subdistrict codes to filter reads by, or null where the province filter is the whole rule.</summary>
    public string[]? ReadableSubdistricts => Role == Role.Treasurer ? SubdistrictCodes.ToArray() : null;

    /// <summary>Throws 404 for what the caller may not read (so its existence does not leak).</summary>
    public void EnsureCanRead(string subdistrictCode, Func<NotFound> notFound)
    {
        if (!CanRead(subdistrictCode)) throw notFound();
    }

    /// <summary>Throws 404 when the caller cannot even see it, 403 when it can see it but not do this.</summary>
    public void EnsureAllowed(bool allowed, string subdistrictOrProvinceCode, Func<NotFound> notFound)
    {
        if (allowed) return;
        var visible = subdistrictOrProvinceCode.Length == 2 ? CanReadProvince(subdistrictOrProvinceCode) : CanRead(subdistrictOrProvinceCode);
        throw visible ? new Forbidden() : notFound();
    }

    public void EnsureAdmin()
    {
        if (!IsAdmin) throw new Forbidden(new Msg("เฉพาะผู้ดูแลระบบ", "Only an administrator may do this."));
    }
}
