using Dapper;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Housing.Access;

public sealed record CreateUser(string? Username, string? Password, string? Role, string[]? ProvinceCodes, string[]? SubdistrictCodes, string? DisplayName = null);

public sealed record UserView(long Id, string Username, string Role, string? DisplayName, string[] ProvinceCodes, string[] SubdistrictCodes,
    bool IsActive, DateTime? LockedUntil, DateTime CreatedAt, DateTime? LastSignInAt = null);

/// <summary>What a successful sign-in yields: the caller and its security stamp (to invalidate old cookies).</summary>
public sealed record SignedIn(Caller Caller, Guid SecurityStamp, string? DisplayName);

public sealed partial class UserService(NpgsqlDataSource db, TimeProvider clock, SessionCache? sessions = null)
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

    /// <summary>Checks a password. Five failures in a row for one name from one client address lock that name for that
    /// address for 15 minutes (refused as locked even with the right password), so nobody can lock the real user out
    /// from elsewhere. Unknown names are counted and locked the same way, and cost the same hash, so neither the answer
    /// nor its timing tells which names exist. The counts are rows, so they hold across instances.</summary>
    public async Task<SignedIn> SignInAsync(string? username, string? password, string? clientAddress, CancellationToken ct = default)
    {
        var refused = new SignInRefused(new Msg("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "The username or password is wrong."), locked: false);
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password) || username.Trim().Length > 64 || password.Length > 200) throw refused;
        var key = username.Trim().ToLowerInvariant();
        var address = string.IsNullOrWhiteSpace(clientAddress) ? "unknown" : clientAddress.Length > 64 ? clientAddress[..64] : clientAddress;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // FOR UPDATE: concurrent attempts on one (name, address) queue here, so a burst cannot pass the count.
        var lockedUntil = await conn.QuerySingleOrDefaultAsync<DateTime?>(
            "SELECT locked_until FROM sign_in_failures WHERE username_key = @key AND client_address = @address FOR UPDATE", new { key, address }, tx);
        var user = await conn.QuerySingleOrDefaultAsync<UserRow>("SELECT * FROM users WHERE lower(username) = @key", new { key }, tx);
        // Always one hash, known name or not, locked or not: the timing tells nothing.
        var result = Hasher.VerifyHashedPassword(user?.Username ?? key, user?.PasswordHash ?? FakeHash, password);
        var now = clock.GetUtcNow();
        if (lockedUntil is DateTime until && until > now.UtcDateTime)
            throw LockedOut(new DateTimeOffset(until, TimeSpan.Zero));

        if (user is null || !user.IsActive || result == PasswordVerificationResult.Failed)
        {
            // The fifth failure in a row locks. One older than the lockout time, or a lock that has run out, starts the
            // count again. A lock in force stays (attempts of a burst that passed the check above before it was set).
            var (lockUntil, failures) = await conn.QuerySingleAsync<(DateTime?, int)>("""
                INSERT INTO sign_in_failures AS f (username_key, client_address, failures, locked_until, last_failed_at)
                VALUES (@key, @address, 1, NULL, @now)
                ON CONFLICT (username_key, client_address) DO UPDATE SET
                    failures = CASE WHEN f.last_failed_at < @now - @window OR coalesce(f.locked_until <= @now, false) THEN 1 ELSE f.failures + 1 END,
                    locked_until = CASE
                        WHEN f.locked_until > @now THEN f.locked_until
                        WHEN f.last_failed_at >= @now - @window AND f.locked_until IS NULL AND f.failures + 1 >= @max THEN @lockUntil END,
                    last_failed_at = @now
                RETURNING f.locked_until, f.failures
                """, new { key, address, now, lockUntil = now + LockoutTime, window = LockoutTime, max = MaxFailedSignIns }, tx);
            if (failures == MaxFailedSignIns && lockUntil is not null && user is not null) // the failure that set the lock
                await Audit.WriteAsync(conn, tx, user.Caller, "user.locked", "user", user.Id, null, new { lockedUntil = lockUntil, clientAddress = address }, ct);
            await conn.ExecuteAsync("DELETE FROM sign_in_failures WHERE last_failed_at < @old", new { old = now - TimeSpan.FromDays(1) }, tx);
            await tx.CommitAsync(ct);
            throw lockUntil is DateTime l ? LockedOut(new DateTimeOffset(l, TimeSpan.Zero)) : refused;
        }
        await conn.ExecuteAsync("DELETE FROM sign_in_failures WHERE username_key = @key AND client_address = @address", new { key, address }, tx);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
            await conn.ExecuteAsync("UPDATE users SET password_hash = @hash WHERE id = @Id", new { hash = Hasher.HashPassword(user.Username, password), user.Id }, tx);
        await conn.ExecuteAsync("UPDATE users SET last_sign_in_at = now() WHERE id = @Id", new { user.Id }, tx);
        await tx.CommitAsync(ct);
        return new SignedIn(user.Caller, user.SecurityStamp, user.DisplayName);
    }

    static SignInRefused LockedOut(DateTimeOffset until) => new(new Msg(
        $"มีการใส่รหัสผ่านผิดหลายครั้งจากที่นี่ จึงระงับการเข้าสู่ระบบด้วยชื่อนี้ชั่วคราว ลองใหม่หลัง {Thai.DateTime(until, Thai.ThaiCulture)}",
        $"Too many failed sign-ins with this name from here: signing in is paused. Try again after {Thai.DateTime(until, Thai.EnglishCulture)}."), locked: true);

    static readonly string FakeHash = Hasher.HashPassword("nobody", Guid.NewGuid().ToString());

    /// <summary>Is this user still active with this security stamp? Asked on every authenticated request, cookie or
    /// bearer token, so a change of role, area, activity or password ends the user's sessions on every instance at
    /// once. Answered from <see cref="SessionCache"/> while it listens for changes, else by one primary-key lookup.</summary>
    public async Task<bool> IsCurrentAsync(long userId, Guid stamp, CancellationToken ct = default)
    {
        if (sessions is not null) return await sessions.IsCurrentAsync(userId, stamp, ct);
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
