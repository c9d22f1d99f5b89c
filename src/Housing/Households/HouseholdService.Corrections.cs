using Dapper;
using Housing.Access;
using Npgsql;

namespace Housing.Households;

/// <summary>A correction of the register: only the fields given change. <see cref="CitizenId"/> only by an Admin.</summary>
public sealed record ChangeHousehold(string? HeadName, string? HouseNo, int? VillageNo, int? Members, decimal? MonthlyIncome,
    string? Reason, string? CitizenId = null);

public sealed partial class HouseholdService
{
    /// <summary>Corrects a household (a typo in the head's name, a new house number, members, income), with a reason
    /// and the before and after in the audit log. A citizen ID is changed only by an Admin, and stays valid and unique.</summary>
    public async Task<HouseholdView> ChangeAsync(Caller caller, long id, ChangeHousehold cmd, CancellationToken ct = default)
    {
        var v = new Validator();
        if (cmd.HeadName is not null) v.Required(cmd.HeadName, "headName", "ชื่อ-สกุลหัวหน้าครัวเรือน", "The head's name");
        if (cmd.HouseNo is not null) v.Required(cmd.HouseNo, "houseNo", "บ้านเลขที่", "The house number", 30);
        v.Check(cmd.VillageNo is null or (>= 1 and <= 99), "villageNo", "หมู่ที่ต้องเป็นเลข 1–99", "The village number must be 1–99.");
        v.Check(cmd.Members is null or (>= 1 and <= 99), "members", "จำนวนสมาชิกต้องเป็น 1–99 คน", "Members must be 1–99 people.");
        if (cmd.MonthlyIncome is not null) v.Money(cmd.MonthlyIncome, "monthlyIncome", allowZero: true);
        v.Reason(cmd.Reason);
        NoNul(v, cmd.HeadName, "headName");
        NoNul(v, cmd.HouseNo, "houseNo");
        NoNul(v, cmd.Reason, "reason");
        string? citizenId = null;
        if (!string.IsNullOrWhiteSpace(cmd.CitizenId))
        {
            if (!caller.IsAdmin) throw new Forbidden(new Msg("เฉพาะผู้ดูแลระบบแก้ไขเลขประจำตัวประชาชนได้", "Only an administrator may change a citizen ID."));
            citizenId = Housing.CitizenId.Normalize(cmd.CitizenId.Trim());
            v.Check(Housing.CitizenId.IsValid(citizenId), "citizenId",
                "เลขประจำตัวประชาชนไม่ถูกต้อง (ต้องเป็นตัวเลข 13 หลักและเลขตรวจสอบถูกต้อง)", "The citizen ID is not valid (13 digits with a matching check digit).");
        }
        v.ThrowIfInvalid();

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // An outsider's statement finds (and locks) nothing; a second, non-locking look-up then tells 404 from 403.
        var locked = await conn.ExecuteScalarAsync<long?>(
            $"SELECT id FROM households WHERE id = @id AND {Areas.Writable("subdistrict_code")} FOR NO KEY UPDATE",
            Areas.Args(caller, AreaRight.Manage, new { id }), tx);
        if (locked is null)
            throw Areas.Refusal(caller, await conn.ExecuteScalarAsync<string?>("SELECT subdistrict_code FROM households WHERE id = @id", new { id }, tx),
                () => HouseholdNotFound(id));
        var before = (await conn.QuerySingleAsync<Row>(Select + " WHERE h.id = @id", new { id }, tx)).View(showId: false);
        if (citizenId is not null)
        {
            var other = await conn.ExecuteScalarAsync<long?>("SELECT id FROM households WHERE citizen_id = @citizenId AND id <> @id", new { citizenId, id }, tx);
            if (other is long existing) throw AlreadyRegistered(existing);
        }
        try
        {
            await conn.ExecuteAsync("""
                UPDATE households SET head_name = coalesce(@headName, head_name), house_no = coalesce(@houseNo, house_no),
                       village_no = coalesce(@VillageNo, village_no), members = coalesce(@Members, members),
                       monthly_income = coalesce(@MonthlyIncome, monthly_income), citizen_id = coalesce(@citizenId, citizen_id)
                WHERE id = @id
                """, new { headName = cmd.HeadName?.Trim(), houseNo = cmd.HouseNo?.Trim(), cmd.VillageNo, cmd.Members, cmd.MonthlyIncome, citizenId, id }, tx);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // The same ID given to another household at this very moment.
            throw new Conflict("เลขประจำตัวประชาชนนี้ลงทะเบียนแล้ว", "This citizen ID is already registered.");
        }
        var after = (await conn.QuerySingleAsync<Row>(Select + " WHERE h.id = @id", new { id }, tx)).View(showId: false);
        await Audit.WriteAsync(conn, tx, caller, "household.change", "household", id, before, new { after, reason = cmd.Reason!.Trim() }, ct);
        await tx.CommitAsync(ct);
        return after;
    }
}
