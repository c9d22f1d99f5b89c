using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Housing.Access;
using Housing.Tests.Disbursements;
using Housing.Tests.Milestones;

namespace Housing.Tests.Offline;

/// <summary>Milestones and transfers take an Idempotency-Key as payments do: a phone's outbox that never saw the answer sends
/// the entry again with the same key, and must get the first answer, with nothing new written.</summary>
public sealed class IdempotencyKeyTests(TestApp app) : IClassFixture<TestApp>
{
    static async Task<HttpResponseMessage> PostAsync(HttpClient c, string url, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return await c.SendAsync(request);
    }

    Task<HttpClient> TreasurerAsync() => app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]);

    [Fact]
    public async Task A_milestone_sent_again_with_its_key_answers_200_with_the_first_body_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var c = await TreasurerAsync();
        var url = $"/api/v1/allocations/{home.AllocationId}/milestones";
        var first = await PostAsync(c, url, new { stage = "surveyed", reachedOn = "2022-01-10", note = "หลังคารั่ว" }, "phone-m-1");
        var audits = await app.Db.CountAsync("audit_log");

        var again = await PostAsync(c, url, new { stage = "surveyed", reachedOn = "2022-01-10", note = " หลังคารั่ว " }, "phone-m-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
        Assert.Equal(audits, await app.Db.CountAsync("audit_log"));
        Assert.Equal("phone-m-1", await app.Db.ScalarAsync<string>("SELECT idempotency_key FROM milestones WHERE allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task A_milestone_key_replayed_after_the_next_stage_still_answers_the_first_stage()
    {
        // The answer to "surveyed" was lost and "approved" went in meanwhile (from another device): the replay of "surveyed"
        // must get its first answer, not an out-of-order 409 that would leave it stuck in the outbox.
        var home = await MoneySeed.HomeAsync(app.Db);
        var c = await TreasurerAsync();
        var url = $"/api/v1/allocations/{home.AllocationId}/milestones";
        var first = await PostAsync(c, url, new { stage = "surveyed", reachedOn = "2022-01-10" }, "k-surveyed");
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(c, url, new { stage = "approved", reachedOn = "2022-01-12" }, "k-approved")).StatusCode);

        var again = await PostAsync(c, url, new { stage = "surveyed", reachedOn = "2022-01-10" }, "k-surveyed");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(2, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task A_milestone_key_used_for_another_stage_or_date_is_a_409_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var c = await TreasurerAsync();
        var url = $"/api/v1/allocations/{home.AllocationId}/milestones";
        await PostAsync(c, url, new { stage = "surveyed", reachedOn = "2022-01-10" }, "k-1");

        var other = await PostAsync(c, url, new { stage = "approved", reachedOn = "2022-01-12" }, "k-1");

        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Contains("Idempotency-Key นี้ใช้กับรายการอื่นไปแล้ว", await other.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task Twenty_concurrent_milestones_with_one_key_record_one_and_answer_the_same_body()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var c = await TreasurerAsync();
        var url = $"/api/v1/allocations/{home.AllocationId}/milestones";

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostAsync(c, url, new { stage = "surveyed", reachedOn = "2022-01-10" }, "race")));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(19, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Single((await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync()))).Distinct());
        Assert.Equal(1, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
        Assert.Equal(1, await app.Db.CountAsync("audit_log",
            "action = 'milestone.record' AND entity_id IN (SELECT id::text FROM milestones WHERE allocation_id = @AllocationId)", home));
    }

    [Fact]
    public async Task A_milestone_with_its_photo_sent_twice_keeps_one_milestone_and_one_photo()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var c = await TreasurerAsync();
        var url = $"/api/v1/allocations/{home.AllocationId}/milestones";
        var photo = MilestoneApiTests.Jpeg(1600, 1200);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++) // the whole entry, milestone then photo, as the outbox replays it after a lost answer
        {
            var m = await PostAsync(c, url, new { stage = "surveyed", reachedOn = "2022-01-10" }, "with-photo");
            statuses.Add(m.StatusCode);
            var id = (await m.Content.ReadFromJsonAsync<Housing.Milestones.MilestoneView>())!.Id;
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(photo);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "file", "photo.jpg");
            statuses.Add((await c.PostAsync($"/api/v1/milestones/{id}/photos", form)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal(1, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
        Assert.Equal(1, await app.Db.CountAsync("milestone_photos"));
    }

    [Fact]
    public async Task A_transfer_sent_again_with_its_key_answers_200_with_the_first_body_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var c = await TreasurerAsync();
        var url = $"/api/v1/projects/{home.ProjectId}/transfers";
        var first = await PostAsync(c, url, new { amount = 10_000m, receivedOn = "2022-01-20", reference = "CODI-7" }, "phone-t-1");
        var audits = await app.Db.CountAsync("audit_log");

        var again = await PostAsync(c, url, new { amount = 10_000.00m, receivedOn = "2022-01-20", reference = "CODI-7" }, "phone-t-1");
        var reused = await PostAsync(c, url, new { amount = 5_000m, receivedOn = "2022-01-21", reference = "CODI-8" }, "phone-t-1");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Conflict), (first.StatusCode, again.StatusCode, reused.StatusCode));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.Db.CountAsync("transfers", "project_id = @ProjectId", home));
        Assert.Equal(audits, await app.Db.CountAsync("audit_log"));
    }

    [Fact]
    public async Task Twenty_concurrent_transfers_with_one_key_record_one()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var c = await TreasurerAsync();
        var url = $"/api/v1/projects/{home.ProjectId}/transfers";

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostAsync(c, url, new { amount = 10_000m, receivedOn = "2022-01-20", reference = "CODI-9" }, "race-t")));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(19, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Single((await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync()))).Distinct());
        Assert.Equal(1, await app.Db.CountAsync("transfers", "project_id = @ProjectId", home));
    }

    [Fact]
    public async Task A_key_longer_than_200_characters_is_a_400_and_writes_nothing()
    {
        var home = await MoneySeed.HomeAsync(app.Db);
        var c = await TreasurerAsync();
        var m = await PostAsync(c, $"/api/v1/allocations/{home.AllocationId}/milestones", new { stage = "surveyed", reachedOn = "2022-01-10" }, new string('k', 201));
        var t = await PostAsync(c, $"/api/v1/projects/{home.ProjectId}/transfers", new { amount = 1m, receivedOn = "2022-01-20", reference = "x" }, new string('k', 201));
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (m.StatusCode, t.StatusCode));
        Assert.Equal(0, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
        Assert.Equal(0, await app.Db.CountAsync("transfers", "project_id = @ProjectId", home));
    }
}
