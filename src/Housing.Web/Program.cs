using Housing;
using Housing.Jobs;
using Housing.Web;
using Housing.Web.Access;
using Housing.Web.Allocations;
using Housing.Web.Budgets;
using Housing.Web.Exports;
using Housing.Web.Geography;
using Housing.Web.Households;
using Housing.Web.Imports;
using Housing.Web.Jobs;
using Housing.Web.Rollups;
using Housing.Web.Transfers;
using Housing.Web.Disbursements;
using Housing.Web.Ledgers;
using Housing.Web.Milestones;

var command = args.FirstOrDefault() is { } first && !first.StartsWith('-') ? first : null;
var builder = WebApplication.CreateBuilder(command is null ? args : []);

if (builder.Configuration.GetValue("Housing:Logging:Json", false))
    builder.Logging.ClearProviders().AddJsonConsole(o => o.IncludeScopes = true);

builder.Services.AddHousing();
builder.Services.AddHousingJobs(builder.Configuration);
builder.Services.AddHousingWeb(builder.Configuration);

if (command is not null)
    return await Commands.RunAsync(command, args.Skip(1).ToArray(), builder);

var app = builder.Build();
app.UseHousingPipeline();

app.MapHealth();
app.MapAccessEndpoints();
app.MapGeographyEndpoints();
app.MapBudgetEndpoints();
app.MapHouseholdEndpoints();
app.MapAllocationEndpoints();
app.MapImportEndpoints();
app.MapRollupEndpoints();
app.MapJobEndpoints();
app.MapJobsDashboard();
app.MapExportEndpoints();
app.MapTransferEndpoints();
app.MapDisbursementEndpoints();
app.MapLedgerEndpoints();
app.MapMilestoneEndpoints();
Housing.Web.Rules.RuleEndpoints.MapRuleEndpoints(app);
Housing.Web.Mankong.MankongEndpoints.MapMankongEndpoints(app);
Housing.Web.Attention.AttentionEndpoints.MapAttentionEndpoints(app);
app.MapRazorPages();

try { await app.RunAsync(); }
catch (Housing.Database.StartupRefused refused)
{
    // A setting the app cannot start with: one line naming it and the rule, and a failing exit code.
    Console.Error.WriteLine(refused.Message);
    return 1;
}
return 0;

/// <summary>Visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
