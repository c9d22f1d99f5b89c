using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Households;

public sealed record RegisterHousehold(string? CitizenId, string? HeadName, string? HouseNo, int? VillageNo, string? SubdistrictCode,
    int? Members, decimal? MonthlyIncome, string[]? Vulnerabilities = null, string? HousingProblem = null, string? LandTenure = null);

/// <summary>A household as the caller may see it: <see cref="CitizenId"/> is null (only the mask is given)
/// except on the detail read for an administrator or the household's own area staff.</summary>
public sealed record HouseholdView(long Id, string CitizenIdMasked, string? CitizenId, string HeadName, string HouseNo, int? VillageNo,
    string SubdistrictCode, string SubdistrictNameTh, string SubdistrictNameEn, string DistrictNameTh, string DistrictNameEn,
    int Members, decimal MonthlyIncome, string[] Vulnerabilities, string? HousingProblem, string? LandTenure, DateTime CreatedAt)
{
    /// <summary>In a search only (null elsewhere): <c>unallocated</c>, <c>not_started</c>, or the stage code of the household's latest
    /// live allocation (of the project searched, when one is).</summary>
    public string? Status { get; init; }
}

/// <summary>The closed lists of the register, with their names in both languages (pages and the import use them).</summary>
public static class HouseholdLists
{
    public static readonly (string Code, Msg Name)[] Vulnerabilities =
    [
        ("elderly", new("ผู้สูงอายุ", "Elderly")),
        ("disabled", new("ผู้พิการ", "Disabled")),
        ("bedridden", new("ผู้ป่วยติดเตียง", "Bedridden")),
        ("young_children", new("เด็กเล็ก", "Young children")),
    ];

    public static readonly (string Code, Msg Name)[] LandTenures =
    [
        ("owned", new("เป็นเจ้าของ", "Owned")),
        ("rented", new("เช่า", "Rented")),
        ("permitted", new("อาศัยโดยได้รับอนุญาต", "Permitted")),
        ("public_land", new("ที่ดินสาธารณะ/ที่ดินรัฐ", "Public land")),
        ("encroached", new("บุกรุก", "Encroached")),
        ("other", new("อื่น ๆ", "Other")),
    ];

    public static Msg Name((string Code, Msg Name)[] list, string code) => list.FirstOrDefault(x => x.Code == code).Name is { Th: not null } n ? n : new(code, code);
}

/// <summary>The household register: one record per head of household (citizen ID), so a home is never funded twice.</summary>
public sealed partial class HouseholdService(NpgsqlDataSource db)
{
    // Init properties: vulnerabilities is a text[] (see the brief on Dapper and arrays).
    sealed record Row
    {
        public long Id { get; init; }
        public string CitizenId { get; init; } = "";
        public string HeadName { get; init; } = "";
        public string HouseNo { get; init; } = "";
        public int? VillageNo { get; init; }
        public string SubdistrictCode { get; init; } = "";
        public string SubdistrictNameTh { get; init; } = "";
        public string SubdistrictNameEn { get; init; } = "";
        public string DistrictNameTh { get; init; } = "";
        public string DistrictNameEn { get; init; } = "";
        public int Members { get; init; }
        public decimal MonthlyIncome { get; init; }
        public string[] Vulnerabilities { get; init; } = [];
        public string? HousingProblem { get; init; }
        public string? LandTenure { get; init; }
        public DateTime CreatedAt { get; init; }
        public long Total { get; init; }

        public HouseholdView View(bool showId) => new(Id, Housing.CitizenId.Mask(CitizenId), showId ? CitizenId : null, HeadName, HouseNo, VillageNo,
            SubdistrictCode, SubdistrictNameTh, SubdistrictNameEn, DistrictNameTh, DistrictNameEn, Members, MonthlyIncome, Vulnerabilities,
            HousingProblem, LandTenure, CreatedAt);
    }

