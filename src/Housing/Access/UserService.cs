using Dapper;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Housing.Access;

public sealed record CreateUser(string? Username, string? Password, string? Role, string[]? ProvinceCodes, string[]? SubdistrictCodes, string? DisplayName = null);

public sealed record UserView(long Id, string Username, string Role, string? DisplayName, string[] ProvinceCodes, string[] SubdistrictCodes,
    bool IsActive, DateTime? LockedUntil, DateTime CreatedAt, DateTime? LastSignInAt = null);

/// <summary>What a successful sign-in yields: the caller and its security stamp (to invalidate old cookies).</summary>
public sealed record SignedIn(Caller Caller, Guid SecurityStamp, string? DisplayName);

public sealed partial class UserService(NpgsqlDataSource db, TimeProvider clock)
{
    public const int MaxFailedSignIns = 5;
    public static readonly TimeSpan LockoutTime = TimeSpan.FromMinutes(15);
    public const int MinPasswordLength = 10;
    static readonly PasswordHasher<string> Hasher = new();

    // Init properties, not a positional record: Npgsql reports text[] columns as System.Array, which
    // Dapper's constructor matching refuses; property setters take the string[] it really returns.
    sealed record UserRow
    {
        public long Id { get; init; }
        public string Username { get; init; } = "";
        public string PasswordHash { get; init; } = "";
        public string Role { get; init; } = "";
        public string? DisplayName { get; init; }
        public string[] ProvinceCodes { get; init; } = [];
        public string[] SubdistrictCodes { get; init; } = [];
        public bool IsActive { get; init; }
        public int FailedSignIns { get; init; }
        public DateTime? LockedUntil { get; init; }
        public Guid SecurityStamp { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? LastSignInAt { get; init; }
        public UserView View => new(Id, Username, Role, DisplayName, ProvinceCodes, SubdistrictCodes, IsActive, LockedUntil, CreatedAt, LastSignInAt);
        public Caller Caller => new(Id, Username, Enum.Parse<Role>(Role), ProvinceCodes, SubdistrictCodes);
    }

    public async Task<UserView> CreateAsync(Caller caller, CreateUser cmd, CancellationToken ct = default)
    {
        caller.EnsureAdmin();
        var v = new Validator();
        var username = cmd.Username?.Trim() ?? "";
        v.Check(System.Text.RegularExpressions.Regex.IsMatch(username, "^[A-Za-z0-9._@-]{3,64}$"), "username",
            "ชื่อผู้ใช้ต้องยาว 3–64 ตัว ใช้ได้เฉพาะ a–z, 0–9 และ . _ @ -", "The username must be 3–64 characters of a–z, 0–9 and . _ @ -.");
        CheckPassword(v, cmd.Password, username);
        var ok = Enum.TryParse<Role>(cmd.Role, ignoreCase: false, out var role) && Enum.IsDefined(role);
        v.Check(ok, "role", "บทบาทต้องเป็น Admin, ProvincialStaff, Treasurer หรือ Viewer", "The role must be Admin, ProvincialStaff, Treasurer or Viewer.");
        // OfType drops JSON nulls inside the lists ("provinceCodes": [null]).
        var provinces = (cmd.ProvinceCodes ?? []).OfType<string>().Select(c => c.Trim()).Distinct().ToArray();
        var subdistricts = (cmd.SubdistrictCodes ?? []).OfType<string>().Select(c => c.Trim()).Distinct().ToArray();
        v.Optional(cmd.DisplayName, "displayName", "ชื่อที่แสดง", "The display name", 200);

        await using var conn = await db.OpenConnectionAsync(ct);
        await CheckAreaAsync(conn, null, v, ok ? role.ToString() : "", provinces, subdistricts);
        v.ThrowIfInvalid();

        await using var tx = await conn.BeginTransactionAsync(ct);
        // ON CONFLICT, not a look-up first: two creates of one name at once must give one 201 and one 409.
        var row = await conn.QuerySingleOrDefaultAsync<UserRow>("""
            INSERT INTO users (username, password_hash, role, display_name, province_codes, subdistrict_codes)
            VALUES (@username, @hash, @role, @displayName, @provinces, @subdistricts)
            ON CONFLICT DO NOTHING
            RETURNING *
            """, new { username, hash = Hasher.HashPassword(username, cmd.Password!), role = role.ToString(), displayName = cmd.DisplayName?.Trim(), provinces, subdistricts }, tx)
            ?? throw new Conflict("มีชื่อผู้ใช้นี้แล้ว", "That username is taken.")
            {
                Extensions = { ["existingId"] = await conn.ExecuteScalarAsync<long>("SELECT id FROM users WHERE lower(username) = lower(@username)", new { username }, tx) },
            };
        await Audit.WriteAsync(conn, tx, caller, "user.create", "user", row.Id, null, row.View, ct);
        await tx.CommitAsync(ct);
        return row.View;
    }

