using Housing.Imports;
using Microsoft.AspNetCore.Mvc;

namespace Housing.Web.Imports;

/// <summary>Bulk registration from the office's sheet: all rows or none, with the list of what to fix.</summary>
[RequestSizeLimit(ImportLimits.MaxRequestBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = ImportLimits.MaxRequestBytes)]
public sealed class ImportModel(HouseholdImportService imports) : FormPage
{
    public ImportResult? Result { get; private set; }
    public string? FileName { get; private set; }

    /// <summary>Only an administrator or provincial staff import; others see why instead of a form.</summary>
    public bool CanImport => User.ToCaller().CanManageSomewhere;

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(IFormFile? file, CancellationToken ct)
    {
        FileName = file?.FileName;
        await TryAsync(async () =>
        {
            if (file is null || file.Length == 0)
                throw ValidationFailed.One("file", "กรุณาเลือกไฟล์ .csv หรือ .xlsx", "Choose a .csv or .xlsx file.");
            if (file.Length > ImportLimits.MaxUploadBytes) throw ImportLimits.TooBig();
            await using var stream = file.OpenReadStream();
            Result = await imports.ImportAsync(User.ToCaller(), stream, file.FileName, ct);
        });
        if (Result is { Ok: false }) Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
