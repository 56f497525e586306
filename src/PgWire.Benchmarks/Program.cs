using BenchmarkDotNet.Running;
using PgWire.Benchmarks;

// Usage: dotnet run -c Release --project src/PgWire.Benchmarks -- --filter '*'
// PGWIRE_BENCH_CONNECTION selects an existing server; otherwise a throwaway local one is started.
// With --cpu: client CPU time and allocated bytes per query for each driver (CpuPerQuery), instead of BenchmarkDotNet.
// With --copy: binary COPY import and export of 1,000,000 rows, rows/s and client CPU per row (CopyThroughput).
// With --cpu-loop pgwire|npgsql [seconds]: one driver's prepared point query in a loop, to attach a profiler to.
await BenchmarkServer.EnsureStartedAsync();
if (args is ["--copy", ..])
{
    await CopyThroughput.RunAsync();
    return;
}
if (args is ["--cpu-loop", var driver, .. var rest])
{
    await CpuPerQuery.LoopAsync(driver, rest is [var seconds, ..] ? int.Parse(seconds) : 12);
    return;
}
if (args is ["--cpu", ..])
{
    await CpuPerQuery.RunAsync();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig());
