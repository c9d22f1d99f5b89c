using System.Globalization;
using Housing.Imports;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Imports;

public sealed record ImportedBody(int Imported);

public static class ImportEndpoints
{
    public static void MapImportEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Imports");
        // No antiforgery token: API clients send a bearer token, and the SameSite=Lax cookie is not sent on a cross-site POST.
        // The same cap as the page's (ImportLimits.MaxUploadBytes); the service checks the file against it again.
        api.MapPost("/households/import", ImportAsync).DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(ImportLimits.MaxRequestBytes))
            .WithFormOptions(multipartBodyLengthLimit: ImportLimits.MaxRequestBytes);
        api.MapGet("/households/import/template.xlsx", (string? lang) => Template(lang, xlsx: true));
        api.MapGet("/households/import/template.csv", (string? lang) => Template(lang, xlsx: false));
    }

    static async Task<IResult> ImportAsync(IFormFile? file, HttpContext http, HouseholdImportService imports, CancellationToken ct)
    {
        if (file is null || file.Length == 0)
            throw ValidationFailed.One("file", "กรุณาเลือกไฟล์ .csv หรือ .xlsx", "Choose a .csv or .xlsx file.");
        if (file.Length > ImportLimits.MaxUploadBytes) throw ImportLimits.TooBig();
        await using var stream = file.OpenReadStream();
        var result = await imports.ImportAsync(http.User.ToCaller(), stream, file.FileName, ct);
        return result.Ok ? TypedResults.Ok(new ImportedBody(result.Imported)) : Problem(result, CultureInfo.CurrentUICulture);
    }

    /// <summary>400 with the row-by-row list in the caller's language.</summary>
    public static IResult Problem(ImportResult result, CultureInfo culture) => TypedResults.Problem(
        statusCode: 400, title: new Msg("ไม่ได้นำเข้า: ไฟล์มีข้อผิดพลาด", "Nothing was imported: the file has errors.").For(culture),
        detail: new Msg($"พบข้อผิดพลาด {result.ErrorCount:#,##0} รายการ แก้ไขแล้วนำเข้าใหม่ทั้งไฟล์", $"{result.ErrorCount:#,##0} errors found. Fix them and import the whole file again.").For(culture),
        extensions: new Dictionary<string, object?>
        {
            ["errors"] = result.Errors.Select(e => new { row = e.Row, field = e.Field, column = e.Column, message = e.Message.For(culture) }).ToList(),
            ["errorCount"] = result.ErrorCount,
        });

    static IResult Template(string? lang, bool xlsx)
    {
        var english = lang?.StartsWith("en", StringComparison.OrdinalIgnoreCase) ?? Lang.IsEnglish;
        var buffer = new MemoryStream();
        if (xlsx) ImportTemplate.WriteXlsx(buffer, english); else ImportTemplate.WriteCsv(buffer, english);
        buffer.Position = 0;
        return TypedResults.File(buffer, xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8",
            $"households-template{(english ? "-en" : "")}.{(xlsx ? "xlsx" : "csv")}");
    }
}
