using Hangfire;
using Hangfire.Dashboard;

namespace Housing.Web.Jobs;

/// <summary>Hangfire's dashboard at <c>/hangfire</c>, for Admins only.</summary>
public static class HangfireDashboard
{
    /// <summary>
    /// Anonymous visitors meet the fallback policy (signed in required): a page asks for the sign-in page. Signed-in
    /// users who are not Admins get Hangfire's 403. The dashboard's scripts are files, not inline, so the app's CSP
    /// (script-src 'self') holds here too; its POSTs carry the app's antiforgery token. Nothing when jobs are off.
    /// </summary>
    public static void MapJobsDashboard(this WebApplication app)
    {
        if (app.Services.GetService<JobStorage>() is null) return;
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new AdminsOnly()],
            AppPath = "/Jobs",
            DashboardTitle = "Housing jobs",
            DisplayStorageConnectionString = false,
        });
    }

    sealed class AdminsOnly : IDashboardAuthorizationFilter
    {
        // The cookie or token was validated by the authentication middleware (Claims.ValidateCookieAsync included).
        public bool Authorize(DashboardContext context)
            => context.GetHttpContext().User is { Identity.IsAuthenticated: true } user && user.ToCaller().IsAdmin;
    }
}
