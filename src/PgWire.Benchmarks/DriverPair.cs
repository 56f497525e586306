using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// The data sources a benchmark class compares: Npgsql with its defaults, Npgsql tuned, and PgWire, on the same
/// server with the same extra connection string keywords (for example a pool size).
/// </summary>
public abstract class DriverPair
{
    private NpgsqlDataSource? _npgsqlTuned;

    /// <summary>Extra keywords for all three, for example "Maximum Pool Size=8".</summary>
    protected virtual string Extra => "";

    protected NpgsqlDataSource NpgsqlSource { get; private set; } = null!;

    protected NpgsqlDataSource NpgsqlTunedSource =>
        _npgsqlTuned ??= NpgsqlDataSource.Create(BenchmarkServer.Npgsql(Join(Extra, Tuning.Npgsql)));

    protected PgWireDataSource PgWireSource { get; private set; } = null!;

    [GlobalSetup]
    public virtual void Setup()
    {
        BenchmarkServer.EnsureStartedAsync().GetAwaiter().GetResult();
        NpgsqlSource = NpgsqlDataSource.Create(BenchmarkServer.Npgsql(Extra));
        PgWireSource = PgWireDataSource.Create(Join(BenchmarkServer.ConnectionString, Extra));
    }

    [GlobalCleanup]
    public virtual async Task Cleanup()
    {
        await NpgsqlSource.DisposeAsync();
        if (_npgsqlTuned is not null) await _npgsqlTuned.DisposeAsync();
        await PgWireSource.DisposeAsync();
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + ";" + b;
}
