using System.Security.Cryptography;
using Housing.Database;
using Npgsql;

namespace Housing.Tests.Database;

public sealed class BackupRestoreTests(TestApp app) : IClassFixture<TestApp>
{
    const string LedgerTotals = """
        SELECT p.id AS project_id,
               coalesce((SELECT sum(amount) FROM transfers t WHERE t.project_id = p.id), 0) AS transfers_in,
               coalesce((SELECT sum(amount) FROM disbursements d WHERE d.project_id = p.id), 0) AS paid_out,
               (SELECT count(*) FROM disbursements d WHERE d.project_id = p.id) AS entries
        FROM projects p ORDER BY p.id
        """;
    const string Photos = "SELECT id, sha256, encode(sha256(content), 'hex') AS actual FROM milestone_photos ORDER BY id";

    sealed record Totals(long ProjectId, decimal TransfersIn, decimal PaidOut, long Entries);
    sealed record Photo(long Id, string Sha256, string Actual);

    [Fact]
    public async Task A_dump_restored_into_a_new_database_has_every_ledger_total_and_photo_identical()
    {
        var photo = RandomNumberGenerator.GetBytes(200_000);
        photo[0] = 0xFF; photo[1] = 0xD8; // a JPEG's first bytes: the content is what must survive
        await app.Db.ExecuteAsync("""
            WITH b AS (INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount) VALUES ('BPP', 2565, '54', 65, 1358500) RETURNING id),
                 p AS (INSERT INTO projects (budget_id, subdistrict_code, name, target_households, amount) SELECT id, '540101', 'ตำบลในเวียง', 6, 125400 FROM b RETURNING id),
                 h AS (INSERT INTO households (citizen_id, head_name, house_no, village_no, subdistrict_code, members, monthly_income)
                       VALUES ('1101700203450', 'นางบุญมี ใจดี', '12/3', 3, '540101', 4, 4500) RETURNING id),
                 a AS (INSERT INTO allocations (project_id, household_id, program, fiscal_year, amount, work_type) SELECT p.id, h.id, 'BPP', 2565, 20900, 'repair' FROM p, h RETURNING id, project_id),
                 t AS (INSERT INTO transfers (project_id, amount, received_on, reference) SELECT id, 62700, '2022-02-01', 'CODI-2565-001' FROM p),
                 d AS (INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, receipt_no) SELECT id, project_id, 12345.67, '2022-02-10', 'ร้านวัสดุแพร่', 'R-1' FROM a RETURNING id, allocation_id, project_id),
                 r AS (INSERT INTO disbursements (allocation_id, project_id, amount, paid_on, payee, reverses_id, reason) SELECT allocation_id, project_id, -12345.67, '2022-02-11', 'ร้านวัสดุแพร่', id, 'ใบเสร็จซ้ำ' FROM d),
                 m AS (INSERT INTO milestones (allocation_id, stage, stage_order, reached_on) SELECT id, 'surveyed', 1, '2022-01-25' FROM a RETURNING id)
            INSERT INTO milestone_photos (milestone_id, content_type, size_bytes, sha256, content) SELECT id, 'image/jpeg', @size, @sha, @photo FROM m
            """, new { photo, size = photo.Length, sha = Convert.ToHexStringLower(SHA256.HashData(photo)) });
        var totalsBefore = await app.Db.QueryAsync<Totals>(LedgerTotals);
        var photosBefore = await app.Db.QueryAsync<Photo>(Photos);

        var file = Path.Combine(Path.GetTempPath(), $"housing-{Guid.NewGuid():N}.dump");
        try
        {
            await Backup.DumpAsync(app.OwnerConnectionString, file);
            // Restored by the owner, as the README says: the tables are the owner's, and the app's next start grants its login.
            var restored = TestCluster.AsOwner(await TestCluster.CreateDatabaseAsync("restored", empty: true));
            await Backup.RestoreAsync(restored, file);

            await using var db = NpgsqlDataSource.Create(restored);
            Assert.Equal(totalsBefore, await db.QueryAsync<Totals>(LedgerTotals));
            Assert.Equal([new Totals(totalsBefore[0].ProjectId, 62700m, 0m, 2)], totalsBefore);
            var photosAfter = await db.QueryAsync<Photo>(Photos);
            Assert.Equal(photosBefore, photosAfter);
            Assert.All(photosAfter, p => Assert.Equal(p.Sha256, p.Actual));
            // The restored ledgers are still append-only.
            var e = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync("UPDATE disbursements SET amount = 1"));
            Assert.Equal("42501", e.SqlState);
            Assert.Equal(await app.Db.CountAsync("audit_log"), await db.CountAsync("audit_log"));
            Assert.Equal(7436, await db.CountAsync("subdistricts"));
            Assert.Equal([EmbeddedPostgres.OwnerRole], await db.QueryAsync<string>("SELECT DISTINCT tableowner::text FROM pg_tables WHERE schemaname = 'public'"));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public async Task The_owners_connection_string_the_backup_command_uses_carries_what_pg_dump_needs()
    {
        var file = Path.Combine(Path.GetTempPath(), $"housing-{Guid.NewGuid():N}.dump");
        try
        {
            // The backup command dumps with the owner's connection string; a password-less copy would be refused.
            Assert.Equal(app.OwnerConnectionString, app.Get<HousingDatabase>().OwnerConnectionString);
            await Backup.DumpAsync(app.Get<HousingDatabase>().OwnerConnectionString, file);
            Assert.True(new FileInfo(file).Length > 100_000);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public async Task Restoring_into_a_database_that_is_not_empty_fails_and_changes_nothing()
    {
        var file = Path.Combine(Path.GetTempPath(), $"housing-{Guid.NewGuid():N}.dump");
        try
        {
            await Backup.DumpAsync(app.OwnerConnectionString, file);
            var target = TestCluster.AsOwner(await TestCluster.CreateDatabaseAsync("occupied")); // already migrated: tables exist
            await using var db = NpgsqlDataSource.Create(target);
            await db.ExecuteAsync("INSERT INTO budgets (program, fiscal_year, province_code, target_households, amount) VALUES ('BMK', 2560, '19', 1429, 1000000)");
            await Assert.ThrowsAsync<InvalidOperationException>(() => Backup.RestoreAsync(target, file));
            Assert.Equal(1, await db.CountAsync("budgets"));
        }
        finally { File.Delete(file); }
    }
}