    static void CheckPassword(Validator v, string? password, string username, string field = "password")
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
            v.Add(field, $"รหัสผ่านต้องยาวอย่างน้อย {MinPasswordLength} ตัวอักษร", $"The password must be at least {MinPasswordLength} characters long.");
        else if (password.Length > 200)
            v.Add(field, "รหัสผ่านยาวเกิน 200 ตัวอักษร", "The password is longer than 200 characters.");
        else if (password.Contains(username, StringComparison.OrdinalIgnoreCase) && username.Length > 0)
            v.Add(field, "รหัสผ่านต้องไม่มีชื่อผู้ใช้อยู่ในนั้น", "The password must not contain the username.");
        else if (password.Distinct().Count() < 4)
            v.Add(field, "รหัสผ่านต้องมีตัวอักษรต่างกันอย่างน้อย 4 ตัว", "The password must use at least 4 different characters.");
    }

    public async Task<IReadOnlyList<UserView>> ListAsync(Caller caller, CancellationToken ct = default)
    {
        caller.EnsureAdmin();
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<UserRow>("SELECT * FROM users ORDER BY lower(username)")).Select(r => r.View).ToList();
    }

    /// <summary>Checks a password. Five failures in a row lock the account for 15 minutes; a locked account
    /// is refused as locked even with the right password.</summary>
    public async Task<SignedIn> SignInAsync(string? username, string? password, CancellationToken ct = default)
    {
        var refused = new SignInRefused(new Msg("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "The username or password is wrong."), locked: false);
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password) || username.Length > 64 || password.Length > 200) throw refused;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var user = await conn.QuerySingleOrDefaultAsync<UserRow>(
            "SELECT * FROM users WHERE lower(username) = lower(@username) FOR UPDATE", new { username = username.Trim() }, tx);
        if (user is null)
        {
            Hasher.VerifyHashedPassword(username, FakeHash, password); // same work as a real check, so timing does not tell who exists
            throw refused;
        }
        var now = clock.GetUtcNow();
        if (user.LockedUntil is DateTime until && until > now.UtcDateTime)
            throw LockedOut(new DateTimeOffset(until, TimeSpan.Zero));

        var result = Hasher.VerifyHashedPassword(user.Username, user.PasswordHash, password);
        if (!user.IsActive) throw refused; // after the hash, so a disabled account answers no faster than others
        if (result == PasswordVerificationResult.Failed)
        {
            var failures = user.FailedSignIns + 1;
            DateTimeOffset? lockUntil = failures >= MaxFailedSignIns ? now + LockoutTime : null;
            await conn.ExecuteAsync("UPDATE users SET failed_sign_ins = @failures, locked_until = @lockUntil WHERE id = @Id",
                new { failures = lockUntil is null ? failures : 0, lockUntil, user.Id }, tx);
            if (lockUntil is not null)
                await Audit.WriteAsync(conn, tx, user.Caller, "user.locked", "user", user.Id, null, new { lockedUntil = lockUntil }, ct);
            await tx.CommitAsync(ct);
            throw lockUntil is DateTimeOffset l ? LockedOut(l) : refused;
        }
        if (user.FailedSignIns > 0 || user.LockedUntil is not null || result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await conn.ExecuteAsync("UPDATE users SET failed_sign_ins = 0, locked_until = NULL, password_hash = @hash WHERE id = @Id",
                new { hash = result == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(user.Username, password) : user.PasswordHash, user.Id }, tx);
        }
        await conn.ExecuteAsync("UPDATE users SET last_sign_in_at = now() WHERE id = @Id", new { user.Id }, tx);
        await tx.CommitAsync(ct);
        return new SignedIn(user.Caller, user.SecurityStamp, user.DisplayName);
    }

    static SignInRefused LockedOut(DateTimeOffset until) => new(new Msg(
        $"บัญชีนี้ถูกล็อกชั่วคราวเพราะใส่รหัสผ่านผิดหลายครั้ง ลองใหม่หลัง {Thai.DateTime(until, Thai.ThaiCulture)}",
        $"This account is locked after repeated failed sign-ins. Try again after {Thai.DateTime(until, Thai.EnglishCulture)}."), locked: true);

    static readonly string FakeHash = Hasher.HashPassword("nobody", Guid.NewGuid().ToString());

    /// <summary>Is this user still active with this security stamp? Asked on every authenticated request, cookie or
    /// bearer token, so a change of role, area, activity or password ends the user's sessions on every instance at
    /// once. One primary-key lookup answered from the index (0011), prepared, on a pooled connection.</summary>
    public async Task<bool> IsCurrentAsync(long userId, Guid stamp, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT security_stamp = $2 AND is_active FROM users WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = userId });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = stamp });
        return await cmd.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>First start: with no user at all, creates <c>admin</c> with the configured password.</summary>
    public async Task<bool> EnsureBootstrapAdminAsync(string password, CancellationToken ct = default)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
            if (await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM users)")) return false;
        try
        {
            await CreateAsync(Caller.System, new CreateUser("admin", password, nameof(Role.Admin), [], [], "Administrator"), ct);
            return true;
        }
        catch (Conflict)
        {
            return false; // another instance starting at the same moment created it
        }
    }
}
