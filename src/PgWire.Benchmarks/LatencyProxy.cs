using PgWire.Testing;

namespace PgWire.Benchmarks;

/// <summary>
/// The latency proxy on its own, for load tests run by scripts (src/PgWire.Benchmarks/web/loadtest.sh with DELAY_MS):
/// forwards a loopback port to a PostgreSQL server adding a fixed one-way delay in both directions (a database on
/// another host), prints <c>PROXY_PORT=n</c>, and runs until its standard input closes or it is stopped.
/// Run with <c>-- --proxy host port one-way-ms</c>.
/// </summary>
public static class LatencyProxy
{
    public static async Task RunAsync(string host, int port, double oneWayMs)
    {
        await using var proxy = PgFaultProxy.Start(host == "localhost" ? "127.0.0.1" : host, port);
        proxy.Plan = new FaultPlan { Latency = TimeSpan.FromMilliseconds(oneWayMs) };
        Console.WriteLine($"PROXY_PORT={proxy.Port}");
        Console.Out.Flush();
        using var stopped = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopped.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stopped.Cancel();
        // Until stdin closes (the script's end) or a signal stops it.
        var input = Task.Run(() => Console.In.ReadToEnd());
        await Task.WhenAny(input, Task.Delay(Timeout.Infinite, stopped.Token).ContinueWith(_ => { }, TaskScheduler.Default));
    }
}
