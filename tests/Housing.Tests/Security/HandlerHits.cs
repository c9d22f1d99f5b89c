using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Housing.Tests.Security;

/// <summary>
/// Which endpoint routing matched for the request in flight, heard on the host's own diagnostic events
/// (no change to the app). Requests are sent one at a time, so the last match is the request's.
/// </summary>
public sealed class HandlerHits : IObserver<KeyValuePair<string, object?>>, IDisposable
{
    const string EndpointMatched = "Microsoft.AspNetCore.Routing.EndpointMatched";
    IDisposable? subscription;

    public string? Matched { get; private set; }

    public static HandlerHits Listen(IServiceProvider services)
    {
        var hits = new HandlerHits();
        hits.subscription = services.GetRequiredService<DiagnosticListener>().Subscribe(hits, name => name == EndpointMatched);
        return hits;
    }

    public void Reset() => Matched = null;

    /// <summary>Routing matched; did the handler run too? The framework's refusals before it (a body or a parameter it
    /// cannot bind) are problems without a detail, or with the "could not read the request" one; a handler's answer is a
    /// success, or a refusal the service layer wrote (a detail in the caller's language).</summary>
    public static bool ReachedHandler(int status, string body)
    {
        if (status < 400) return true;
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        return doc.RootElement.TryGetProperty("detail", out var d) && d.GetString() is { } detail && !detail.StartsWith("อ่านคำขอไม่ได้", StringComparison.Ordinal);
    }

    public void OnNext(KeyValuePair<string, object?> e)
    {
        if (e.Value is HttpContext ctx && ctx.GetEndpoint() is RouteEndpoint endpoint)
            Matched = $"{ctx.Request.Method} {endpoint.RoutePattern.RawText}";
    }

    public void OnCompleted() { }
    public void OnError(Exception error) { }
    public void Dispose() => subscription?.Dispose();
}
