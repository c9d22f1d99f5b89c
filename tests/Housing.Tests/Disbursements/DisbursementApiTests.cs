using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Disbursements;

namespace Housing.Tests.Disbursements;

public sealed class DisbursementApiTests(TestApp app) : IClassFixture<TestApp>
{
    static object Payment(decimal amount = 1000m, string receiptNo = "R-001") => new { amount, paidOn = "2022-02-01", payee = "ร้านวัสดุก่อสร้างแพร่", payeeType = "supplier", method = "cash", receiptNo };

    Task<HttpClient> TreasurerAsync(string subdistrict = "540101") => app.ClientAsync(Role.Treasurer, subdistricts: [subdistrict]);

    static async Task<HttpResponseMessage> PayAsync(HttpClient client, long allocationId, object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/allocations/{allocationId}/disbursements") { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_payment_within_the_allocation_and_the_cash_is_recorded()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 100_000m);
        var client = await TreasurerAsync();

        var response = await PayAsync(client, home.AllocationId, Payment(12_500.50m), "k-1");

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var row = (await response.Content.ReadFromJsonAsync<DisbursementView>())!;
        Assert.Equal(12_500.50m, row.Amount);
        Assert.Equal(new DateOnly(2022, 2, 1), row.PaidOn);
        Assert.Equal(("ร้านวัสดุก่อสร้างแพร่", "supplier", "cash", "R-001"), (row.Payee, row.PayeeType, row.Method, row.ReceiptNo));
        Assert.Equal(home.ProjectId, row.ProjectId);
        Assert.Equal(12_500.50m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE allocation_id = @AllocationId", home));
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'disbursement.record' AND entity_id = @id", new { id = row.Id.ToString() }));
        // The audit row carries the payment as the API shows it.
        var after = JsonDocument.Parse(await app.Db.ScalarAsync<string>(
            "SELECT after::text FROM audit_log WHERE action = 'disbursement.record' AND entity_id = @id", new { id = row.Id.ToString() })).RootElement;
        Assert.Equal((row.Id, home.AllocationId, 12_500.50m, "2022-02-01", "ร้านวัสดุก่อสร้างแพร่", "supplier", "cash", "R-001"),
            (after.GetProperty("id").GetInt64(), after.GetProperty("allocationId").GetInt64(), after.GetProperty("amount").GetDecimal(),
             after.GetProperty("paidOn").GetString(), after.GetProperty("payee").GetString(), after.GetProperty("payeeType").GetString(),
             after.GetProperty("method").GetString(), after.GetProperty("receiptNo").GetString()));
    }

    [Fact]
    public async Task A_refused_or_repeated_payment_leaves_no_transaction_open_and_no_row_locked()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 10_000m);
        var client = await TreasurerAsync();
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(client, home.AllocationId, Payment(9_000m), "once")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PayAsync(client, home.AllocationId, Payment(9_000m), "once")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PayAsync(client, home.AllocationId, Payment(1_000m), "once")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PayAsync(client, home.AllocationId, Payment(1_000.01m))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PayAsync(client, home.AllocationId, Payment(12_000m))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PayAsync(await TreasurerAsync("540102"), home.AllocationId, Payment(1m))).StatusCode);

        // Every connection went back to the pool idle: the project and allocation rows can be locked at once. Other test
        // classes share the database, and one of theirs may be between two statements of a transaction: a leaked one
        // stays, so the count must come to 0 within a second.
        Assert.Equal(0, await Jobs.JobTests.EventuallyAsync(() => app.Db.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'"), n => n == 0, TimeSpan.FromSeconds(1)));
        await using var conn = await app.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        Assert.Equal(home.ProjectId, await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn,
            "SELECT id FROM projects WHERE id = @ProjectId FOR UPDATE NOWAIT", home, tx));
        Assert.Equal(home.AllocationId, await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn,
            "SELECT id FROM allocations WHERE id = @AllocationId FOR UPDATE NOWAIT", home, tx));
        Assert.Equal(9_000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task A_household_payment_without_a_payee_is_paid_to_the_head_of_the_household()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_900m);
        var response = await PayAsync(await TreasurerAsync(), home.AllocationId, new { amount = 5000, paidOn = "2022-02-01" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var row = (await response.Content.ReadFromJsonAsync<DisbursementView>())!;
        Assert.Equal(("นางสมศรี ใจดี", "household", "transfer"), (row.Payee, row.PayeeType, row.Method));
    }

    [Fact]
    public async Task Forty_concurrent_payments_of_1000_against_a_20900_allocation_accept_exactly_20()
    {
        var client = await TreasurerAsync();
        for (var run = 0; run < 3; run++)
        {
            var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
            await MoneySeed.TransferAsync(app.Db, home.ProjectId, 1_000_000m);
            var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => PayAsync(client, home.AllocationId, Payment(1000m, $"R-{i}"), $"run{run}-{i}")));

            Assert.Equal(20, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
            Assert.Equal(20, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
            Assert.Equal(20_000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE allocation_id = @AllocationId", home));
        }
    }

    [Fact]
    public async Task Forty_concurrent_payments_of_1000_against_20900_of_cash_accept_exactly_20()
    {
        var client = await TreasurerAsync();
        for (var run = 0; run < 3; run++)
        {
            // Forty homes of one project, each well within its allocation: only the project's cash limits them.
            var first = await MoneySeed.HomeAsync(app.Db, allocation: 50_000m);
            var homes = new List<MoneySeed.Home> { first };
            for (var i = 1; i < 40; i++) homes.Add(await MoneySeed.AnotherHomeAsync(app.Db, first, 50_000m));
            await MoneySeed.TransferAsync(app.Db, first.ProjectId, 20_900m);

            var answers = await Task.WhenAll(homes.Select((h, i) => PayAsync(client, h.AllocationId, Payment(1000m, $"R-{i}"), $"cash{run}-{i}")));

            Assert.Equal(20, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
            Assert.Equal(20, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
            Assert.Equal(20_000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE project_id = @ProjectId", first));
        }
    }

    [Fact]
    public async Task A_payment_over_the_allocation_is_a_409_naming_what_is_left_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 100_000m);
        var client = await TreasurerAsync();
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(client, home.AllocationId, Payment(20_000m))).StatusCode);
        var before = await app.Db.CountAsync("disbursements");

        var response = await PayAsync(client, home.AllocationId, Payment(900.01m));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(900m, problem.GetProperty("remaining").GetDecimal());
        Assert.Equal(before, await app.Db.CountAsync("disbursements"));
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(client, home.AllocationId, Payment(900m))).StatusCode);
    }

    [Fact]
    public async Task A_payment_over_the_cash_received_is_a_409_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 5_000m);
        var before = await app.Db.CountAsync("disbursements");

        var response = await PayAsync(await TreasurerAsync(), home.AllocationId, Payment(5_000.01m));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(5_000m, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cash").GetDecimal());
        Assert.Equal(before, await app.Db.CountAsync("disbursements"));
    }

    [Fact]
    public async Task A_cancelled_allocation_takes_no_payment()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 100_000m);
        await MoneySeed.CancelAsync(app.Db, home.AllocationId);
        var response = await PayAsync(await TreasurerAsync(), home.AllocationId, Payment());
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(0, await app.Db.CountAsync("disbursements", "allocation_id = @AllocationId", home));
    }

    [Theory]
    [InlineData(1000.001, "amount")]
    [InlineData(-5, "amount")]
    [InlineData(0, "amount")]
    [InlineData(100000000, "amount")]
    public async Task A_bad_amount_is_a_400_on_its_field(decimal amount, string field)
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var response = await PayAsync(await TreasurerAsync(), home.AllocationId, Payment(amount));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_payment_dated_tomorrow_or_with_an_unknown_method_is_a_400()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var client = await TreasurerAsync();
        var tomorrow = Thai.Today().AddDays(1).ToString("yyyy-MM-dd");
        var r1 = await PayAsync(client, home.AllocationId, new { amount = 10, paidOn = tomorrow, payee = "x" });
        var r2 = await PayAsync(client, home.AllocationId, new { amount = 10, paidOn = "2022-02-01", payee = "x", method = "bitcoin" });
        Assert.Equal(HttpStatusCode.BadRequest, r1.StatusCode);
        Assert.True((await r1.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("paidOn", out _));
        Assert.Equal(HttpStatusCode.BadRequest, r2.StatusCode);
        Assert.True((await r2.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("method", out _));
    }

    [Fact]
    public async Task The_same_key_again_answers_200_with_the_first_body_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 100_000m);
        var client = await TreasurerAsync();
        var first = await PayAsync(client, home.AllocationId, Payment(1000m), "same-key");
        var count = await app.Db.CountAsync("disbursements");
        var audits = await app.Db.CountAsync("audit_log");

        var again = await PayAsync(client, home.AllocationId, new { amount = 1000.00m, paidOn = "2022-02-01", payee = "ร้านวัสดุก่อสร้างแพร่", payeeType = "supplier", method = "cash", receiptNo = "R-001" }, "same-key");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(count, await app.Db.CountAsync("disbursements"));
        Assert.Equal(audits, await app.Db.CountAsync("audit_log"));
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_a_409_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 100_000m);
        var client = await TreasurerAsync();
        await PayAsync(client, home.AllocationId, Payment(1000m), "key-2");
        var count = await app.Db.CountAsync("disbursements");

        var response = await PayAsync(client, home.AllocationId, Payment(2000m), "key-2");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(count, await app.Db.CountAsync("disbursements"));
    }

    [Fact]
    public async Task Twenty_concurrent_requests_with_one_key_record_one_payment()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 100_000m);
        var client = await TreasurerAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PayAsync(client, home.AllocationId, Payment(1000m), "tap-tap")));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(19, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Single((await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync()))).Distinct());
        Assert.Equal(1, await app.Db.CountAsync("disbursements", "allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task A_treasurer_of_another_subdistrict_gets_404_and_staff_of_the_province_get_403()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 100_000m);
        var other = await PayAsync(await TreasurerAsync("540102"), home.AllocationId, Payment());
        var staff = await PayAsync(await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]), home.AllocationId, Payment());
        var viewer = await PayAsync(await app.ClientAsync(Role.Viewer), home.AllocationId, Payment());
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, staff.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Equal(0, await app.Db.CountAsync("disbursements", "allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task A_reversal_is_a_new_negative_entry_that_frees_the_money_and_is_made_once()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_900m);
        var client = await TreasurerAsync();
        var paid = (await (await PayAsync(client, home.AllocationId, Payment(20_900m))).Content.ReadFromJsonAsync<DisbursementView>())!;

        var response = await client.PostAsJsonAsync($"/api/v1/disbursements/{paid.Id}/reverse", new { reason = "ใบเสร็จซ้ำ" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var reversal = (await response.Content.ReadFromJsonAsync<DisbursementView>())!;
        Assert.Equal((-20_900m, paid.Id, "ใบเสร็จซ้ำ", Thai.Today()), (reversal.Amount, reversal.ReversesId, reversal.Reason, reversal.PaidOn));
        Assert.Equal(20_900m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM disbursements WHERE id = @Id", paid)); // the original stands
        Assert.Equal(0m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE allocation_id = @AllocationId", home));

        var twice = await client.PostAsJsonAsync($"/api/v1/disbursements/{paid.Id}/reverse", new { reason = "again" });
        var ofReversal = await client.PostAsJsonAsync($"/api/v1/disbursements/{reversal.Id}/reverse", new { reason = "undo" });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, ofReversal.StatusCode);
        Assert.Equal(2, await app.Db.CountAsync("disbursements", "allocation_id = @AllocationId", home));
        // The money is free again from the reversal's day (today): paid on the first payment's day, that day would end below zero.
        var backDated = await Seed.ProblemAsync(await PayAsync(client, home.AllocationId, Payment(20_900m, "R-002")), HttpStatusCode.Conflict);
        Assert.Equal(("2022-02-01", 20_900m), (backDated.GetProperty("negativeOn").GetString(), backDated.GetProperty("shortfall").GetDecimal()));
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(client, home.AllocationId, new
        {
            amount = 20_900m, paidOn = Thai.Today().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), payee = "ร้านวัสดุก่อสร้างแพร่",
            payeeType = "supplier", method = "cash", receiptNo = "R-002",
        })).StatusCode);
    }

    [Fact]
    public async Task Concurrent_reversals_of_one_payment_make_one_entry()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_900m);
        var client = await TreasurerAsync();
        var paid = (await (await PayAsync(client, home.AllocationId, Payment(5000m))).Content.ReadFromJsonAsync<DisbursementView>())!;

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.PostAsJsonAsync($"/api/v1/disbursements/{paid.Id}/reverse", new { reason = "ผิดคน" })));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(9, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, await app.Db.CountAsync("disbursements", "reverses_id = @Id", paid));
    }

    [Fact]
    public async Task A_reversal_needs_a_reason()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_900m);
        var client = await TreasurerAsync();
        var paid = (await (await PayAsync(client, home.AllocationId, Payment(5000m))).Content.ReadFromJsonAsync<DisbursementView>())!;
        var response = await client.PostAsJsonAsync($"/api/v1/disbursements/{paid.Id}/reverse", new { reason = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await app.Db.CountAsync("disbursements", "reverses_id = @Id", paid));
    }

    [Theory]
    [InlineData("UPDATE disbursements SET amount = 1", "append-only")]
    [InlineData("DELETE FROM disbursements", "append-only")]
    [InlineData("TRUNCATE disbursements CASCADE", "append-only")]
    [InlineData("UPDATE transfers SET amount = 1", "append-only")]
    [InlineData("DELETE FROM transfers", "append-only")]
    [InlineData("UPDATE project_cash SET paid = 0", "kept by the ledgers' triggers")]
    [InlineData("DELETE FROM project_cash", "kept by the ledgers' triggers")]
    [InlineData("TRUNCATE project_cash", "kept by the ledgers' triggers")]
    [InlineData("INSERT INTO project_cash (project_id, received) SELECT id + 1000, 1000000 FROM projects", "kept by the ledgers' triggers")]
    public async Task A_direct_SQL_session_cannot_rewrite_the_ledgers_or_the_cash_totals_they_keep(string sql, string refusal)
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 20_900m);
        var client = await TreasurerAsync();
        await PayAsync(client, home.AllocationId, Payment(5000m));
        var paid = (await (await PayAsync(client, home.AllocationId, Payment(700m))).Content.ReadFromJsonAsync<DisbursementView>())!;
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/disbursements/{paid.Id}/reverse", new { reason = "ผิดยอด" })).StatusCode);
        // The project's totals follow its payments and the reversal.
        const string Totals = "SELECT received, paid FROM project_cash WHERE project_id = @ProjectId";
        Assert.Equal((20_900m, 5_000m), Assert.Single(await app.Db.QueryAsync<(decimal, decimal)>(Totals, home)));
        const string All = """
            SELECT (SELECT sum(amount) FROM disbursements), (SELECT sum(amount) FROM transfers),
                   (SELECT count(*) FROM project_cash), (SELECT sum(received) FROM project_cash), (SELECT sum(paid) FROM project_cash)
            """;
        var before = Assert.Single(await app.Db.QueryAsync<(decimal, decimal, long, decimal, decimal)>(All));

        // As the owner of the tables: the app's own login may not even try a TRUNCATE (Database/AppLoginTests).
        await using var owner = Npgsql.NpgsqlDataSource.Create(app.OwnerConnectionString);
        var e = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => owner.ExecuteAsync(sql));

        Assert.Contains(refusal, e.MessageText);
        Assert.Equal(before, Assert.Single(await app.Db.QueryAsync<(decimal, decimal, long, decimal, decimal)>(All)));
        Assert.Equal((20_900m, 5_000m), Assert.Single(await app.Db.QueryAsync<(decimal, decimal)>(Totals, home)));
    }
}
