using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Housing.Access;
using Housing.Milestones;
using Housing.Tests.Disbursements;

namespace Housing.Tests.Milestones;

public sealed class MilestoneApiTests(TestApp app) : IClassFixture<TestApp>
{
    /// <summary>A minimal valid PNG header of the given size (the check reads headers, not pixels).</summary>
    public static byte[] Png(int width, int height, int extra = 64)
    {
        var b = new byte[33 + extra];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(b, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(20), height);
        Random.Shared.NextBytes(b.AsSpan(33)); // each picture different
        return b;
    }

    /// <summary>A JPEG's opening segments: SOI, an APP0 segment, then a baseline frame header.</summary>
    public static byte[] Jpeg(int width, int height)
    {
        var b = new List<byte> { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16 };
        b.AddRange("JFIF\0"u8.ToArray()); b.AddRange(new byte[9]);
        b.AddRange([0xFF, 0xC0, 0, 17, 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3]);
        b.AddRange(new byte[9]); b.AddRange([0xFF, 0xD9]);
        return b.ToArray();
    }

    async Task<(MoneySeed.Home, HttpClient)> HomeAsync()
        => (await MoneySeed.HomeAsync(app.Db), await app.ClientAsync(Role.Treasurer, subdistricts: ["540101"]));

    static Task<HttpResponseMessage> Record(HttpClient c, long allocationId, string stage, string on, string? note = null)
        => c.PostAsJsonAsync($"/api/v1/allocations/{allocationId}/milestones", new { stage, reachedOn = on, note });

    static async Task<HttpResponseMessage> Upload(HttpClient c, long milestoneId, byte[] bytes, string name = "photo.jpg", byte[]? thumbnail = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg"); // what the client claims does not matter
        form.Add(file, "file", name);
        if (thumbnail is not null) form.Add(new ByteArrayContent(thumbnail), "thumbnail", "thumb.jpg");
        return await c.PostAsync($"/api/v1/milestones/{milestoneId}/photos", form);
    }

    [Fact]
    public async Task Stages_are_recorded_in_order_with_their_dates_and_notes()
    {
        var (home, client) = await HomeAsync();
        var r1 = await Record(client, home.AllocationId, "surveyed", "2022-01-10", "บ้านหลังคารั่ว");
        var r2 = await Record(client, home.AllocationId, "approved", "2022-01-20");

        Assert.Equal(HttpStatusCode.Created, r1.StatusCode);
        Assert.Equal(HttpStatusCode.Created, r2.StatusCode);
        var list = (await client.GetFromJsonAsync<List<MilestoneView>>($"/api/v1/allocations/{home.AllocationId}/milestones"))!;
        Assert.Equal([("surveyed", (short)1, new DateOnly(2022, 1, 10), "บ้านหลังคารั่ว"), ("approved", (short)2, new DateOnly(2022, 1, 20), (string?)null)],
            list.Select(m => (m.Stage, m.StageOrder, m.ReachedOn, m.Note)).ToList());
    }

