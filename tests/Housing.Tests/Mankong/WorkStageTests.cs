using System.Net;
using System.Net.Http.Json;
using Dapper;
using Housing.Access;
using Housing.Mankong;

namespace Housing.Tests.Mankong;

public sealed class WorkStageTests(MankongApp app) : IClassFixture<MankongApp>
{
    async Task<(long ProjectId, WorkView Work)> WorkAsync(decimal received = 1_000_000m)
    {
        app.Clock.SetToday(new DateOnly(2026, 6, 15));
        var projectId = await MankongSeed.ProjectAsync(app.Db, amount: 5_000_000m);
        await using (var conn = await app.Db.OpenConnectionAsync())
            await conn.ExecuteAsync("INSERT INTO transfers (project_id, amount, received_on, reference) VALUES (@projectId, @received, '2026-01-10', 'CODI-BMK-1')", new { projectId, received });
        var staff = await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]);
        var work = await Seed.CreatedAsync<WorkView>(await staff.PostAsJsonAsync($"/api/v1/projects/{projectId}/works", new { kind = "drainage", name = "ท่อระบายน้ำ", amount = 900_000m }));
        return (projectId, work);
    }

    [Fact]
    public async Task A_works_stages_go_in_order_each_with_photos_checked_by_their_bytes()
    {
        var (_, work) = await WorkAsync();
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var url = $"/api/v1/works/{work.Id}/stages";

        var outOfOrder = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync(url, new { stage = "started", reachedOn = "2026-02-01" }), HttpStatusCode.Conflict);
        var surveyed = await Seed.CreatedAsync<WorkStageView>(await treasurer.PostAsJsonAsync(url, new { stage = "surveyed", reachedOn = "2026-02-01", note = "สำรวจแนวท่อ" }));
        var again = await treasurer.PostAsJsonAsync(url, new { stage = "surveyed", reachedOn = "2026-02-01", note = "สำรวจแนวท่อ" });
        var earlier = await treasurer.PostAsJsonAsync(url, new { stage = "contracted", reachedOn = "2026-01-31" });
        var contracted = await Seed.CreatedAsync<WorkStageView>(await treasurer.PostAsJsonAsync(url, new { stage = "contracted", reachedOn = "2026-02-20" }));
        var future = await treasurer.PostAsJsonAsync(url, new { stage = "started", reachedOn = "2026-06-16" });
        var viewer = await (await app.ClientAsync(Role.Viewer, provinces: ["54"])).PostAsJsonAsync(url, new { stage = "started", reachedOn = "2026-03-01" });

        var photo = await Seed.CreatedAsync<WorkPhotoView>(await treasurer.PostAsync($"/api/v1/work-stages/{surveyed.Id}/photos", MankongWorld.PhotoForm()));
        var same = await treasurer.PostAsync($"/api/v1/work-stages/{surveyed.Id}/photos", MankongWorld.PhotoForm());
        var notImage = new MultipartFormDataContent { { new ByteArrayContent("GIF89a not a photo"u8.ToArray()), "file", "x.png" } };
        var refused = await Seed.ProblemAsync(await treasurer.PostAsync($"/api/v1/work-stages/{surveyed.Id}/photos", notImage), HttpStatusCode.BadRequest);
        var bytes = await (await treasurer.GetAsync($"/api/v1/work-photos/{photo.Id}")).Content.ReadAsByteArrayAsync();
        var outsider = await (await app.ClientAsync(Role.Viewer, provinces: ["19"])).GetAsync($"/api/v1/work-photos/{photo.Id}");

        Assert.Equal("surveyed", outOfOrder.GetProperty("expectedStage").GetString());
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.Forbidden), (again.StatusCode, earlier.StatusCode, future.StatusCode, viewer.StatusCode));
        Assert.Equal((1, "surveyed", new DateOnly(2026, 2, 1), "สำรวจแนวท่อ"), (surveyed.StageOrder, surveyed.Stage, surveyed.ReachedOn, surveyed.Note));
        Assert.Equal(2, contracted.StageOrder);
        Assert.Equal((HttpStatusCode.OK, "image/png", MankongWorld.Png.Length), (same.StatusCode, photo.ContentType, photo.SizeBytes));
        Assert.True(refused.GetProperty("errors").TryGetProperty("file", out _));
        Assert.Equal(MankongWorld.Png, bytes);
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        var stages = await treasurer.GetFromJsonAsync<List<WorkStageView>>(url);
        Assert.Equal([("surveyed", 1), ("contracted", 0)], stages!.Select(s => (s.Stage, s.Photos.Count)));
        Assert.Equal((2, 1), (await app.Db.CountAsync("audit_log", $"action = 'work.stage' AND entity_id = '{work.Id}'"),
            await app.Db.CountAsync("audit_log", $"action = 'work.photo' AND entity_id = '{photo.Id}'")));
    }

    [Fact]
    public async Task A_works_payment_is_reversed_once_by_a_negative_entry_and_its_money_can_be_paid_again()
    {
        var (projectId, work) = await WorkAsync(received: 500_000m);
        var treasurer = await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);
        var pay = await Seed.CreatedAsync<WorkPaymentView>(await treasurer.PostAsJsonAsync($"/api/v1/works/{work.Id}/disbursements",
            new { amount = 500_000m, paidOn = "2026-02-01", payee = "หจก. ท่อดี", receiptNo = "INV-9" }));
        var noCash = await treasurer.PostAsJsonAsync($"/api/v1/works/{work.Id}/disbursements", new { amount = 1m, paidOn = "2026-02-02", payee = "หจก. ท่อดี" });

        var staff = await (await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"])).PostAsJsonAsync($"/api/v1/work-disbursements/{pay.Id}/reverse", new { reason = "ผิดงาน" });
        var noReason = await treasurer.PostAsJsonAsync($"/api/v1/work-disbursements/{pay.Id}/reverse", new { reason = " " });
        var reversal = await Seed.CreatedAsync<WorkPaymentView>(await treasurer.PostAsJsonAsync($"/api/v1/work-disbursements/{pay.Id}/reverse", new { reason = "จ่ายผิดงาน" }));
        var twice = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync($"/api/v1/work-disbursements/{pay.Id}/reverse", new { reason = "อีกครั้ง" }), HttpStatusCode.Conflict);
        var ofReversal = await treasurer.PostAsJsonAsync($"/api/v1/work-disbursements/{reversal.Id}/reverse", new { reason = "กลับการกลับ" });
        // The reversal gives the money back from its own day: paid again before it, the cash book would be negative until then.
        var payEarly = await Seed.ProblemAsync(await treasurer.PostAsJsonAsync($"/api/v1/works/{work.Id}/disbursements",
            new { amount = 500_000m, paidOn = "2026-02-03", payee = "หจก. ท่อดีกว่า" }), HttpStatusCode.Conflict);
        var payAgain = await treasurer.PostAsJsonAsync($"/api/v1/works/{work.Id}/disbursements", new { amount = 500_000m, paidOn = "2026-06-15", payee = "หจก. ท่อดีกว่า" });

        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Forbidden, HttpStatusCode.BadRequest, HttpStatusCode.Conflict, HttpStatusCode.Created),
            (noCash.StatusCode, staff.StatusCode, noReason.StatusCode, ofReversal.StatusCode, payAgain.StatusCode));
        Assert.Equal((-500_000m, pay.Id, "จ่ายผิดงาน", new DateOnly(2026, 6, 15), "หจก. ท่อดี", "INV-9"),
            (reversal.Amount, reversal.ReversesId!.Value, reversal.Reason, reversal.PaidOn, reversal.Payee, reversal.ReceiptNo));
        Assert.Equal(reversal.Id, twice.GetProperty("reversedById").GetInt64());
        Assert.Equal(("2026-02-03", 500_000m), (payEarly.GetProperty("negativeOn").GetString(), payEarly.GetProperty("shortfall").GetDecimal()));
        var payments = await treasurer.GetFromJsonAsync<List<WorkPaymentView>>($"/api/v1/projects/{projectId}/work-disbursements");
        Assert.Equal([500_000m, -500_000m, 500_000m], payments!.Select(p => p.Amount));
        Assert.Equal(500_000m, (await treasurer.GetFromJsonAsync<List<WorkView>>($"/api/v1/projects/{projectId}/works"))!.Single().Paid);
        Assert.Equal(0m, await app.Db.ScalarAsync<decimal>($"SELECT received - paid FROM project_cash WHERE project_id = {projectId}"));
        Assert.Equal(1, await app.Db.CountAsync("audit_log", $"action = 'work.reverse_payment' AND entity_id = '{reversal.Id}'"));
    }
}
