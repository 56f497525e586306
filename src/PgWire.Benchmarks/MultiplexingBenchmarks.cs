using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// 64 concurrent callers, each running point queries on the data source (no connection held between queries), with
/// a pool of 8: PgWire pooled and multiplexed, Npgsql with defaults and with its own Multiplexing=true.
/// </summary>
public class MultiplexingBenchmarks : DriverPair
{
    private const int Callers = 64;
    private const int QueriesPerCaller = 20;
    private const string Sql = "SELECT id, name FROM bench_users WHERE id = $1";
    private NpgsqlDataSource _npgsqlMultiplexed = null!;
    private PgWireDataSource _pgwireMultiplexed = null!;

    protected override string Extra => "Maximum Pool Size=8";

    public override void Setup()
    {
        base.Setup();
        _npgsqlMultiplexed = NpgsqlDataSource.Create(BenchmarkServer.Npgsql("Maximum Pool Size=8;Multiplexing=true"));
        _pgwireMultiplexed = PgWireDataSource.Create(BenchmarkServer.ConnectionString + ";Maximum Pool Size=8;Multiplexing=true");
    }

    public override async Task Cleanup()
    {
        await _npgsqlMultiplexed.DisposeAsync();
        await _pgwireMultiplexed.DisposeAsync();
        await base.Cleanup();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task Npgsql() => Run(caller => NpgsqlQuery(NpgsqlSource, caller));

    [Benchmark(OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task NpgsqlMultiplexed() => Run(caller => NpgsqlQuery(_npgsqlMultiplexed, caller));

    [Benchmark(OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task PgWire() => Run(caller => PgWireQuery(PgWireSource, caller));

    [Benchmark(OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task PgWireMultiplexed() => Run(caller => PgWireQuery(_pgwireMultiplexed, caller));

    private static Task Run(Func<int, Task> caller)
    {
        var tasks = new Task[Callers];
        for (var c = 0; c < Callers; c++)
        {
            var id = c;
            tasks[c] = Task.Run(() => caller(id));
        }
        return Task.WhenAll(tasks);
    }

    private static async Task NpgsqlQuery(NpgsqlDataSource dataSource, int caller)
    {
        for (var q = 0; q < QueriesPerCaller; q++)
        {
            await using var command = dataSource.CreateCommand(Sql);
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (caller * 31 + q) % BenchmarkServer.UserCount + 1 });
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            _ = reader.GetString(1);
        }
    }

    private static async Task PgWireQuery(PgWireDataSource dataSource, int caller)
    {
        for (var q = 0; q < QueriesPerCaller; q++)
        {
            using var rows = await dataSource.QueryAsync(Sql, (caller * 31 + q) % BenchmarkServer.UserCount + 1);
            _ = rows[0].Get<string>(1);
        }
    }
}
