using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Housing.Web;

/// <summary>A page with a form: runs a service call and turns its refusals into messages beside the
/// fields (field names as the service layer gives them), in the user's language.</summary>
public abstract class FormPage : PageModel
{
    public Dictionary<string, string> Errors { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string? ErrorFor(string field) => Errors.GetValueOrDefault(field);

    /// <summary>The refusal of the last <see cref="TryAsync"/>, for a page that links what it names (an existing record).</summary>
    protected HousingException? LastConflict { get; private set; }

    /// <summary>Date and month inputs that were not a date or month, with what their field says instead of the service.</summary>
    readonly Dictionary<string, string> badInputs = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A BE date input's text (d/m/BBBB, or ISO from the phone's script) as a date. A typed date that is not one
    /// (31/2/2569, or a Gregorian 2/12/2026) is null for the service, which then refuses (every date is required); its
    /// field then says how to type it instead of "required".</summary>
    protected DateOnly? Date(string? text, string field)
    {
        var date = Ledgers.MoneyText.ParseDate(text);
        if (date is null && !string.IsNullOrWhiteSpace(text))
            badInputs[field] = Lang.T("พิมพ์วันที่เป็น วัน/เดือน/ปี พ.ศ. เช่น 2/12/2569", "Type the date as day/month/BE year, e.g. 2/12/2569.");
        return date;
    }

    /// <summary>A BE month input's text (m/BBBB, or yyyy-MM) as the services' "yyyy-MM"; what is not a month stays as
    /// typed, for the service to refuse, and its field says how to type it.</summary>
    protected string? Month(string? text, string field)
    {
        if (Ledgers.MoneyText.ParseMonth(text) is { } month) return month;
        badInputs[field] = Ledgers.MoneyText.MonthHint;
        return text;
    }

    protected async Task<bool> TryAsync(Func<Task> action)
    {
        try
        {
            await action();
            return true;
        }
        catch (ValidationFailed v)
        {
            foreach (var (field, msgs) in v.Errors) Errors[field] = string.Join(" ", msgs.Select(m => m.Current));
        }
        catch (HousingException h) when (h is Conflict or Forbidden or Housing.NotFound)
        {
            LastConflict = h;
            Errors[""] = h.Text.Current;
        }
        foreach (var (field, message) in badInputs) Errors[field] = message;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return false;
    }
}