    const string Select = """
        SELECT h.id, h.citizen_id, h.head_name, h.house_no, h.village_no, h.subdistrict_code,
               s.name_th AS subdistrict_name_th, s.name_en AS subdistrict_name_en, d.name_th AS district_name_th, d.name_en AS district_name_en,
               h.members, h.monthly_income, h.vulnerabilities, h.housing_problem, h.land_tenure, h.created_at
        FROM households h JOIN subdistricts s ON s.code = h.subdistrict_code JOIN districts d ON d.code = s.district_code
        """ + "\n"; // ends in a newline, so a WHERE can follow

    public static NotFound HouseholdNotFound(long id) => NotFound.Of($"ครัวเรือนเลขที่ {id}", $"Household {id}");

    public static Conflict AlreadyRegistered(long existingId) => new Conflict(
        $"เลขประจำตัวประชาชนนี้ลงทะเบียนแล้ว (ครัวเรือนเลขที่ {existingId}): บ้านหนึ่งหลังได้รับการสนับสนุนได้ครั้งเดียว",
        $"This citizen ID is already registered (household {existingId}): a home is not funded twice.")
    { Extensions = { ["existingId"] = existingId } };

    /// <summary>The register's field rules, shared with the bulk import so a row and a form are judged alike.
    /// Returns the cleaned values; adds errors to <paramref name="v"/>.</summary>
    public static RegisterHousehold Validate(RegisterHousehold cmd, Validator v)
    {
        // Most IDs come as 13 plain digits (and the bulk import sends many): normalise only what needs it.
        var id = cmd.CitizenId is { Length: 13 } plain && !plain.AsSpan().ContainsAnyExceptInRange('0', '9') ? plain : CitizenId.Normalize(cmd.CitizenId);
        if (id.Length == 0) v.Add("citizenId", "กรุณากรอกเลขประจำตัวประชาชน", "The citizen ID is required.");
        else if (!CitizenId.IsValid(id))
            v.Add("citizenId", "เลขประจำตัวประชาชนไม่ถูกต้อง (ต้องเป็นตัวเลข 13 หลักและเลขตรวจสอบถูกต้อง)", "The citizen ID is not valid (13 digits with a matching check digit).");
        v.Required(cmd.HeadName, "headName", "ชื่อ-สกุลหัวหน้าครัวเรือน", "The head's name");
        v.Required(cmd.HouseNo, "houseNo", "บ้านเลขที่", "The house number", 30);
        v.Check(cmd.VillageNo is null or (>= 1 and <= 99), "villageNo", "หมู่ที่ต้องเป็นเลข 1–99", "The village number must be 1–99.");
        v.Check(cmd.Members is >= 1 and <= 99, "members", "จำนวนสมาชิกต้องเป็น 1–99 คน", "Members must be 1–99 people.");
        v.Money(cmd.MonthlyIncome, "monthlyIncome", allowZero: true);
        var vulnerabilities = cmd.Vulnerabilities is { Length: > 0 } given ? given.Select(x => x.Trim()).Where(x => x.Length > 0).Distinct().ToArray() : [];
        v.Check(vulnerabilities.All(x => HouseholdLists.Vulnerabilities.Any(l => l.Code == x)), "vulnerabilities",
            "กลุ่มเปราะบางต้องเป็น elderly, disabled, bedridden หรือ young_children", "Vulnerabilities must be elderly, disabled, bedridden or young_children.");
        var problem = string.IsNullOrWhiteSpace(cmd.HousingProblem) ? null : cmd.HousingProblem.Trim();
        v.Optional(problem, "housingProblem", "สภาพปัญหาที่อยู่อาศัย", "The housing problem", 1000);
        var tenure = string.IsNullOrWhiteSpace(cmd.LandTenure) ? null : cmd.LandTenure.Trim();
        v.Check(tenure is null || HouseholdLists.LandTenures.Any(l => l.Code == tenure), "landTenure",
            "สถานะที่ดินต้องเป็น owned, rented, permitted, public_land, encroached หรือ other", "Land tenure must be owned, rented, permitted, public_land, encroached or other.");
        NoNul(v, cmd.HeadName, "headName");
        NoNul(v, cmd.HouseNo, "houseNo");
        NoNul(v, cmd.HousingProblem, "housingProblem");
        return new RegisterHousehold(id, cmd.HeadName?.Trim(), cmd.HouseNo?.Trim(), cmd.VillageNo, cmd.SubdistrictCode?.Trim() ?? "",
            cmd.Members, cmd.MonthlyIncome, vulnerabilities, problem, tenure);
    }

