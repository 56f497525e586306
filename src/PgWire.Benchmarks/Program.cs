using BenchmarkDotNet.Running;
using PgWire.Benchmarks;

// Usage: dotnet run -c Release --project src/PgWire.Benchmarks -- --filter '*'
// PGWIRE_BENCH_CONNECTION selects an existing server; otherwise a throwaway local one is started.
await BenchmarkServer.EnsureStartedAsync();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig());