    [Fact]
    public async Task A_stage_out_of_order_is_a_409_naming_the_next_stage()
    {
        var (home, client) = await HomeAsync();
        await Record(client, home.AllocationId, "surveyed", "2022-01-10");

        var skipped = await Record(client, home.AllocationId, "materials_bought", "2022-01-12");
        var again = await Record(client, home.AllocationId, "surveyed", "2022-01-11");

        Assert.Equal(HttpStatusCode.Conflict, skipped.StatusCode);
        Assert.Equal("approved", (await skipped.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expectedStage").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(1, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task A_date_in_the_future_or_before_the_stage_before_is_a_400()
    {
        var (home, client) = await HomeAsync();
        await Record(client, home.AllocationId, "surveyed", "2022-01-10");

        var future = await Record(client, home.AllocationId, "approved", Thai.Today().AddDays(1).ToString("yyyy-MM-dd"));
        var earlier = await Record(client, home.AllocationId, "approved", "2022-01-09");

        Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, earlier.StatusCode);
        Assert.True((await earlier.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("reachedOn", out _));
        Assert.Equal(1, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
        Assert.Equal(HttpStatusCode.Created, (await Record(client, home.AllocationId, "approved", "2022-01-10")).StatusCode); // same day is fine
    }

    [Fact]
    public async Task A_first_stage_dated_before_the_year_2000_is_a_400_and_nothing_is_stored()
    {
        var (home, client) = await HomeAsync();
        var r = await Record(client, home.AllocationId, "surveyed", "0001-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("วันที่เก่าเกินไป", (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("reachedOn")[0].GetString());
        Assert.Equal(0, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task The_same_milestone_saved_twice_is_recorded_once()
    {
        var (home, client) = await HomeAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Record(client, home.AllocationId, "surveyed", "2022-01-10", "x")));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(4, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task Staff_of_the_province_record_milestones_and_viewers_may_not()
    {
        var (home, _) = await HomeAsync();
        var staff = await Record(await app.ClientAsync(Role.ProvincialStaff, provinces: ["54"]), home.AllocationId, "surveyed", "2022-01-10");
        var viewer = await Record(await app.ClientAsync(Role.Viewer), home.AllocationId, "approved", "2022-01-10");
        var other = await Record(await app.ClientAsync(Role.Treasurer, subdistricts: ["540102"]), home.AllocationId, "approved", "2022-01-10");
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Forbidden, HttpStatusCode.NotFound), (staff.StatusCode, viewer.StatusCode, other.StatusCode));
    }

    [Fact]
    public async Task Photos_are_stored_in_the_database_and_served_back_with_their_thumbnails()
    {
        var (home, client) = await HomeAsync();
        var milestone = (await (await Record(client, home.AllocationId, "surveyed", "2022-01-10")).Content.ReadFromJsonAsync<MilestoneView>())!;
        var png = Png(4032, 3024);
        var thumb = Jpeg(320, 240);

        var response = await Upload(client, milestone.Id, png, "IMG_0001.HEIC", thumb);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var photo = (await response.Content.ReadFromJsonAsync<PhotoView>())!;
        Assert.Equal(("image/png", png.Length, true), (photo.ContentType, photo.SizeBytes, photo.HasThumbnail));
        Assert.Equal(png, await app.Db.ScalarAsync<byte[]>("SELECT content FROM milestone_photos WHERE id = @Id", photo));
        var full = await client.GetAsync($"/api/v1/photos/{photo.Id}");
        Assert.Equal("image/png", full.Content.Headers.ContentType!.MediaType);
        Assert.Equal(png, await full.Content.ReadAsByteArrayAsync());
        var small = await client.GetAsync($"/api/v1/photos/{photo.Id}/thumbnail");
        Assert.Equal("image/jpeg", small.Content.Headers.ContentType!.MediaType);
        Assert.Equal(thumb, await small.Content.ReadAsByteArrayAsync());
        var listed = (await client.GetFromJsonAsync<List<MilestoneView>>($"/api/v1/allocations/{home.AllocationId}/milestones"))!;
        Assert.Equal(photo.Id, listed.Single().Photos.Single().Id);
        Assert.Equal(HttpStatusCode.NotFound, (await (await app.ClientAsync(Role.Viewer, provinces: ["19"])).GetAsync($"/api/v1/photos/{photo.Id}")).StatusCode);
    }

    [Fact]
    public async Task A_file_that_is_not_a_JPEG_or_PNG_is_refused_whatever_its_name()
    {
        var (home, client) = await HomeAsync();
        var milestone = (await (await Record(client, home.AllocationId, "surveyed", "2022-01-10")).Content.ReadFromJsonAsync<MilestoneView>())!;
        var text = await Upload(client, milestone.Id, "this is not a picture at all, just text"u8.ToArray(), "photo.jpg");
        var gif = await Upload(client, milestone.Id, "GIF89a\x01\x00\x01\x00\x00\x00\x00"u8.ToArray(), "photo.png");
        var empty = await Upload(client, milestone.Id, [], "photo.jpg");
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (text.StatusCode, gif.StatusCode, empty.StatusCode));
        Assert.True((await text.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("file", out _));
        Assert.Equal(0, await app.Db.CountAsync("milestone_photos", "milestone_id = @Id", milestone));
    }

    [Fact]
    public async Task A_photo_over_5_MB_is_refused_and_exactly_5_MB_is_taken()
    {
        var (home, client) = await HomeAsync();
        var milestone = (await (await Record(client, home.AllocationId, "surveyed", "2022-01-10")).Content.ReadFromJsonAsync<MilestoneView>())!;
        var over = await Upload(client, milestone.Id, Png(100, 100, MilestoneService.MaxPhotoBytes - 33 + 1));
        var limit = await Upload(client, milestone.Id, Png(100, 100, MilestoneService.MaxPhotoBytes - 33));
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Equal(HttpStatusCode.Created, limit.StatusCode);
        Assert.Equal(1, await app.Db.CountAsync("milestone_photos", "milestone_id = @Id", milestone));
    }

    [Fact]
    public async Task A_milestone_holds_at_most_5_photos_and_the_same_photo_twice_is_stored_once()
    {
        var (home, client) = await HomeAsync();
        var milestone = (await (await Record(client, home.AllocationId, "surveyed", "2022-01-10")).Content.ReadFromJsonAsync<MilestoneView>())!;
        var first = Jpeg(1600, 1200);
        Assert.Equal(HttpStatusCode.Created, (await Upload(client, milestone.Id, first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Upload(client, milestone.Id, first)).StatusCode);
        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.Created, (await Upload(client, milestone.Id, Png(800, 600))).StatusCode);

        var sixth = await Upload(client, milestone.Id, Png(800, 600));

        Assert.Equal(HttpStatusCode.Conflict, sixth.StatusCode);
        Assert.Equal(5, await app.Db.CountAsync("milestone_photos", "milestone_id = @Id", milestone));
    }

    [Fact]
    public void An_image_header_with_no_size_is_not_an_image()
    {
        Assert.Null(ImageCheck.Read(Png(0, 1)));
        Assert.Null(ImageCheck.Read(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }));
    }

    [Fact]
    public void The_size_of_a_JPEG_and_a_PNG_comes_from_their_headers()
    {
        Assert.Equal(new ImageCheck.Image("image/jpeg", 4032, 3024), ImageCheck.Read(Jpeg(4032, 3024)));
        Assert.Equal(new ImageCheck.Image("image/png", 360, 740), ImageCheck.Read(Png(360, 740)));
    }
}
