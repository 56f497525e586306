using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>One row by primary key, open/query/close through each driver's pool, sequentially.</summary>
public class PointQueryBenchmarks : DriverPair
{
    private const string Sql = "SELECT id, name FROM bench_users WHERE id = $1";
    private int _next;


    private int NextId() => _next = _next % BenchmarkServer.UserCount + 1;

    [Benchmark(Baseline = true)]
    public Task<string> Npgsql() => ReadNpgsql(NpgsqlSource);

    [Benchmark]
    public Task<string> NpgsqlTuned() => ReadNpgsql(NpgsqlTunedSource);

    [Benchmark]
    public async Task<string> PgWire()
    {
        using var rows = await PgWireSource.QueryAsync(Sql, NextId());
        return rows[0].Get<string>(1);
    }

    private async Task<string> ReadNpgsql(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = NextId() });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetString(1);
    }
}

/// <summary>Npgsql's tuned settings, as the issues name them.</summary>
public static class Tuning
{
    public const string Npgsql = "Max Auto Prepare=20;Auto Prepare Min Usages=2;No Reset On Close=true";
}
