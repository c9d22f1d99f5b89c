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
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return false;
    }
}
