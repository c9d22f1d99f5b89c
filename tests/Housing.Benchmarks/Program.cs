using Housing.Benchmarks;

// A dispatcher only: each scenario is one IScenario class in its own file, found here by reflection,
// so adding one never touches this file.
var scenarios = typeof(IScenario).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IScenario).IsAssignableFrom(t))
    .Select(t => (IScenario)Activator.CreateInstance(t)!)
    .ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

if (args.Length == 0 || !scenarios.TryGetValue(args[0], out var scenario))
{
    Console.Error.WriteLine("Usage: dotnet run -c Release --project tests/Housing.Benchmarks -- <scenario> [options]");
    foreach (var s in scenarios.Values.OrderBy(s => s.Name)) Console.Error.WriteLine($"  {s.Name,-12} {s.Description}");
    return 2;
}
await scenario.RunAsync(args[1..]);
return 0;
