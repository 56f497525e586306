using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>50,000 rows x 1 int column, every value read.</summary>
public class OneColumnReadBenchmarks : DriverPair
{
    private const string Sql = "SELECT i FROM bench_rows";

    [Benchmark(Baseline = true)]
    public async Task<long> Npgsql()
    {
        await using var command = NpgsqlSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync();
        long sum = 0;
        while (await reader.ReadAsync()) sum += reader.GetInt32(0);
        return sum;
    }

    [Benchmark]
    public async Task<long> PgWire()
    {
        using var rows = await PgWireSource.QueryAsync(Sql);
        long sum = 0;
        foreach (var row in rows) sum += row.Get<int>(0);
        return sum;
    }

    [Benchmark]
    public async Task<long> PgWireStreaming()
    {
        await using var reader = await PgWireSource.QueryStreamingAsync(Sql);
        long sum = 0;
        while (await reader.ReadAsync()) sum += reader.Get<int>(0);
        return sum;
    }
}

/// <summary>50,000 rows x 9 mixed columns (int, bigint, text, float8, numeric, bool, timestamp, uuid, jsonb), every value read.</summary>
public class NineColumnReadBenchmarks : DriverPair
{
    private const string Sql = NineColumns.Sql;

    [Benchmark(Baseline = true)]
    public async Task<long> Npgsql()
    {
        await using var command = NpgsqlSource.CreateCommand(Sql);
        return await NineColumns.ReadAllAsync(command);
    }

    [Benchmark]
    public async Task<long> PgWire()
    {
        using var rows = await PgWireSource.QueryAsync(Sql);
        long check = 0;
        foreach (var row in rows) check += NineColumns.ReadAll(row);
        return check;
    }

    [Benchmark]
    public async Task<long> PgWireStreaming()
    {
        await using var reader = await PgWireSource.QueryStreamingAsync(Sql);
        long check = 0;
        while (await reader.ReadAsync()) check += NineColumns.ReadAll(reader);
        return check;
    }

    // The same 9-column result, reading only the 7 columns whose values are not strings: what is left in
    // "Allocated" is what each driver itself allocates, not the strings the caller asked for.
    [Benchmark]
    public async Task<long> NpgsqlWithoutStrings()
    {
        await using var command = NpgsqlSource.CreateCommand(Sql);
        return await NineColumns.ReadAllAsync(command, strings: false);
    }

    [Benchmark]
    public async Task<long> PgWireWithoutStrings()
    {
        using var rows = await PgWireSource.QueryAsync(Sql);
        long check = 0;
        foreach (var row in rows)
        {
            check += row.Get<int>(0);
            check += row.Get<long>(1);
            check += (long)row.Get<double>(3);
            check += (long)row.Get<decimal>(4);
            check += row.Get<bool>(5) ? 1 : 0;
            check += row.Get<DateTime>(6).Ticks;
            check += row.Get<Guid>(7).GetHashCode();
        }
        return check;
    }
}
