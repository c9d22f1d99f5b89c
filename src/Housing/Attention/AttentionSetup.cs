using Microsoft.Extensions.DependencyInjection;

namespace Housing.Attention;

/// <summary>What needs attention: registered from one line of <see cref="ServiceCollectionExtensions"/>.</summary>
public static class AttentionSetup
{
    public static IServiceCollection AddAttention(IServiceCollection services)
    {
        services.AddSingleton<AttentionRefresh>();
        services.AddSingleton<AttentionService>();
        return services;
    }
}
