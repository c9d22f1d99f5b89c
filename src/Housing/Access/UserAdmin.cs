using Dapper;
using Npgsql;

namespace Housing.Access;

/// <summary>PATCH /users/{id}: only the fields given change; JSON null or absent leaves a field as it is.</summary>
public sealed record UpdateUser(string? Role = null, string[]? ProvinceCodes = null, string[]? SubdistrictCodes = null, string? DisplayName = null, bool? IsActive = null);

public sealed record SetPassword(string? NewPassword);

public sealed record ChangePassword(string? CurrentPassword, string? NewPassword);

/// <summary>Users' administration and their own password. Every change of role, area, activity or password gives the
/// user a new security stamp: every cookie and token issued before stops working on the next request
/// (<see cref="IsCurrentAsync"/> is asked on each one).</summary>
public sealed partial class UserService
{
    public async Task<UserView> UpdateAsync(Caller caller, long id, UpdateUser cmd, CancellationToken ct = default)
    {
        caller.EnsureAdmin();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // One change of users at a time: two admins demoting each other at once must leave one of them an admin,
        // and locking the admins' rows in two orders would deadlock instead. Such changes are rare.
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('housing.users'))", transaction: tx);
        // Under that lock, the caller is still an active admin (a request signed in just before its admin demoted it is refused).
        if (caller.ActorId is long me && !await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM users WHERE id = @me AND role = 'Admin' AND is_active)", new { me }, tx))
            throw new Forbidden(new Msg("เฉพาะผู้ดูแลระบบ", "Only an administrator may do this."));
        var before = await conn.QuerySingleOrDefaultAsync<UserRow>("SELECT * FROM users WHERE id = @id FOR UPDATE", new { id }, tx)
            ?? throw NotFound.Of("ผู้ใช้", "The user");

        var v = new Validator();
        var role = before.Role;
        if (cmd.Role is not null)
        {
            var ok = Enum.TryParse<Role>(cmd.Role, ignoreCase: false, out var r) && Enum.IsDefined(r);
            v.Check(ok, "role", "บทบาทต้องเป็น Admin, ProvincialStaff, Treasurer หรือ Viewer", "The role must be Admin, ProvincialStaff, Treasurer or Viewer.");
            if (ok) role = r.ToString();
        }
        var provinces = cmd.ProvinceCodes is null ? before.ProvinceCodes : Clean(cmd.ProvinceCodes);
        var subdistricts = cmd.SubdistrictCodes is null ? before.SubdistrictCodes : Clean(cmd.SubdistrictCodes);
        v.Optional(cmd.DisplayName, "displayName", "ชื่อที่แสดง", "The display name", 200);
        await CheckAreaAsync(conn, tx, v, role, provinces, subdistricts);
        v.ThrowIfInvalid();

        var isActive = cmd.IsActive ?? before.IsActive;
        var displayName = cmd.DisplayName is null ? before.DisplayName : cmd.DisplayName.Trim() is { Length: > 0 } d ? d : null;
        var sessionsEnd = role != before.Role || isActive != before.IsActive
            || !provinces.Order().SequenceEqual(before.ProvinceCodes.Order()) || !subdistricts.Order().SequenceEqual(before.SubdistrictCodes.Order());
        if (before.Role == nameof(Access.Role.Admin) && before.IsActive && (role != before.Role || !isActive))
            await EnsureAnotherAdminAsync(conn, tx, id);

