using BenchmarkDotNet.Running;
using PgWire.Benchmarks;

// Usage: dotnet run -c Release --project src/PgWire.Benchmarks -- --filter '*'
// PGWIRE_BENCH_CONNECTION selects an existing server; otherwise a throwaway local one is started.
// With --cpu: client CPU time and allocated bytes per query for each driver (CpuPerQuery), instead of BenchmarkDotNet.
// With --copy: binary COPY import and export of 1,000,000 rows, rows/s and client CPU per row (CopyThroughput).
// With --read [rounds=5]: large buffered reads (9 columns, jsonb, 60 timestamps x 50,000 rows), PgWire against Npgsql (ReadCost).
// With --read-loop nine|timestamps [seconds=15]: PgWire's buffered 9-column or timestamp read in a loop, for a profiler.
// With --latency [seconds=5] [one-way delays in ms=0,0.25,1,2]: 64 callers on a pool of 8 through a proxy adding a fixed latency (LatencyMode).
// With --rows-profile: where a buffered read's client CPU goes, per row and per value, without a server (RowsProfile).
// With --cpu-loop pgwire|npgsql|pgwire-pipeline|npgsql-pipeline [seconds]: one driver's prepared point query (or 999-query pipeline) in a loop, to attach a profiler to.
// With --first-row [one-way delays in ms=0,1]: how long a buffered query's response goes on after its first row (FirstRowGap).
// With --cancel-race [iterations=200]: tokens cancelled around a short query's end, PgWire against Npgsql (CancellationRace).
// With --proxy host port one-way-ms: only the latency proxy, until stdin closes (LatencyProxy; web/loadtest.sh DELAY_MS).
// With --soak [minutes=30] [callers=1000] [pool=20]: the soak run (Soak); scripts/soak.sh.
if (args is ["--proxy", var proxyHost, var proxyPort, var oneWay])
{
    await LatencyProxy.RunAsync(proxyHost, int.Parse(proxyPort), double.Parse(oneWay, System.Globalization.CultureInfo.InvariantCulture));
    return;
}
if (args is ["--rows-profile", ..])
{
    RowsProfile.Run();
    return;
}
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
if (args is ["--read", .. var read])
{
    await ReadCost.RunAsync(read is [var r, ..] ? int.Parse(r) : 5);
    return;
}
if (args is ["--read-loop", var what, .. var loop])
{
    await ReadCost.LoopAsync(what, loop is [var s, ..] ? int.Parse(s) : 15);
    return;
}
if (args is ["--latency", .. var latency])
{
    await LatencyMode.RunAsync(
        latency is [var s, ..] ? double.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : 5,
        latency is [_, var d, ..] ? [.. d.Split(',').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture))] : [0, 0.25, 1, 2]);
    return;
}
if (args is ["--first-row", .. var firstRow])
{
    await FirstRowGap.RunAsync(firstRow is [var d, ..] ? [.. d.Split(',').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture))] : [0, 1]);
    return;
}
if (args is ["--cpu", ..])
{
    await CpuPerQuery.RunAsync();
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new BenchConfig());
