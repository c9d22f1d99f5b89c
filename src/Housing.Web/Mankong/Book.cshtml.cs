using Housing.Mankong;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web.Mankong;

/// <summary>The Baan Mankong loan book per area (the caller's area only): loans outstanding, arrears by age and savings
/// against the 10 % line, from the provinces down to the subdistricts, with each province's workbook.</summary>
public sealed class BookModel(LoanBookService book) : PageModel
{
    public IReadOnlyList<LoanBookRow> Rows { get; private set; } = [];
    public string Level { get; private set; } = "province";
    public string? Parent { get; private set; }

    public async Task OnGetAsync(string? parent, CancellationToken ct)
    {
        Parent = parent is { Length: 2 or 4 } && parent.All(char.IsAsciiDigit) ? parent : null;
        Level = Parent?.Length switch { 2 => "district", 4 => "subdistrict", _ => "province" };
        Rows = await book.RollupAsync(User.ToCaller(), Level, Parent, ct);
    }

    public string? ChildHref(LoanBookRow r) => Level == "subdistrict" ? null : $"/Mankong/Book?parent={r.Code}";
}
