using Microsoft.Extensions.DependencyInjection;

namespace Housing.Mankong;

/// <summary>Baan Mankong's services, registered from one line of <see cref="ServiceCollectionExtensions"/>.</summary>
public static class MankongSetup
{
    public static IServiceCollection AddMankong(IServiceCollection services)
    {
        services.AddSingleton<SavingsService>();
        services.AddSingleton<LoanService>();
        services.AddSingleton<LoanPaymentService>();
        services.AddSingleton<WorkService>();
        services.AddSingleton<LoanBookService>();
        services.AddSingleton<WorkStageService>();
        services.AddSingleton<LoanBookWorkbook>();
        return services;
    }
}