    // PostgreSQL text cannot hold NUL; say so by field rather than fail in the database.
    static void NoNul(Validator v, string? value, string field)
        => v.Check(value?.Contains('\0') != true, field, "มีอักขระที่บันทึกไม่ได้ (NUL)", "Contains a character that cannot be stored (NUL).");

    public async Task<HouseholdView> RegisterAsync(Caller caller, RegisterHousehold input, CancellationToken ct = default)
    {
        var v = new Validator();
        var cmd = Validate(input, v);
        await using var conn = await db.OpenConnectionAsync(ct);
        var known = await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM subdistricts WHERE code = @SubdistrictCode)", cmd);
        v.Check(known, "subdistrictCode", "ไม่พบรหัสตำบลนี้", "There is no subdistrict with this code.");
        v.ThrowIfInvalid();
        if (!caller.CanManage(cmd.SubdistrictCode!)) throw new Forbidden();

        await using var tx = await conn.BeginTransactionAsync(ct);
        // ON CONFLICT instead of a look-first: two registrations of one person at once still yield one row.
        var id = await conn.ExecuteScalarAsync<long?>("""
            INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income,
                                    vulnerabilities, housing_problem, land_tenure, created_by)
            VALUES (@CitizenId, @HeadName, @HouseNo, @VillageNo, @SubdistrictCode, @Members, @MonthlyIncome,
                    @Vulnerabilities, @HousingProblem, @LandTenure, @ActorId)
            ON CONFLICT ON CONSTRAINT households_citizen_id_key DO NOTHING
            RETURNING id
            """, new { cmd.CitizenId, cmd.HeadName, cmd.HouseNo, cmd.VillageNo, cmd.SubdistrictCode, cmd.Members, cmd.MonthlyIncome,
                cmd.Vulnerabilities, cmd.HousingProblem, cmd.LandTenure, caller.ActorId }, tx);
        if (id is null)
        {
            var existing = await conn.QuerySingleAsync<(long Id, string SubdistrictCode)>(
                "SELECT id, subdistrict_code FROM households WHERE citizen_id = @CitizenId", cmd, tx);
            if (caller.CanRead(existing.SubdistrictCode)) throw AlreadyRegistered(existing.Id);
            // Outside the caller's area: neither the record nor its place is told, the attempt is kept, and repeats are throttled.
            await Audit.WriteAsync(conn, tx, caller, RegisteredElsewhere.AuditAction, "household", null, null,
                new { citizenIdMasked = Housing.CitizenId.Mask(cmd.CitizenId!), via = "register" }, ct);
            await RegisteredElsewhere.CommitAndThrottleAsync(conn, tx, caller, ct);
            throw RegisteredElsewhere.Refused();
        }
        var view = (await conn.QuerySingleAsync<Row>(Select + " WHERE h.id = @id", new { id }, tx)).View(showId: false);
        await Audit.WriteAsync(conn, tx, caller, "household.create", "household", id, null, view, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    /// <summary>One household. The full citizen ID is shown only to an administrator or the household's own area staff.</summary>
    public async Task<HouseholdView> GetAsync(Caller caller, long id, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(Select + " WHERE h.id = @id", new { id });
        if (row is null || !caller.CanRead(row.SubdistrictCode)) throw HouseholdNotFound(id);
        var showId = caller.CanManage(row.SubdistrictCode);
        if (showId)
        {
            // PDPA: who saw a full citizen ID, and when, is on record.
            await using var tx = await conn.BeginTransactionAsync(ct);
            await Audit.WriteAsync(conn, tx, caller, "household.view_citizen_id", "household", id, null, null, ct);
            await tx.CommitAsync(ct);
        }
        return row.View(showId);
    }
}
