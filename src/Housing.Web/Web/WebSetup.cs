using System.Globalization;
using Housing.Database;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Localization;
using Npgsql;

namespace Housing.Web;

public static class WebSetup
{
    public const string SmartScheme = "cookie-or-bearer";
    public const string SignInLimit = "sign-in";
    // Neutral "th"/"en" too, so Accept-Language: en-US (falling back to "en") is understood.
    public static readonly CultureInfo[] Cultures = [Thai.ThaiCulture, Thai.EnglishCulture, CultureInfo.GetCultureInfo("th"), CultureInfo.GetCultureInfo("en")];

    public static IServiceCollection AddHousingWeb(this IServiceCollection services, IConfiguration config)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions.Remove("exception"); // never a stack trace to a client
            c.ProblemDetails.Extensions["traceId"] = c.HttpContext.TraceIdentifier;
            // The framework's titles are English ("Not Found"): the title follows the caller's language, as the detail does.
            var status = c.ProblemDetails.Status ?? c.HttpContext.Response.StatusCode;
            if (ProblemTitles.IsDefault(c.ProblemDetails.Title, status))
                c.ProblemDetails.Title = ProblemTitles.For(status, ProblemMapper.CultureOf(c.HttpContext));
        });
        // A body or parameter the framework cannot bind throws, so ProblemMapper answers it in the caller's language
        // without naming internal types (otherwise only Development throws, and other environments answer a bare 400).
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ProblemMapper>();
        // Thai text goes out as text, not as &#xE1B; entities (the default encoder allows Latin only).
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddHousingOpenApi();
        services.AddRazorPages(o =>
        {
            // Pages live in the feature folders beside their endpoints: /Geography/Index.cshtml is /Geography.
            o.RootDirectory = "/";
        });
        services.AddAntiforgery(o => { o.Cookie.Name = "housing.af"; o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; o.HeaderName = ApiGuards.AntiforgeryHeader; });
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        });

        var protection = services.AddDataProtection().SetApplicationName("housing");
        // The keys that sign cookies and tokens are kept in the database. With a certificate, they are stored encrypted,
        // so whoever reads the database (or a backup of it) cannot forge a sign-in. Every instance needs the same certificate.
        if (config["Housing:DataProtection:CertificatePath"] is { Length: > 0 } certificatePath)
        {
            if (!File.Exists(certificatePath))
                throw new InvalidOperationException($"Housing:DataProtection:CertificatePath: no file at {certificatePath}.");
            var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                certificatePath, config["Housing:DataProtection:CertificatePassword"]);
            if (!certificate.HasPrivateKey)
                throw new InvalidOperationException($"Housing:DataProtection:CertificatePath: {certificatePath} holds no private key.");
            protection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((o, sp) =>
            o.XmlRepository = new DataProtectionKeys(() => sp.GetRequiredService<NpgsqlDataSource>()));

        var tokenLifetime = TimeSpan.FromMinutes(config.GetValue("Housing:Auth:TokenMinutes", 60));
        var cookieLifetime = TimeSpan.FromMinutes(config.GetValue("Housing:Auth:CookieMinutes", 8 * 60));
        services.AddAuthentication(SmartScheme)
            .AddPolicyScheme(SmartScheme, "Cookie for pages, bearer token for the API", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? BearerTokenDefaults.AuthenticationScheme : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "housing.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = cookieLifetime;
                o.SlidingExpiration = true;
                o.LoginPath = "/Access/SignIn";
                // The API answers 401/403 as problem details; only pages redirect to the sign-in page.
                o.Events.OnRedirectToLogin = ctx => Answer(ctx, StatusCodes.Status401Unauthorized);
                // Nothing forbids by policy (every rule is in the services), but if it did: a bare 403, no redirect.
                o.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
                o.Events.OnValidatePrincipal = Claims.ValidateCookieAsync;
            })
            .AddBearerToken(o =>
            {
                o.BearerTokenExpiration = tokenLifetime;
                o.Events.OnMessageReceived = Claims.ValidateBearerAsync; // every request re-checks the user (Claims.cs)
            });
        services.AddAuthorization(o => o.FallbackPolicy = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(SmartScheme).RequireAuthenticatedUser().Build());

        // Sign-in and token requests per client address and minute: slows password guessing across many accounts
        // (each name also locks for that address after 5 failures). Loading the sign-in page is no attempt: GET passes.
        var signInsPerMinute = config.GetValue("Housing:Auth:SignInsPerMinute", 20);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SignInLimit, ctx => HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method)
                ? System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter("read")
                : System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(
                    ctx.Connection.RemoteIpAddress?.ToString() ?? "local",
                    _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions { PermitLimit = signInsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = async (ctx, ct) =>
            {
                var http = ctx.HttpContext;
                if (ctx.Lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var retry))
                    http.Response.Headers.RetryAfter = ((int)retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = 429,
                    Detail = Lang.T("มีการเข้าสู่ระบบจากที่นี่บ่อยเกินไป กรุณารอหนึ่งนาทีแล้วลองใหม่", "Too many sign-in attempts from here. Wait a minute and try again."),
                };
                // A person on the sign-in page gets a page in their language; an API client gets a problem.
                if (!IsApi(http.Request)) await ProblemMapper.WriteHtmlAsync(http, problem, CultureInfo.CurrentUICulture, ct);
                else await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
            };
        });

        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture(Thai.ThaiCulture);
            o.SupportedCultures = o.SupportedUICultures = Cultures;
            o.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider(),
                new CookieRequestCultureProvider { CookieName = Lang.CookieName },
                // Pages are Thai first whatever the browser says; API clients may ask for English.
                new CustomRequestCultureProvider(ctx => ctx.Request.Path.StartsWithSegments("/api")
                    ? new AcceptLanguageHeaderRequestCultureProvider().DetermineProviderCultureResult(ctx)
                    : Task.FromResult<ProviderCultureResult?>(null)),
            ];
        });
        return services;
    }

    static Task Answer(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (IsApi(ctx.Request)) { ctx.Response.StatusCode = status; return Task.CompletedTask; }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    public static bool IsApi(HttpRequest r) => r.Path.StartsWithSegments("/api") || r.Path.StartsWithSegments("/healthz");

    /// <summary>No inline script may run (script-src 'self': scripts are files under wwwroot); no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'";

    public static WebApplication UseHousingPipeline(this WebApplication app)
    {
        app.Use((ctx, next) =>
        {
            var h = ctx.Response.Headers;
            h.ContentSecurityPolicy = ContentSecurityPolicy;
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "same-origin";
            h["Permissions-Policy"] = "camera=(self), geolocation=(), microphone=()";
            return next(ctx);
        });
        if (app.Configuration.GetValue("Housing:BehindProxy", false))
            app.UseForwardedHeaders(ApiGuards.ForwardedHeaders(app.Configuration));
        if (!app.Environment.IsDevelopment()) app.UseHsts(); // sent on HTTPS requests only, i.e. behind TLS
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestLocalization();
        app.Use(async (ctx, next) =>
        {
            // Bodies are UTF-8 (JSON requires it); another declared charset would fail deep in the framework's reader.
            if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var type) && type.Charset.HasValue
                && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !type.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            {
                ctx.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                await ctx.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx,
                    ProblemDetails = { Status = 415, Detail = Lang.T("ส่งข้อมูลเป็น UTF-8 เท่านั้น", "Send the body as UTF-8.") },
                });
                return;
            }
            await next(ctx);
        });
        app.UseStaticFiles();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseCookieApiAntiforgery();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }

    public static void MapHealth(this WebApplication app)
        => app.MapGet("/healthz", async (NpgsqlDataSource db, CancellationToken ct) =>
        {
            try
            {
                await using var cmd = db.CreateCommand("SELECT 1");
                await cmd.ExecuteScalarAsync(ct);
                return Results.Ok(new { status = "healthy" });
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                return Results.Problem(statusCode: 503, detail: Lang.T("ฐานข้อมูลไม่ตอบสนอง", "The database does not answer."));
            }
        }).AllowAnonymous().ExcludeFromDescription();
}
