using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Housing.Access;
using Housing.Tests.Disbursements;

namespace Housing.Tests.Access;

/// <summary>The area is asked before a row is locked: while another area's writer holds the rows, an outsider's write
/// answers at once (it never queues behind, nor makes anyone queue behind it), and the insider's write goes on.</summary>
public sealed class OutsidersLockNothingTests(TestApp app) : IClassFixture<TestApp>
{
    /// <summary>Far below the statement would wait for the holder (forever): a refusal that took a lock would time out here.</summary>
    static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);

    static async Task<HttpStatusCode> PromptlyAsync(Task<HttpResponseMessage> request)
    {
        var clock = Stopwatch.StartNew();
        var done = await Task.WhenAny(request, Task.Delay(Prompt));
        Assert.True(done == request, $"The outsider's request still waited after {clock.Elapsed.TotalSeconds:0.0} s: it queued on a row lock.");
        return (await request).StatusCode;
    }

    [Fact]
    public async Task Outsiders_writes_answer_at_once_while_the_area_s_rows_are_locked_and_leave_nothing_locked()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_000m);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var milestone = await treasurer.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/milestones", new { stage = "surveyed", reachedOn = "2022-01-10" });
        Assert.Equal(HttpStatusCode.Created, milestone.StatusCode);
        var milestoneId = (await milestone.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt64();

        var otherTreasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["190101"]);
        var otherStaff = await app.ClientAsync(Role.ProvincialStaff, ["19"]);
        var viewer = await app.ClientAsync(Role.Viewer, ["54"]); // reads the area, writes nothing: 403, but no lock either
        var pay = new { amount = 1000m, paidOn = "2022-02-01", payee = "ร้าน", payeeType = "supplier", method = "cash" };
        var photo = new MultipartFormDataContent { { new ByteArrayContent(Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")), "file", "a.png" } };

        await using (var holder = await app.Db.OpenConnectionAsync())
        {
            // Another area's writer, mid-transaction, holding every row these writes would lock.
            await using var tx = await holder.BeginTransactionAsync();
            await holder.ExecuteAsync("""
                SELECT 1 FROM budgets WHERE id = @BudgetId FOR UPDATE;
                SELECT 1 FROM projects WHERE id = @ProjectId FOR UPDATE;
                SELECT 1 FROM allocations WHERE id = @AllocationId FOR UPDATE;
                SELECT 1 FROM milestones WHERE id = @milestoneId FOR UPDATE;
                """, new { home.BudgetId, home.ProjectId, home.AllocationId, milestoneId }, tx);

            Assert.Equal(HttpStatusCode.NotFound, await PromptlyAsync(otherTreasurer.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", pay)));
            Assert.Equal(HttpStatusCode.Forbidden, await PromptlyAsync(viewer.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", pay)));
            Assert.Equal(HttpStatusCode.NotFound, await PromptlyAsync(otherTreasurer.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/transfers",
                new { amount = 5m, receivedOn = "2022-01-05", reference = "X-1" })));
            Assert.Equal(HttpStatusCode.NotFound, await PromptlyAsync(otherTreasurer.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/milestones",
                new { stage = "approved", reachedOn = "2022-01-11" })));
            Assert.Equal(HttpStatusCode.NotFound, await PromptlyAsync(otherTreasurer.PostAsync($"/api/v1/milestones/{milestoneId}/photos", photo)));
            Assert.Equal(HttpStatusCode.NotFound, await PromptlyAsync(otherStaff.PostAsJsonAsync($"/api/v1/projects/{home.ProjectId}/allocations",
                new { householdId = home.HouseholdId, amount = 1m, workType = "repair" })));
            Assert.Equal(HttpStatusCode.Forbidden, await PromptlyAsync(viewer.PutAsJsonAsync($"/api/v1/allocations/{home.AllocationId}",
                new { amount = 1m, workType = "repair", reason = "x" })));
            Assert.Equal(HttpStatusCode.NotFound, await PromptlyAsync(otherStaff.PostAsJsonAsync($"/api/v1/budgets/{home.BudgetId}/projects",
                new { subdistrictCode = "540101", name = "x", targetHouseholds = 1, amount = 1m })));
            Assert.Equal(HttpStatusCode.Forbidden, await PromptlyAsync(viewer.PostAsJsonAsync($"/api/v1/budgets/{home.BudgetId}/projects",
                new { subdistrictCode = "540101", name = "x", targetHouseholds = 1, amount = 1m })));
        }

        // The outsiders left no transaction open and no row locked, and the area's treasurer pays as before.
        Assert.Equal(0, await app.Db.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'"));
        await using (var conn = await app.Db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            foreach (var (table, id) in new[] { ("budgets", home.BudgetId), ("projects", home.ProjectId), ("allocations", home.AllocationId), ("milestones", milestoneId) })
                Assert.Equal(id, await conn.ExecuteScalarAsync<long>($"SELECT id FROM {table} WHERE id = @id FOR UPDATE NOWAIT", new { id }, tx));
        }
        Assert.Equal(HttpStatusCode.Created, (await treasurer.PostAsJsonAsync($"/api/v1/allocations/{home.AllocationId}/disbursements", pay)).StatusCode);
        Assert.Equal(1000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE allocation_id = @AllocationId", home));
    }

    [Theory]
    [InlineData(Role.Admin, null, null, AreaRight.Manage, true)]
    [InlineData(Role.ProvincialStaff, "54", null, AreaRight.Manage, true)]
    [InlineData(Role.ProvincialStaff, "19", null, AreaRight.Manage, false)]
    [InlineData(Role.ProvincialStaff, "54", null, AreaRight.RecordMoney, false)]
    [InlineData(Role.ProvincialStaff, "54", null, AreaRight.RecordMilestone, true)]
    [InlineData(Role.Treasurer, null, "540101", AreaRight.RecordMoney, true)]
    [InlineData(Role.Treasurer, null, "540102", AreaRight.RecordMoney, false)]
    [InlineData(Role.Treasurer, null, "540101", AreaRight.Manage, false)]
    [InlineData(Role.Treasurer, null, "540101", AreaRight.RecordMilestone, true)]
    [InlineData(Role.Viewer, "54", null, AreaRight.RecordMilestone, false)]
    [InlineData(Role.Viewer, null, null, AreaRight.Manage, false)]
    public async Task The_SQL_area_filter_says_what_Caller_says(Role role, string? province, string? subdistrict, AreaRight right, bool expected)
    {
        var caller = new Caller(1, "x", role, province is null ? [] : [province], subdistrict is null ? [] : [subdistrict]);
        var says = right switch
        {
            AreaRight.Manage => caller.CanManage("540101"),
            AreaRight.RecordMoney => caller.CanRecordMoney("540101"),
            _ => caller.CanRecordMilestone("540101"),
        };
        Assert.Equal(expected, says);
        await using var conn = await app.Db.OpenConnectionAsync();
        Assert.Equal(expected, await conn.ExecuteScalarAsync<bool>($"SELECT {Areas.Writable("'540101'::text")}", Areas.Args(caller, right, new { })));
        if (right == AreaRight.Manage)
            Assert.Equal(caller.CanManage("54"), await conn.ExecuteScalarAsync<bool>($"SELECT {Areas.Writable("'54'::text")}", Areas.Args(caller, right, new { })));
    }
}
