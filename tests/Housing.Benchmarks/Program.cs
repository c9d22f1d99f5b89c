using Housing.Benchmarks;

// Scenarios: dotnet run -c Release --project tests/Housing.Benchmarks -- <scenario> [arguments]
return args.FirstOrDefault() switch
{
    "rollups" => await RollupBenchmark.RunAsync(args[1..]),
    "workbook-child" => await RollupBenchmark.WorkbookChildAsync(args[1..]),
    "import" => await ImportScenario.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Scenarios: rollups [households, default 500000]; import [--rows 100000] [--runs 3]");
    return 2;
}
