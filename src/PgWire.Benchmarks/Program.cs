using BenchmarkDotNet.Running;
using PgWire.Benchmarks;

// Usage: dotnet run -c Release --project src/PgWire.Benchmarks -- --filter '*'
// PGWIRE_BENCH_CONNECTION selects an existing server; otherwise a throwaway local one is started.
// With --cpu: client CPU time and allocated bytes per query for each driver (CpuPerQuery), instead of BenchmarkDotNet.
// With --copy: binary COPY import and export of 1,000,000 rows, rows/s and client CPU per row (CopyThroughput).
// With --cpu-loop pgwire|npgsql [seconds]: one driver's prepared point query in a loop, to attach a profiler to.
// With --cancel-race [iterations=200]: tokens cancelled around a short query's end, PgWire against Npgsql (CancellationRace).
// With --soak [minutes=30] [callers=1000] [pool=20]: the soak run (Soak); scripts/soak.sh.
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
if (args is ["--soak", .. var soak])
{
    await Soak.RunAsync(
        soak is [var m, ..] ? int.Parse(m) : 30,
        soak is [_, var c, ..] ? int.Parse(c) : 1000,
        soak is [_, _, var p, ..] ? int.Parse(p) : 20);
    return;
}
if (args is ["--cancel-race", .. var race])
{
    await CancellationRace.RunAsync(race is [var n, ..] ? int.Parse(n) : 200);
    return;
}
if (args is ["--cpu", ..])
{
    await CpuPerQuery.RunAsync();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig());
