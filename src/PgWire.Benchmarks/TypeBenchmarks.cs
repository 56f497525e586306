using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// Decoding-heavy reads for the type system: 50,000 rows x 60 stored timestamp columns, 50,000 jsonb values, 10,000 int4[100]
/// arrays. Each driver reads every value; PgWire through both its buffered and its streaming path.
/// </summary>
public class TypeReadBenchmarks : DriverPair
{
    // Stored columns: the read measures decoding 60 timestamps per row, not the server computing them.
    private const string Timestamps = "SELECT * FROM bench_timestamps";
    private const string Jsonb = "SELECT j FROM bench_rows";
    private const string Arrays = "SELECT a FROM bench_arrays";


    [Params("timestamp x60", "jsonb", "int4[100]")]
    public string Workload { get; set; } = "";

    private string Sql => Workload switch { "timestamp x60" => Timestamps, "jsonb" => Jsonb, _ => Arrays };

    [Benchmark(Baseline = true)]
    public async Task<long> Npgsql()
    {
        await using var command = NpgsqlSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync();
        long check = 0;
        while (await reader.ReadAsync())
        {
            switch (Workload)
            {
                case "timestamp x60":
                    for (var c = 0; c < 60; c++) check += reader.GetDateTime(c).Ticks;
                    break;
                case "jsonb":
                    check += reader.GetString(0).Length;
                    break;
                default:
                    check += reader.GetFieldValue<int[]>(0)[99];
                    break;
            }
        }
        return check;
    }

    [Benchmark]
    public async Task<long> PgWire()
    {
        using var rows = await PgWireSource.QueryAsync(Sql);
        long check = 0;
        foreach (var row in rows)
        {
            switch (Workload)
            {
                case "timestamp x60":
                    for (var c = 0; c < 60; c++) check += row.Get<DateTime>(c).Ticks;
                    break;
                case "jsonb":
                    check += row.Get<string>(0).Length;
                    break;
                default:
                    check += row.Get<int[]>(0)[99];
                    break;
            }
        }
        return check;
    }

    [Benchmark]
    public async Task<long> PgWireStreaming()
    {
        await using var reader = await PgWireSource.QueryStreamingAsync(Sql);
        long check = 0;
        while (await reader.ReadAsync())
        {
            switch (Workload)
            {
                case "timestamp x60":
                    for (var c = 0; c < 60; c++) check += reader.Get<DateTime>(c).Ticks;
                    break;
                case "jsonb":
                    check += reader.Get<string>(0).Length;
                    break;
                default:
                    check += reader.Get<int[]>(0)[99];
                    break;
            }
        }
        return check;
    }
}
