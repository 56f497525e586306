using BenchmarkDotNet.Running;
using PgWire.Benchmarks;

// Usage: dotnet run -c Release --project src/PgWire.Benchmarks -- --filter '*'
// PGWIRE_BENCH_CONNECTION selects an existing server; otherwise a throwaway local one is started.
// With --cpu: client CPU time and allocated bytes per query for each driver (CpuPerQuery), instead of BenchmarkDotNet.
await BenchmarkServer.EnsureStartedAsync();
if (args is ["--cpu", ..])
{
    await CpuPerQuery.RunAsync();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig());
