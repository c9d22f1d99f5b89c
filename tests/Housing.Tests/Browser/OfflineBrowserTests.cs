using System.IO.Compression;
using Housing.Access;
using Housing.Milestones;
using Housing.Tests.Disbursements;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Browser;

/// <summary>The treasurer's phone with the signal coming and going. The browser talks to the app through a
/// <see cref="TcpProxy"/>, so "no network" is the server unreachable, for the pages and the service worker alike.</summary>
public sealed class OfflineBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    /// <summary>A camera-sized PNG (2,400 × 1,800): the phone must shrink it to 1,600 px before it is queued.</summary>
    public static byte[] BigPng(int width = 2400, int height = 1800)
    {
        var raw = new byte[(width * 3 + 1) * height];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var i = y * (width * 3 + 1) + 1 + x * 3;
                raw[i] = (byte)(x * 255 / width); raw[i + 1] = (byte)(y * 255 / height); raw[i + 2] = 90;
            }
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        void Chunk(string type, byte[] data)
        {
            var len = new byte[4]; System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, data.Length); ms.Write(len);
            var td = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray(); ms.Write(td);
            var crc = new byte[4]; System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(td)); ms.Write(crc);
        }
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2;
        Chunk("IHDR", ihdr);
        using (var z = new MemoryStream())
        {
            using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zs.Write(raw);
            Chunk("IDAT", z.ToArray());
        }
        Chunk("IEND", []);
        return ms.ToArray();
    }

    static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    async Task<(TcpProxy Proxy, IPage Page)> TreasurerThroughProxyAsync(string subdistrict = "540101")
    {
        var proxy = new TcpProxy(new Uri(app.BaseUrl));
        var user = await app.CreateUserAsync(Role.Treasurer, subdistricts: [subdistrict]);
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = proxy.Url, ViewportSize = new ViewportSize { Width = 360, Height = 740 }, Locale = "th-TH", TimezoneId = "Asia/Bangkok",
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/Access/SignIn");
        await page.FillAsync("input[name=username]", user.Username);
        await page.FillAsync("input[name=password]", TestApp.Password);
        await page.ClickAsync("form.stack button[type=submit]");
        await Expect(page.GetByTestId("who")).ToBeVisibleAsync();
        // The service worker takes the page over (clients.claim) before anything is worth keeping.
        // (Polled with evaluate: WaitForFunction compiles its predicate in the page, which the CSP forbids.)
        for (var i = 0; !await page.EvaluateAsync<bool>("navigator.serviceWorker.controller !== null"); i++)
        {
            Assert.True(i < 100, "the service worker never took the page over");
            await Task.Delay(100);
        }
        return (proxy, page);
    }

    static async Task VisitAsync(IPage page, params string[] urls)
    {
        foreach (var url in urls)
        {
            await page.GotoAsync(url);
            await Expect(page.GetByTestId("who")).ToBeVisibleAsync();
        }
    }

    [Fact]
    public async Task The_treasurers_pages_open_with_the_server_unreachable_and_say_how_old_their_figures_are()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 50_000m);
        var (proxy, page) = await TreasurerThroughProxyAsync();
        await using var _ = proxy;
        string[] pages = ["/Ledgers", $"/Ledgers/Project/{home.ProjectId}", $"/Disbursements/Record/{home.AllocationId}", $"/Milestones/{home.AllocationId}",
            $"/Ledgers/CashBook/{home.ProjectId}", $"/Transfers/Record/{home.ProjectId}"];
        await VisitAsync(page, pages);

        proxy.Cut();
        Assert.False(await page.EvaluateAsync<bool>($"fetch('/healthz').then(() => true, () => false)")); // truly unreachable

        foreach (var url in pages)
        {
            await page.GotoAsync(url);
            await Expect(page.GetByTestId("offline-age")).ToContainTextAsync("ไม่มีสัญญาณ: ตัวเลขในหน้านี้เมื่อ");
            await Expect(page.GetByTestId("offline-age")).ToContainTextAsync("นาทีที่แล้ว");
        }
        await page.GotoAsync($"/Ledgers/Project/{home.ProjectId}");
        await Expect(page.GetByTestId("balance")).ToHaveTextAsync("50,000.00 บาท");
        await BrowserApp.ScreenshotAsync(page, "offline-project-360");
        await page.GotoAsync("/Budgets"); // never visited: said so, not the browser's dinosaur
        await Expect(page.GetByTestId("offline-missing")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_payment_and_a_milestone_with_a_photo_saved_offline_are_sent_once_when_the_network_returns_even_when_the_first_answer_is_lost()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 50_000m);
        var (proxy, page) = await TreasurerThroughProxyAsync();
        await using var _ = proxy;
        await VisitAsync(page, $"/Ledgers/Project/{home.ProjectId}", $"/Milestones/{home.AllocationId}", $"/Disbursements/Record/{home.AllocationId}");

        proxy.Cut();
        await page.GotoAsync($"/Disbursements/Record/{home.AllocationId}");
        await page.FillAsync("input[name='Input.Amount']", "12,500.50");
        await page.FillAsync("input[name='Input.ReceiptNo']", "เล่ม 2 เลขที่ 7");
        await page.GetByTestId("save-payment").DblClickAsync();
        await Expect(page.GetByTestId("queued")).ToContainTextAsync("บันทึกไว้ในเครื่องแล้ว");
        await Expect(page.GetByTestId("outbox")).ToContainTextAsync("รอส่ง 1 รายการ");

        await page.GotoAsync($"/Milestones/{home.AllocationId}");
        await page.FillAsync("textarea[name=Note]", "สำรวจแล้ว หลังคารั่ว");
        await page.SetInputFilesAsync("form[data-outbox] input[name=photo]", new FilePayload { Name = "camera.png", MimeType = "image/png", Buffer = BigPng() });
        await page.GetByTestId("save-milestone").ClickAsync();
        await Expect(page.GetByTestId("outbox")).ToContainTextAsync("รอส่ง 2 รายการ");
        await Expect(page.GetByTestId("next-stage")).ToHaveTextAsync("อนุมัติ"); // the next save is the next stage
        await page.GetByTestId("outbox").Locator("[data-outbox-toggle]").ClickAsync();
        await Expect(page.GetByTestId("outbox-entry")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("outbox-entry").First).ToContainTextAsync("12,500.50 บาท");
        await BrowserApp.ScreenshotAsync(page, "offline-outbox-360");
        Assert.Equal(0, await app.Db.CountAsync("disbursements", "allocation_id = @AllocationId", home));

        // The network returns, but the answer to the first send is lost: the payment is recorded, the phone never hears it.
        proxy.DropNextAnswers("POST /api/v1/", 1);
        proxy.Restore();
        await Expect(page.GetByTestId("outbox")).ToBeHiddenAsync(new() { Timeout = 45_000 });

        Assert.Equal(1, proxy.Dropped);
        Assert.Equal(1, await app.Db.CountAsync("disbursements", "allocation_id = @AllocationId", home));
        Assert.Equal(12_500.50m, await app.Db.ScalarAsync<decimal>("SELECT amount FROM disbursements WHERE allocation_id = @AllocationId", home));
        Assert.Equal(1, await app.Db.CountAsync("milestones", "allocation_id = @AllocationId", home));
        Assert.Equal("สำรวจแล้ว หลังคารั่ว", await app.Db.ScalarAsync<string>("SELECT note FROM milestones WHERE allocation_id = @AllocationId", home));
        var photo = await app.Db.ScalarAsync<byte[]>("SELECT content FROM milestone_photos WHERE milestone_id IN (SELECT id FROM milestones WHERE allocation_id = @AllocationId)", home);
        var image = ImageCheck.Read(photo)!;
        Assert.Equal(("image/jpeg", 1600, 1200), (image.ContentType, image.Width, image.Height)); // shrunk on the phone
        Assert.True(await app.Db.ScalarAsync<bool>("SELECT thumbnail IS NOT NULL FROM milestone_photos WHERE milestone_id IN (SELECT id FROM milestones WHERE allocation_id = @AllocationId)", home));
        Assert.Equal(1, await app.Db.CountAsync("audit_log", "action = 'disbursement.record' AND (after->>'allocationId')::bigint = @AllocationId", home));
    }

    [Fact]
    public async Task An_entry_refused_on_arrival_stays_with_the_servers_message_and_can_be_fixed()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 50_000m);
        var (proxy, page) = await TreasurerThroughProxyAsync();
        await using var _ = proxy;
        await VisitAsync(page, $"/Disbursements/Record/{home.AllocationId}");

        proxy.Cut();
        await page.GotoAsync($"/Disbursements/Record/{home.AllocationId}");
        await page.FillAsync("input[name='Input.Amount']", "25,080.00"); // more than the home's 20,900
        await page.GetByTestId("save-payment").ClickAsync();
        await Expect(page.GetByTestId("outbox")).ToContainTextAsync("รอส่ง 1 รายการ");
        // The save has finished its own first try: a refusal from here on arrives while the entry waits in the outbox.
        await Expect(page.GetByTestId("queued")).ToBeVisibleAsync();

        proxy.Restore();
        await page.GetByTestId("outbox").Locator("[data-outbox-toggle]").ClickAsync();
        await Expect(page.GetByTestId("outbox-error")).ToContainTextAsync("เกินงบของครัวเรือน: จ่ายได้อีก 20,900.00 บาท", new() { Timeout = 30_000 });
        await page.ReloadAsync(); // still there after a reload, and still refused: nothing is lost silently
        await Expect(page.GetByTestId("outbox")).ToContainTextAsync("รอส่ง 1 รายการ");
        await BrowserApp.ScreenshotAsync(page, "offline-refused-360");
        Assert.Equal(0, await app.Db.CountAsync("disbursements", "allocation_id = @AllocationId", home));

        // Fixed: the entry's figures come back into the form; the corrected one is sent and the refused one is gone.
        await page.GetByTestId("outbox").Locator("[data-outbox-toggle]").ClickAsync();
        await page.GetByTestId("outbox-fix").ClickAsync();
        await Expect(page.Locator("input[name='Input.Amount']")).ToHaveValueAsync("25,080.00");
        await page.FillAsync("input[name='Input.Amount']", "20,900");
        await page.GetByTestId("save-payment").ClickAsync();
        await Expect(page.GetByTestId("saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("outbox")).ToBeHiddenAsync();
        Assert.Equal(20_900m, await app.Db.ScalarAsync<decimal>("SELECT sum(amount) FROM disbursements WHERE allocation_id = @AllocationId", home));
    }

    [Fact]
    public async Task Two_tabs_and_a_cancelled_entry_record_nothing_twice_and_nothing_cancelled()
    {
        var home = await MoneySeed.HomeAsync(app.Db, allocation: 20_900m);
        await MoneySeed.TransferAsync(app.Db, home.ProjectId, 50_000m);
        var (proxy, page) = await TreasurerThroughProxyAsync();
        await using var _ = proxy;
        await VisitAsync(page, $"/Disbursements/Record/{home.AllocationId}", $"/Ledgers/Project/{home.ProjectId}");
        var second = await page.Context.NewPageAsync();
        await second.GotoAsync($"/Ledgers/Project/{home.ProjectId}");

        proxy.Cut();
        await page.GotoAsync($"/Disbursements/Record/{home.AllocationId}");
        foreach (var amount in new[] { "100", "200", "300" })
        {
            await page.FillAsync("input[name='Input.Amount']", amount);
            await page.GetByTestId("save-payment").ClickAsync();
            await Expect(page.GetByTestId("outbox")).ToContainTextAsync($"รอส่ง {Array.IndexOf(["100", "200", "300"], amount) + 1} รายการ");
            await Expect(page.GetByTestId("save-payment")).Not.ToHaveAttributeAsync("aria-busy", "true");
        }
        await page.GetByTestId("outbox").Locator("[data-outbox-toggle]").ClickAsync();
        var cancel = page.GetByTestId("outbox-entry").Nth(1).GetByTestId("outbox-cancel");
        await cancel.ClickAsync();
        await Expect(page.GetByTestId("outbox")).ToContainTextAsync("รอส่ง 3 รายการ"); // one tap is not enough
        await cancel.ClickAsync();
        await Expect(page.GetByTestId("outbox")).ToContainTextAsync("รอส่ง 2 รายการ");

        proxy.Restore();
        // Both tabs try at once, on their timers and on these loads.
        await Task.WhenAll(page.ReloadAsync(), second.ReloadAsync());
        await using var conn = await app.Db.OpenConnectionAsync();
        async Task<List<decimal>> PaidAsync() =>
            (await Dapper.SqlMapper.QueryAsync<decimal>(conn, "SELECT amount FROM disbursements WHERE allocation_id = @AllocationId ORDER BY id", home)).ToList();
        // A reloaded page's outbox is hidden until outbox.js has read the queue, so it is not the sign that both were sent: the ledger is.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await PaidAsync()).Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
        await Expect(page.GetByTestId("outbox")).ToBeHiddenAsync(new() { Timeout = 30_000 });
        await Expect(second.GetByTestId("outbox")).ToBeHiddenAsync();
        await Task.Delay(500); // and neither tab sends one again after
        Assert.Equal([100m, 300m], await PaidAsync()); // in the order saved, the cancelled one never sent
    }
}