        var after = await conn.QuerySingleAsync<UserRow>("""
            UPDATE users SET role = @role, province_codes = @provinces, subdistrict_codes = @subdistricts, display_name = @displayName,
                             is_active = @isActive, security_stamp = CASE WHEN @sessionsEnd THEN gen_random_uuid() ELSE security_stamp END
            WHERE id = @id RETURNING *
            """, new { id, role, provinces, subdistricts, displayName, isActive, sessionsEnd }, tx);
        if (sessionsEnd || displayName != before.DisplayName)
            await Audit.WriteAsync(conn, tx, caller, "user.update", "user", id, Audited(before.View), Audited(after.View), ct);
        await tx.CommitAsync(ct);
        sessions?.Forget(id); // at once here; other instances hear of it from the users trigger
        return after.View;
    }

    /// <summary>An administrator sets a new password (a forgotten one, a handover): the user's sessions end, and a
    /// lockout is lifted.</summary>
    public async Task SetPasswordAsync(Caller caller, long id, SetPassword cmd, CancellationToken ct = default)
    {
        caller.EnsureAdmin();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var user = await conn.QuerySingleOrDefaultAsync<UserRow>("SELECT * FROM users WHERE id = @id FOR UPDATE", new { id }, tx)
            ?? throw NotFound.Of("ผู้ใช้", "The user");
        var v = new Validator();
        CheckPassword(v, cmd.NewPassword, user.Username, "newPassword");
        v.ThrowIfInvalid();
        await NewPasswordAsync(conn, tx, user, cmd.NewPassword!);
        await Audit.WriteAsync(conn, tx, caller, "user.set_password", "user", user.Id, null, PasswordChanged(user), ct);
        await tx.CommitAsync(ct);
        sessions?.Forget(user.Id);
    }

    /// <summary>A signed-in user changes their own password: every session from before ends, the one used included.</summary>
    public async Task ChangeOwnPasswordAsync(Caller caller, ChangePassword cmd, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var user = await conn.QuerySingleOrDefaultAsync<UserRow>("SELECT * FROM users WHERE id = @UserId AND is_active FOR UPDATE", new { caller.UserId }, tx)
            ?? throw new Forbidden();
        var v = new Validator();
        var current = !string.IsNullOrEmpty(cmd.CurrentPassword) && cmd.CurrentPassword.Length <= 200
            && Hasher.VerifyHashedPassword(user.Username, user.PasswordHash, cmd.CurrentPassword) != Microsoft.AspNetCore.Identity.PasswordVerificationResult.Failed;
        v.Check(current, "currentPassword", "รหัสผ่านปัจจุบันไม่ถูกต้อง", "The current password is wrong.");
        CheckPassword(v, cmd.NewPassword, user.Username, "newPassword");
        if (current && cmd.NewPassword == cmd.CurrentPassword)
            v.Add("newPassword", "รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านเดิม", "The new password must differ from the current one.");
        v.ThrowIfInvalid();
        await NewPasswordAsync(conn, tx, user, cmd.NewPassword!);
        await Audit.WriteAsync(conn, tx, caller, "user.change_password", "user", user.Id, null, PasswordChanged(user), ct);
        await tx.CommitAsync(ct);
        sessions?.Forget(user.Id);
    }

    /// <summary>A new password also lifts the name's sign-in locks, from every address.</summary>
    static Task NewPasswordAsync(NpgsqlConnection conn, NpgsqlTransaction tx, UserRow user, string password)
        => conn.ExecuteAsync("""
            UPDATE users SET password_hash = @hash, security_stamp = gen_random_uuid() WHERE id = @Id;
            DELETE FROM sign_in_failures WHERE username_key = lower(@Username)
            """, new { hash = Hasher.HashPassword(user.Username, password), user.Id, user.Username }, tx);

    /// <summary>Never the hash: the log says that the password changed, and that the sessions ended.</summary>
    static object PasswordChanged(UserRow user) => new { username = user.Username, password = "changed", sessionsEnded = true };

    /// <summary>At least one active administrator stays (under the lock taken in <see cref="UpdateAsync"/>, so two
    /// admins demoting each other at once cannot both succeed: the second sees the first's change).</summary>
    static async Task EnsureAnotherAdminAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id)
    {
        if (!await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'Admin' AND is_active AND id <> @id)", new { id }, tx))
            throw new Conflict("ต้องมีผู้ดูแลระบบที่ใช้งานได้อย่างน้อยหนึ่งคน: เพิ่มหรือเปิดใช้ผู้ดูแลระบบคนอื่นก่อน",
                "At least one active administrator must remain: add or reactivate another administrator first.");
    }

    static string[] Clean(string[] codes) => codes.OfType<string>().Select(c => c.Trim()).Where(c => c.Length > 0).Distinct().ToArray();

    /// <summary>The role's area rules and that every code exists (shared by create and update).</summary>
    static async Task CheckAreaAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Validator v, string role, string[] provinces, string[] subdistricts)
    {
        if (role == nameof(Access.Role.ProvincialStaff))
            v.Check(provinces.Length > 0, "provinceCodes", "เจ้าหน้าที่จังหวัดต้องมีจังหวัดอย่างน้อยหนึ่งจังหวัด", "Provincial staff need at least one province.");
        if (role == nameof(Access.Role.Treasurer))
            v.Check(subdistricts.Length > 0, "subdistrictCodes", "เหรัญญิกต้องมีตำบลอย่างน้อยหนึ่งตำบล", "A treasurer needs at least one subdistrict.");
        var knownP = await conn.QueryAsync<string>("SELECT code FROM provinces WHERE code = ANY(@provinces)", new { provinces }, tx);
        var unknownP = provinces.Except(knownP).ToList();
        v.Check(unknownP.Count == 0, "provinceCodes", $"ไม่พบรหัสจังหวัด {string.Join(", ", unknownP)}", $"Unknown province codes: {string.Join(", ", unknownP)}.");
        var knownS = await conn.QueryAsync<string>("SELECT code FROM subdistricts WHERE code = ANY(@subdistricts)", new { subdistricts }, tx);
        var unknownS = subdistricts.Except(knownS).ToList();
        v.Check(unknownS.Count == 0, "subdistrictCodes", $"ไม่พบรหัสตำบล {string.Join(", ", unknownS)}", $"Unknown subdistrict codes: {string.Join(", ", unknownS)}.");
    }

    /// <summary>What the audit log keeps of a user: who, role, area, activity (never the hash; lockout and sign-in
    /// times are not changes an admin made).</summary>
    static object Audited(UserView u) => new { u.Username, u.DisplayName, u.Role, u.ProvinceCodes, u.SubdistrictCodes, u.IsActive };
}
