using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Tests.Disbursements;
using Housing.Tests.Milestones;

namespace Housing.Tests.Rules;

/// <summary>Money released on evidence: tranches refused until the homes' progress unlocks them, payments refused until a
/// home's stage (and its photo) allows them, a stage withdrawn that closes its gate again, receipts on payments.
/// Each test has a fiscal year of its own, so its program year's rules touch nothing else.</summary>
public sealed class EvidenceTests(TestApp app) : IClassFixture<TestApp>
{
    Task<(int Year, long ProjectId, long[] Homes)> ProjectAsync(int homes, decimal allocation, decimal projectAmount)
        => EvidenceSeed.ProjectAsync(app, homes, allocation, projectAmount);

    Task RulesAsync(int fy, object rules) => EvidenceSeed.RulesAsync(app, fy, rules);

    Task<HttpClient> TreasurerAsync() => app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);

    static readonly string[] Order = ["surveyed", "approved", "materials_bought", "construction_started", "structure_done", "completed", "handed_over"];

    /// <summary>Records the stages after the home's last standing one, up to <paramref name="upTo"/>; the milestones' ids.</summary>
    static async Task<Dictionary<string, long>> StagesAsync(HttpClient c, long allocationId, string upTo, string from = "surveyed")
    {
        var ids = new Dictionary<string, long>();
        for (var i = Array.IndexOf(Order, from); i <= Array.IndexOf(Order, upTo); i++)
        {
            var m = await Seed.CreatedAsync<JsonElement>(await c.PostAsJsonAsync($"/api/v1/allocations/{allocationId}/milestones",
                new { stage = Order[i], reachedOn = $"2022-01-{10 + i:00}" }));
            ids[Order[i]] = m.GetProperty("id").GetInt64();
        }
        return ids;
    }

    static async Task PhotoAsync(HttpClient c, long milestoneId)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(MilestoneApiTests.Png(800, 600));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "photo.png");
        Assert.Equal(HttpStatusCode.Created, (await c.PostAsync($"/api/v1/milestones/{milestoneId}/photos", form)).StatusCode);
    }

    static Task<HttpResponseMessage> TransferAsync(HttpClient c, long projectId, decimal amount, string reference)
        => c.PostAsJsonAsync($"/api/v1/projects/{projectId}/transfers", new { amount, receivedOn = "2022-02-01", reference });

    static async Task<HttpResponseMessage> PayAsync(HttpClient c, long allocationId, decimal amount, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/allocations/{allocationId}/disbursements")
            { Content = JsonContent.Create(new { amount, paidOn = "2022-02-15", payee = "ร้านวัสดุ", payeeType = "supplier", receiptNo = "R-1" }) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString("N"));
        return await c.SendAsync(request);
    }

    static object Gates => new
    {
        paymentGates = new object[]
        {
            new { stage = "approved", payableShare = 20m },
            new { stage = "construction_started", payableShare = 60m, photo = true },
            new { stage = "completed", payableShare = 100m },
        },
    };

    [Fact]
    public async Task A_tranche_is_refused_naming_the_homes_it_waits_for_then_unlocked_by_their_stages_and_photos()
    {
        var (fy, projectId, homes) = await ProjectAsync(4, 25_000m, 100_000m);
        await RulesAsync(fy, new { tranches = new object[] { new { share = 40m }, new { share = 60m, stage = "construction_started", homesPercent = 75m, photo = true } } });
        var c = await TreasurerAsync();

        Assert.Equal(HttpStatusCode.Created, (await TransferAsync(c, projectId, 40_000m, "T-1")).StatusCode); // the free tranche
        var refused = await Seed.ProblemAsync(await TransferAsync(c, projectId, 10_000m, "T-2"), HttpStatusCode.Conflict);
        Assert.Equal("งวดที่ 2 ต้องมีบ้านเริ่มก่อสร้างพร้อมรูป 3 หลัง: ตอนนี้ 0 หลัง (รับโอนได้อีก 0.00 บาท)", refused.GetProperty("detail").GetString());
        Assert.Equal((2, 0m), (refused.GetProperty("tranche").GetInt32(), refused.GetProperty("unlockedRemaining").GetDecimal()));

        // Three homes start building; two have a photo there: still one short.
        var stages = new List<Dictionary<string, long>>();
        for (var i = 0; i < 3; i++) stages.Add(await StagesAsync(c, homes[i], "construction_started"));
        await PhotoAsync(c, stages[0]["construction_started"]);
        await PhotoAsync(c, stages[1]["construction_started"]);
        var english = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/projects/{projectId}/transfers")
            { Content = JsonContent.Create(new { amount = 60_000m, receivedOn = "2022-02-01", reference = "T-2" }) };
        english.Headers.AcceptLanguage.ParseAdd("en");
        var stillShort = await Seed.ProblemAsync(await c.SendAsync(english), HttpStatusCode.Conflict);
        Assert.Equal("Not unlocked yet: tranche 2 needs 3 homes at Construction started with a photo: 2 so far (0.00 baht may be received now).",
            stillShort.GetProperty("detail").GetString());
        var page = await (await c.GetAsync($"/Projects/{projectId}")).Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"tranche-1\" data-status=\"received\"", page);
        Assert.Contains("data-testid=\"tranche-2\" data-status=\"waiting\"", page);
        Assert.Contains("งวดที่ 2 ต้องมีบ้านเริ่มก่อสร้างพร้อมรูป 3 หลัง: ตอนนี้ 2 หลัง", page);
        Assert.Equal(1, await app.Db.CountAsync("transfers", "project_id = @projectId", new { projectId }));

        await PhotoAsync(c, stages[2]["construction_started"]);
        Assert.Contains("data-testid=\"tranche-2\" data-status=\"unlocked\"", await (await c.GetAsync($"/Projects/{projectId}")).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, (await TransferAsync(c, projectId, 60_000m, "T-2")).StatusCode);
        Assert.Equal(100_000m, await app.Db.ScalarAsync<decimal>("SELECT received FROM project_cash WHERE project_id = @projectId", new { projectId }));
        Assert.Contains("data-testid=\"tranche-2\" data-status=\"received\"", await (await c.GetAsync($"/Projects/{projectId}")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_tranche_held_back_by_an_earlier_ones_withdrawn_stage_names_that_stage()
    {
        var (fy, projectId, homes) = await ProjectAsync(1, 25_000m, 100_000m);
        await RulesAsync(fy, new { tranches = new object[] { new { share = 30m }, new { share = 30m, stage = "approved", homesPercent = 100m }, new { share = 40m } } });
        var c = await TreasurerAsync();
        var stages = await StagesAsync(c, homes[0], "approved");
        Assert.Equal(HttpStatusCode.Created, (await TransferAsync(c, projectId, 60_000m, "T-1")).StatusCode);
        (await c.PostAsJsonAsync($"/api/v1/milestones/{stages["approved"]}/withdraw", new { reason = "บันทึกผิดบ้าน" })).EnsureSuccessStatusCode();

        var refused = await Seed.ProblemAsync(await TransferAsync(c, projectId, 40_000m, "T-3"), HttpStatusCode.Conflict);
        Assert.Equal("งวดที่ 2 ต้องมีบ้านอนุมัติ 1 หลัง: ตอนนี้ 0 หลัง (รับโอนได้อีก 0.00 บาท)", refused.GetProperty("detail").GetString());
        Assert.Equal(3, refused.GetProperty("tranche").GetInt32());
        var page = await (await c.GetAsync($"/Projects/{projectId}")).Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"tranche-3\" data-status=\"waiting\"", page);
        Assert.Contains("รอ: งวดที่ 2 ต้องมีบ้านอนุมัติ 1 หลัง: ตอนนี้ 0 หลัง", page);
        Assert.DoesNotContain("ไม่มีเงื่อนไข", page);
    }

    [Fact]
    public async Task A_tranche_counts_neither_cancelled_homes_nor_withdrawn_stages()
    {
        var (fy, projectId, homes) = await ProjectAsync(2, 25_000m, 100_000m);
        await RulesAsync(fy, new { tranches = new object[] { new { share = 50m, stage = "approved", homesPercent = 100m } } });
        var c = await TreasurerAsync();
        var first = await StagesAsync(c, homes[0], "approved");
        await MoneySeed.CancelAsync(app.Db, homes[1]); // the only other home: now one of one is approved
        await c.PostAsJsonAsync($"/api/v1/milestones/{first["approved"]}/withdraw", new { reason = "บันทึกผิดบ้าน" });

        var refused = await Seed.ProblemAsync(await TransferAsync(c, projectId, 50_000m, "T-1"), HttpStatusCode.Conflict);
        Assert.StartsWith("งวดที่ 1 ต้องมีบ้านอนุมัติ 1 หลัง: ตอนนี้ 0 หลัง", refused.GetProperty("detail").GetString());
        await StagesAsync(c, homes[0], "approved", from: "approved"); // recorded again, this time for real
        Assert.Equal(HttpStatusCode.Created, (await TransferAsync(c, projectId, 50_000m, "T-1")).StatusCode);
        // Past every tranche the plan is met: the rest of the project's amount may come in.
        Assert.Equal(HttpStatusCode.Created, (await TransferAsync(c, projectId, 50_000m, "T-2")).StatusCode);
    }

    [Fact]
    public async Task A_payment_is_refused_before_its_stage_then_allowed_by_the_stage_and_its_photo_and_the_form_says_what_may_be_paid()
    {
        var (fy, projectId, homes) = await ProjectAsync(1, 20_000m, 100_000m);
        await RulesAsync(fy, Gates);
        await MoneySeed.TransferAsync(app.Db, projectId, 20_000m);
        var c = await TreasurerAsync();
        var home = homes[0];

        var before = await Seed.ProblemAsync(await PayAsync(c, home, 1_000m), HttpStatusCode.Conflict);
        Assert.Equal(("approved", 0m, 4_000m), (before.GetProperty("nextStage").GetString(), before.GetProperty("payableNow").GetDecimal(), before.GetProperty("nextPayable").GetDecimal()));
        Assert.Equal("ยังจ่ายไม่ได้ตามเงื่อนไขการจ่าย: ตอนนี้จ่ายได้อีก 0.00 บาท ต้องถึงขั้นอนุมัติ จึงจ่ายได้ถึงร้อยละ 20 ของงบ (4,000.00 บาท)",
            before.GetProperty("detail").GetString());

        var stages = await StagesAsync(c, home, "approved");
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(c, home, 4_000m)).StatusCode);
        var next = await Seed.ProblemAsync(await PayAsync(c, home, 0.01m), HttpStatusCode.Conflict);
        Assert.Equal(("construction_started", 12_000m), (next.GetProperty("nextStage").GetString(), next.GetProperty("nextPayable").GetDecimal()));

        stages = stages.Concat(await StagesAsync(c, home, "construction_started", from: "materials_bought")).ToDictionary();
        // The stage without its photo is not enough.
        var noPhoto = await Seed.ProblemAsync(await PayAsync(c, home, 8_000m), HttpStatusCode.Conflict);
        Assert.Contains("เริ่มก่อสร้างพร้อมรูปถ่าย", noPhoto.GetProperty("detail").GetString());
        var form = await (await c.GetAsync($"/Disbursements/Record/{home}")).Content.ReadAsStringAsync();
        Assert.Matches("data-testid=\"payable-now\">[^<]*<strong>0.00 บาท</strong>", form);
        Assert.Contains("capture=\"environment\"", form);

        await PhotoAsync(c, stages["construction_started"]);
        form = await (await c.GetAsync($"/Disbursements/Record/{home}")).Content.ReadAsStringAsync();
        Assert.Matches("data-testid=\"payable-now\">[^<]*<strong>8,000.00 บาท</strong>", form);
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(c, home, 8_000m)).StatusCode);
        Assert.Equal(12_000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE allocation_id = @home", new { home }));
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task A_withdrawn_stage_closes_its_gate_again_is_kept_with_its_reason_and_may_be_recorded_anew()
    {
        var (fy, projectId, homes) = await ProjectAsync(1, 20_000m, 100_000m);
        await RulesAsync(fy, Gates);
        await MoneySeed.TransferAsync(app.Db, projectId, 20_000m);
        var c = await TreasurerAsync();
        var home = homes[0];
        var stages = await StagesAsync(c, home, "construction_started");
        await PhotoAsync(c, stages["construction_started"]);
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(c, home, 4_000m)).StatusCode); // what "approved" alone allows

        // Only the latest standing stage may go.
        await Seed.ProblemAsync(await c.PostAsJsonAsync($"/api/v1/milestones/{stages["approved"]}/withdraw", new { reason = "ผิด" }), HttpStatusCode.Conflict);
        await Seed.ProblemAsync(await c.PostAsJsonAsync($"/api/v1/milestones/{stages["construction_started"]}/withdraw", new { reason = " " }), HttpStatusCode.BadRequest);
        var withdrawn = await Seed.CreatedAsync<JsonElement>(await c.PostAsJsonAsync($"/api/v1/milestones/{stages["construction_started"]}/withdraw",
            new { reason = "ถ่ายรูปผิดหลัง ยังไม่เริ่มก่อสร้าง" }));
        Assert.Equal("ถ่ายรูปผิดหลัง ยังไม่เริ่มก่อสร้าง", withdrawn.GetProperty("withdrawReason").GetString());
        await Seed.ProblemAsync(await c.PostAsJsonAsync($"/api/v1/milestones/{stages["construction_started"]}/withdraw", new { reason = "อีกครั้ง" }), HttpStatusCode.Conflict);

        // The gate is closed again: only what "approved" allows, all paid already.
        var closed = await Seed.ProblemAsync(await PayAsync(c, home, 1_000m), HttpStatusCode.Conflict);
        Assert.Equal(("construction_started", 0m), (closed.GetProperty("nextStage").GetString(), closed.GetProperty("payableNow").GetDecimal()));
        var list = (await c.GetFromJsonAsync<JsonElement>($"/api/v1/allocations/{home}/milestones")).EnumerateArray().ToList();
        Assert.Equal(4, list.Count); // never deleted
        Assert.All(list.Take(3), m => Assert.Equal(JsonValueKind.Null, m.GetProperty("withdrawnAt").ValueKind));
        Assert.Equal("ถ่ายรูปผิดหลัง ยังไม่เริ่มก่อสร้าง", list[3].GetProperty("withdrawReason").GetString());
        Assert.NotEqual(JsonValueKind.Null, list[3].GetProperty("withdrawnAt").ValueKind);
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'milestone.withdraw' AND entity_id = @id", new { id = stages["construction_started"].ToString() }));
        Assert.Equal(("ถอนขั้นตอนความคืบหน้าที่บันทึกผิด", "Withdraw a stage saved by mistake"),
            (Housing.Access.AuditLabels.Action("milestone.withdraw").Th, Housing.Access.AuditLabels.Action("milestone.withdraw").En));

        // The next stage's order treats the withdrawn one as gone: structure_done is out of order, construction_started comes again.
        var order = await Seed.ProblemAsync(await c.PostAsJsonAsync($"/api/v1/allocations/{home}/milestones", new { stage = "structure_done", reachedOn = "2022-02-20" }),
            HttpStatusCode.Conflict);
        Assert.Equal("construction_started", order.GetProperty("expectedStage").GetString());
        var again = await StagesAsync(c, home, "construction_started", from: "construction_started");
        await PhotoAsync(c, again["construction_started"]);
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(c, home, 8_000m)).StatusCode);
    }

    [Fact]
    public async Task An_allocation_is_never_cut_below_what_its_stages_allow_for_what_was_paid()
    {
        var (fy, projectId, homes) = await ProjectAsync(1, 30_000m, 100_000m);
        await RulesAsync(fy, Gates);
        await MoneySeed.TransferAsync(app.Db, projectId, 30_000m);
        var c = await TreasurerAsync();
        var home = homes[0];
        var stages = await StagesAsync(c, home, "construction_started");
        await PhotoAsync(c, stages["construction_started"]);
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(c, home, 18_000m)).StatusCode); // 60 % of 30,000
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var audits = await app.Db.CountAsync("audit_log", "action = 'allocation.change' AND entity_id = @id", new { id = home.ToString() });

        // Cut to what was paid, the home would read as paid in full before it was completed: 60 % of 29,999.99 is 17,999.99.
        var refused = await Seed.ProblemAsync(await staff.PutAsJsonAsync($"/api/v1/allocations/{home}",
            new { amount = 29_999.99m, workType = "repair", reason = "ลดงบ" }), HttpStatusCode.Conflict);
        Assert.Equal((18_000m, 17_999.99m), (refused.GetProperty("paid").GetDecimal(), refused.GetProperty("payable").GetDecimal()));
        Assert.Equal("ลดจำนวนเงินไม่ได้: จ่ายไปแล้ว 18,000.00 บาท เกินที่ขั้นตอนปัจจุบันให้จ่ายได้ 17,999.99 บาท (60% ของยอดใหม่)", refused.GetProperty("detail").GetString());
        await Seed.ProblemAsync(await staff.PutAsJsonAsync($"/api/v1/allocations/{home}", new { amount = 18_000m, workType = "repair", reason = "ลดงบ" }),
            HttpStatusCode.Conflict);
        Assert.Equal(30_000m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM allocations WHERE id = @home", new { home }));
        Assert.Equal(audits, await app.Db.CountAsync("audit_log", "action = 'allocation.change' AND entity_id = @id", new { id = home.ToString() }));

        // Once completed, every baht may be paid: the cut to what was paid is allowed.
        await StagesAsync(c, home, "completed", from: "structure_done");
        (await staff.PutAsJsonAsync($"/api/v1/allocations/{home}", new { amount = 18_000m, workType = "repair", reason = "ลดงบ" })).EnsureSuccessStatusCode();
        Assert.Equal(18_000m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM allocations WHERE id = @home", new { home }));
    }

    [Fact]
    public async Task A_stage_cannot_be_withdrawn_while_payments_rest_on_it_and_a_refusal_writes_nothing()
    {
        var (fy, projectId, homes) = await ProjectAsync(1, 20_000m, 100_000m);
        await RulesAsync(fy, Gates);
        await MoneySeed.TransferAsync(app.Db, projectId, 20_000m);
        var c = await TreasurerAsync();
        var home = homes[0];
        var stages = await StagesAsync(c, home, "construction_started");
        await PhotoAsync(c, stages["construction_started"]);
        Assert.Equal(HttpStatusCode.Created, (await PayAsync(c, home, 10_000m)).StatusCode); // 6,000 of it rests on construction_started

        var refused = await Seed.ProblemAsync(await c.PostAsJsonAsync($"/api/v1/milestones/{stages["construction_started"]}/withdraw", new { reason = "ผิด" }),
            HttpStatusCode.Conflict);
        Assert.Equal((10_000m, 4_000m), (refused.GetProperty("paid").GetDecimal(), refused.GetProperty("payable").GetDecimal()));
        Assert.Equal(0, await app.Db.CountAsync("milestones", "allocation_id = @home AND withdrawn_at IS NOT NULL", new { home }));
        Assert.Equal(0, await app.Db.CountAsync("audit_log", "action = 'milestone.withdraw'  AND entity_id = @id", new { id = stages["construction_started"].ToString() }));
    }

    [Fact]
    public async Task Forty_concurrent_payments_with_gates_on_give_exactly_what_the_stage_allows()
    {
        var (fy, projectId, homes) = await ProjectAsync(1, 40_000m, 100_000m);
        await RulesAsync(fy, Gates);
        await MoneySeed.TransferAsync(app.Db, projectId, 40_000m);
        var c = await TreasurerAsync();
        await StagesAsync(c, homes[0], "approved"); // 20 % of 40,000: 8 payments of 1,000

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => PayAsync(c, homes[0], 1_000m, $"gate-{i}")));

        Assert.Equal(8, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(32, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(8_000m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE allocation_id = @h", new { h = homes[0] }));
        await Invariants.AssertHoldAsync(app.Db);
    }

    [Fact]
    public async Task A_payment_racing_the_withdrawal_of_its_stage_never_leaves_a_home_paid_past_its_standing_stages()
    {
        var c = await TreasurerAsync();
        for (var run = 0; run < 6; run++)
        {
            var (fy, projectId, homes) = await ProjectAsync(1, 20_000m, 100_000m);
            await RulesAsync(fy, Gates);
            await MoneySeed.TransferAsync(app.Db, projectId, 20_000m);
            var stages = await StagesAsync(c, homes[0], "construction_started");
            await PhotoAsync(c, stages["construction_started"]);
            // Either fits alone: paying 8,000 (the stage allows 12,000) or withdrawing the stage (nothing paid yet past 4,000).
            Assert.Equal(HttpStatusCode.Created, (await PayAsync(c, homes[0], 4_000m)).StatusCode);
            using var start = new SemaphoreSlim(0);
            var pay = Task.Run(async () => { await start.WaitAsync(); return await PayAsync(c, homes[0], 8_000m); });
            var withdraw = Task.Run(async () => { await start.WaitAsync(); return await c.PostAsJsonAsync($"/api/v1/milestones/{stages["construction_started"]}/withdraw", new { reason = "พร้อมกัน" }); });
            start.Release(2);
            var answers = new[] { (await pay).StatusCode, (await withdraw).StatusCode };

            Assert.Single(answers, HttpStatusCode.Created);
            Assert.Single(answers, HttpStatusCode.Conflict);
        }
    }

    [Fact]
    public async Task A_receipt_photo_goes_with_a_payment_once_and_only_as_an_image_from_someone_who_records_money()
    {
        var (_, projectId, homes) = await ProjectAsync(1, 20_000m, 100_000m);
        await MoneySeed.TransferAsync(app.Db, projectId, 20_000m);
        var c = await TreasurerAsync();
        var payment = await Seed.CreatedAsync<JsonElement>(await PayAsync(c, homes[0], 5_000m));
        var id = payment.GetProperty("id").GetInt64();
        var jpeg = MilestoneApiTests.Jpeg(1600, 1200);
        MultipartFormDataContent Form(byte[] bytes) { var f = new MultipartFormDataContent(); f.Add(new ByteArrayContent(bytes), "file", "receipt.jpg"); return f; }

        var receipt = await Seed.CreatedAsync<JsonElement>(await c.PostAsync($"/api/v1/disbursements/{id}/receipt", Form(jpeg)));
        Assert.Equal(("image/jpeg", id), (receipt.GetProperty("contentType").GetString(), receipt.GetProperty("disbursementId").GetInt64()));
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync($"/api/v1/disbursements/{id}/receipt", Form(jpeg))).StatusCode); // a double tap
        await Seed.ProblemAsync(await c.PostAsync($"/api/v1/disbursements/{id}/receipt", Form("GIF89a-not-a-receipt"u8.ToArray())), HttpStatusCode.BadRequest);
        var outsider = await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"]);
        await Seed.ProblemAsync(await outsider.PostAsync($"/api/v1/disbursements/{id}/receipt", Form(MilestoneApiTests.Png(10, 10))), HttpStatusCode.NotFound);
        Assert.Equal(jpeg, await app.Db.ScalarAsync<byte[]>("SELECT content FROM disbursement_receipts WHERE disbursement_id = @id", new { id }));
        Assert.Equal(1, await app.Db.CountAsync("disbursement_receipts", "disbursement_id = @id", new { id }));
    }

    [Fact]
    public async Task A_receipt_photo_is_read_back_byte_for_byte_where_its_payment_may_be_read_and_is_a_404_elsewhere_as_milestone_photos_are()
    {
        var (_, projectId, homes) = await ProjectAsync(1, 20_000m, 100_000m);
        await MoneySeed.TransferAsync(app.Db, projectId, 20_000m);
        var c = await TreasurerAsync();
        var id = (await Seed.CreatedAsync<JsonElement>(await PayAsync(c, homes[0], 5_000m))).GetProperty("id").GetInt64();
        var png = MilestoneApiTests.Png(1200, 900);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(png), "file", "receipt.png" } };
        var created = await c.PostAsync($"/api/v1/disbursements/{id}/receipt", form);
        var receiptId = (await Seed.CreatedAsync<JsonElement>(created)).GetProperty("id").GetInt64();
        Assert.Equal($"/api/v1/receipts/{receiptId}", created.Headers.Location?.OriginalString);

        foreach (var reader in new[] { c, await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]), await app.ClientAsync(Role.Viewer, provinces: ["54"]) })
        {
            var photo = await reader.GetAsync($"/api/v1/receipts/{receiptId}");
            Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
            Assert.Equal("image/png", photo.Content.Headers.ContentType?.MediaType);
            Assert.Equal(png, await photo.Content.ReadAsByteArrayAsync());
        }
        // Outside the area, as for a milestone's photo: the 404 of a photo that does not exist.
        var missing = await Seed.ProblemAsync(await c.GetAsync($"/api/v1/receipts/{receiptId + 1_000_000}"), HttpStatusCode.NotFound);
        foreach (var outsider in new[] { await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"]), await app.ClientAsync(Role.ProvincialStaff, provinces: ["19"]),
                     await app.ClientAsync(Role.Viewer, provinces: ["19"]) })
        {
            var hidden = await Seed.ProblemAsync(await outsider.GetAsync($"/api/v1/receipts/{receiptId}"), HttpStatusCode.NotFound);
            Assert.Equal($"ไม่พบรูปใบเสร็จเลขที่ {receiptId}", hidden.GetProperty("detail").GetString());
        }
        Assert.Equal($"ไม่พบรูปใบเสร็จเลขที่ {receiptId + 1_000_000}", missing.GetProperty("detail").GetString());

        // A home's payments and the cash book name their receipt photos.
        var payments = await c.GetFromJsonAsync<JsonElement>($"/api/v1/allocations/{homes[0]}/disbursements");
        Assert.Equal([receiptId], payments[0].GetProperty("receiptIds").EnumerateArray().Select(r => r.GetInt64()).ToArray());
        var book = await c.GetFromJsonAsync<JsonElement>($"/api/v1/projects/{projectId}/ledger");
        Assert.Equal([receiptId], book.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "payment")
            .GetProperty("receiptIds").EnumerateArray().Select(r => r.GetInt64()).ToArray());
    }
}
