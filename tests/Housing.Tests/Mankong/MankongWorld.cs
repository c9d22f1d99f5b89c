using System.Net.Http.Json;

namespace Housing.Tests.Mankong;

/// <summary>The Baan Mankong part of the access matrix's world: a BMK project in Nai Wiang (540101) with a savings report a loan half drawn,
/// cash received and a community work with a payment and a first stage with a photo.</summary>
public sealed record MankongWorld(long ProjectId, long LoanId, long WorkId, long WorkPaymentId, long WorkStageId, long WorkPhotoId)
{
    /// <summary>Row counts of the Baan Mankong tables, for the matrix's "a refusal changes no row".</summary>
    public const string RowCounts = """
        SELECT (SELECT count(*) FROM savings_reports) || '/' || (SELECT count(*) FROM loans) || '/' || (SELECT count(*) FROM loan_drawdowns) || '/' ||
               (SELECT count(*) FROM loan_repayments) || '/' || (SELECT count(*) FROM loan_moratoria) || '/' || (SELECT count(*) FROM works) || '/' || (SELECT count(*) FROM work_payments) || '/' ||
               (SELECT count(*) FROM work_stages) || '/' || (SELECT count(*) FROM work_photos) || '/' ||
               (SELECT string_agg(due_on::text, ',' ORDER BY loan_id, no) FROM loan_instalments)
        """;

    public static async Task<MankongWorld> BuildAsync(HttpClient admin, int year, string name)
    {
        // A year of its own before 2565 (the money years run 2546–2565): its loan is drawn in January 2021, and no money may be
        // dated before its fiscal year began.
        var budget = await Seed.BudgetAsync(admin, "54", year - 5, 182, 20_000_000m, program: "BMK");
        var project = await Seed.ProjectAsync(admin, budget.Id, "540101", 182, 16_343_600m, name: name + " บ้านมั่นคง", communityName: "ชุมชนเวียงสา");
        (await admin.PostAsJsonAsync($"/api/v1/projects/{project.Id}/savings", new { month = "2020-12", balance = 500_000m, members = 182 })).EnsureSuccessStatusCode();
        var loan = await Seed.CreatedAsync<Housing.Mankong.LoanView>(await admin.PostAsJsonAsync($"/api/v1/projects/{project.Id}/loans",
            new { amount = 1_000_000m, purpose = "housing", annualRatePercent = 4m, months = 120, firstDueOn = "2021-02-01" }));
        (await admin.PostAsJsonAsync($"/api/v1/loans/{loan.Id}/drawdowns", new { amount = 500_000m, paidOn = "2021-01-05", reference = "CODI-LOAN" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/v1/projects/{project.Id}/transfers", new { amount = 1_000_000m, receivedOn = "2022-01-05", reference = "CODI-BMK-MATRIX" })).EnsureSuccessStatusCode();
        var work = await Seed.CreatedAsync<Housing.Mankong.WorkView>(await admin.PostAsJsonAsync($"/api/v1/projects/{project.Id}/works",
            new { kind = "road", name = "ถนนในชุมชน", amount = 2_000_000m }));
        var pay = await Seed.CreatedAsync<Housing.Mankong.WorkPaymentView>(await admin.PostAsJsonAsync($"/api/v1/works/{work.Id}/disbursements",
            new { amount = 100_000m, paidOn = "2022-01-10", payee = "หจก. ถนนดี", receiptNo = "W-0" }));
        var stage = await Seed.CreatedAsync<Housing.Mankong.WorkStageView>(await admin.PostAsJsonAsync($"/api/v1/works/{work.Id}/stages",
            new { stage = "surveyed", reachedOn = "2022-01-03", note = "สำรวจเส้นทางแล้ว" }));
        var photo = await Seed.CreatedAsync<Housing.Mankong.WorkPhotoView>(await admin.PostAsync($"/api/v1/work-stages/{stage.Id}/photos", PhotoForm()));
        return new MankongWorld(project.Id, loan.Id, work.Id, pay.Id, stage.Id, photo.Id);
    }

    /// <summary>A 1×1 PNG as the multipart form the photo endpoints take.</summary>
    public static MultipartFormDataContent PhotoForm(string field = "file")
    {
        var file = new ByteArrayContent(Png);
        file.Headers.ContentType = new("image/png");
        return new MultipartFormDataContent { { file, field, "photo.png" } };
    }

    public static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
}
