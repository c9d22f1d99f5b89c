using Housing.Access;
using Housing.Allocations;
using Housing.Budgets;
using Housing.Database;
using Housing.Exports;
using Housing.Geography;
using Housing.Households;
using Housing.Imports;
using Housing.Rollups;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Housing;

public static class ServiceCollectionExtensions
{
    /// <summary>The service layer: the database (started by <see cref="DatabaseStartup"/>, registered first) and one service per feature.</summary>
    public static IServiceCollection AddHousing(this IServiceCollection services)
    {
        services.AddSingleton<HousingDatabase>();
        services.AddHostedService<DatabaseStartup>();
        services.AddSingleton<NpgsqlDataSource>(sp => sp.GetRequiredService<HousingDatabase>().DataSource);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SessionCache>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionCache>());
        services.AddSingleton<UserService>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<GeographyService>();
        services.AddSingleton<BudgetService>();
        services.AddSingleton<HouseholdService>();
        services.AddSingleton<AllocationService>();
        services.AddSingleton<HouseholdImportService>();
        services.AddSingleton<RollupService>();
        services.AddSingleton<ExportService>();
        services.AddSingleton<Transfers.TransferService>();
        services.AddSingleton<Disbursements.DisbursementService>();
        services.AddSingleton<Ledgers.LedgerService>();
        services.AddSingleton<Milestones.MilestoneService>();
        services.AddSingleton<Rules.ProgramYearService>();
        services.AddSingleton<Rules.TrancheService>();
        services.AddSingleton<Disbursements.ReceiptService>();
        Mankong.MankongSetup.AddMankong(services);
        Attention.AttentionSetup.AddAttention(services);
        return services;
    }
}
