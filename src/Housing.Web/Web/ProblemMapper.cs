using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Housing.Web;

/// <summary>Turns the service layer's refusals into RFC 9457 problem details in the caller's language.
/// Anything else is logged and answered as a bare 500, never with its stack trace.</summary>
public sealed class ProblemMapper(IProblemDetailsService problems, ILogger<ProblemMapper> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var culture = CultureOf(http);
        var problem = ToProblem(exception, culture);
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
            if (WebSetup.IsApi(http.Request)) return false; // the framework's bare 500 problem, no internals
            problem = new ProblemDetails
            {
                Status = 500,
                Detail = new Msg("ระบบทำรายการไม่สำเร็จ ไม่มีข้อมูลใดถูกบันทึกครึ่ง ๆ กลาง ๆ กรุณาลองใหม่อีกครั้ง",
                    "The request failed. Nothing was half-saved. Please try again.").For(culture),
            };
        }
        http.Response.StatusCode = problem.Status!.Value;
        if (!WebSetup.IsApi(http.Request))
        {
            await WriteHtmlAsync(http, problem, culture, ct);
            return true;
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The request's language. The culture middleware runs inside the exception handler and the status code
    /// pages, so its async-local culture is gone when they write: read the request's.</summary>
    public static CultureInfo CultureOf(HttpContext http)
        => http.Features.Get<Microsoft.AspNetCore.Localization.IRequestCultureFeature>()?.RequestCulture.UICulture ?? CultureInfo.CurrentUICulture;

    /// <summary>A person on a page gets a page: the message in their language and a way back.</summary>
    public static Task WriteHtmlAsync(HttpContext http, ProblemDetails problem, CultureInfo culture, CancellationToken ct)
    {
        var en = culture.TwoLetterISOLanguageName == "en";
        var message = System.Net.WebUtility.HtmlEncode(problem.Detail ?? problem.Title ?? "");
        http.Response.ContentType = "text/html; charset=utf-8";
        return http.Response.WriteAsync(
            $"<!DOCTYPE html><html lang=\"{(en ? "en" : "th")}\"><head><meta charset=\"utf-8\">" +
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
            $"<title>{problem.Status}</title><link rel=\"stylesheet\" href=\"/site.css\"></head><body><main>" +
            $"<h1>{message}</h1><p><a href=\"/\">{(en ? "Back to the home page" : "กลับหน้าแรก")}</a></p></main></body></html>", ct);
    }

    public static ProblemDetails? ToProblem(Exception e, CultureInfo culture)
    {
        switch (e)
        {
            case ValidationFailed v:
                var vp = new HttpValidationProblemDetails(v.Errors.ToDictionary(x => x.Key, x => x.Value.Select(m => m.For(culture)).ToArray()))
                {
                    Status = 400, Title = v.Text.For(culture), Detail = string.Join(" ", v.Errors.SelectMany(x => x.Value).Select(m => m.For(culture))),
                };
                return vp;
            case HousingException h:
                var status = h switch { NotFound => 404, Forbidden => 403, Conflict => 409, SignInRefused => 401, TooManyRequests => 429, _ => 400 };
                var p = new ProblemDetails { Status = status, Title = ProblemTitles.For(status, culture), Detail = h.Text.For(culture) };
                if (h is SignInRefused { Locked: true }) p.Extensions["locked"] = true;
                foreach (var (k, val) in h.Extensions) p.Extensions[k] = val;
                return p;
            case BadHttpRequestException b:
                return new ProblemDetails { Status = b.StatusCode, Title = ProblemTitles.For(b.StatusCode, culture), Detail = ProblemTitles.Unreadable(b).For(culture) };
            // 22021: a NUL character (or another PostgreSQL cannot store) in some parameter: bad input, whichever endpoint.
            case PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire }:
                return new ProblemDetails
                {
                    Status = 400, Title = ProblemTitles.For(400, culture),
                    Detail = culture.TwoLetterISOLanguageName == "en" ? "The request holds a character that cannot be stored (such as NUL)." : "คำขอมีอักขระที่บันทึกไม่ได้ (เช่น NUL)",
                };
            // The database is down, restarting or refusing connections: say so, and let the client retry.
            case NpgsqlException { IsTransient: true } or TimeoutException or System.Net.Sockets.SocketException:
                return new ProblemDetails { Status = 503, Title = ProblemTitles.For(503, culture),
                    Detail = culture.TwoLetterISOLanguageName == "en" ? "The database does not answer. Try again shortly." : "ฐานข้อมูลไม่ตอบสนอง กรุณาลองใหม่อีกครั้ง" };
            default:
                return null;
        }
    }
}
