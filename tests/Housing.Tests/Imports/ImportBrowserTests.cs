using Housing.Access;
using Housing.Imports;
using Housing.Tests.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Housing.Tests.Imports;

public sealed class ImportBrowserTests(BrowserApp app) : IClassFixture<BrowserApp>
{
    static byte[] Csv(params object?[][] rows)
    {
        using var s = new MemoryStream();
        ImportTemplate.WriteCsv(s, english: false, rows);
        return s.ToArray();
    }

    [Fact]
    public async Task A_file_with_errors_shows_them_row_by_row_then_the_fixed_file_imports()
    {
        var staff = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"]);
        var page = await app.SignedInPageAsync(staff.Username);
        await page.GotoAsync("/Households");
        await page.GetByRole(AriaRole.Link, new() { Name = "นำเข้าจากไฟล์" }).ClickAsync();
        await Expect(page.GetByTestId("template-xlsx")).ToBeVisibleAsync();

        var ids = new[] { Seed.NewCitizenId(), Seed.NewCitizenId() };
        var bad = ids[1][..12] + (char)('0' + (ids[1][12] - '0' + 1) % 10);
        var before = await app.Db.CountAsync("households");
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "ครัวเรือน.csv", MimeType = "text/csv",
            Buffer = Csv([ids[0], "นายหนึ่ง ใจดี", "1", 1, "540101", 3, 2000, "", "", ""], [bad, "นางสอง ใจงาม", "2", 1, "540101", 3, 2000, "", "", ""]),
        });
        await page.Locator("#import-form button[type=submit]").ClickAsync();
        await Expect(page.GetByTestId("import-failed")).ToContainTextAsync("ไม่ได้นำเข้า");
        var cells = page.GetByTestId("import-errors").Locator("tbody tr td");
        await Expect(cells.Nth(0)).ToHaveTextAsync("3");
        await Expect(cells.Nth(1)).ToHaveTextAsync("เลขประจำตัวประชาชน");
        await Expect(cells.Nth(2)).ToContainTextAsync("เลขประจำตัวประชาชนไม่ถูกต้อง");
        await BrowserApp.ScreenshotAsync(page, "import-errors-th-360");
        Assert.Equal(before, await app.Db.CountAsync("households"));

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "ครัวเรือน.csv", MimeType = "text/csv",
            Buffer = Csv([ids[0], "นายหนึ่ง ใจดี", "1", 1, "540101", 3, 2000, "", "", ""], [ids[1], "นางสอง ใจงาม", "2", 1, "540101", 3, 2000, "", "", ""]),
        });
        await page.Locator("#import-form button[type=submit]").ClickAsync();
        await Expect(page.GetByTestId("imported")).ToContainTextAsync("นำเข้า 2 ครัวเรือน");
        Assert.Equal(before + 2, await app.Db.CountAsync("households"));
    }
}
