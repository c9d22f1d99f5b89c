namespace Housing.Benchmarks;

/// <summary>Scenarios: <c>dotnet run -c Release --project tests/Housing.Benchmarks -- &lt;scenario&gt; [options]</c>.
/// Not top-level statements: their generated Program class would clash with the web app's.</summary>
public static class Benchmarks
{
    public static async Task<int> Main(string[] args) => args.FirstOrDefault() switch
    {
        "payments" => await PaymentsBenchmark.RunAsync(args[1..]),
        "rollups" => await RollupBenchmark.RunAsync(args[1..]),
        "workbook-child" => await RollupBenchmark.WorkbookChildAsync(args[1..]),
        "load" => await LoadBenchmark.RunAsync(args[1..]),
        "latency" => await LatencyBenchmark.RunAsync(args[1..]),
        "import" => await ImportScenario.RunAsync(args[1..]),
        "attention" => await AttentionBenchmark.RunAsync(args[1..]),
        "arrears" => await ArrearsBenchmark.RunAsync(args[1..]),
        _ => Usage(),
    };

    static int Usage()
    {
        Console.Error.WriteLine("""
            Scenarios:
              payments [--clients 16] [--seconds 10] [--projects 100] [--homes 50] [--fast] [--no-prepare] [--pool N]
              rollups [households, default 500000]
              load [--users 32] [--seconds 60] [--households 500000]
              import [--rows 100000] [--runs 3]
              latency [--probes 40]
              attention [households, default 500000]
              arrears [--loans 10000]
            """);
        return 2;
    }
}
