using System.Buffers;
using BenchmarkDotNet.Attributes;

namespace PgWire.Benchmarks;

/// <summary>
/// 100 rows x 9 columns to JSON on one caller (no contention): Npgsql writing values into a Utf8JsonWriter, Npgsql's usual
/// objects-then-JsonSerializer path, PgWire reading values with Get, and PgWire's <see cref="PgRowSet.WriteJson"/>.
/// MemoryDiagnoser's "Allocated" shows what each path allocates per query (WriteJson: nothing per cell).
/// </summary>
public class JsonRowsBenchmarks : DriverPair
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private int _from;

    private int Next() => _from = (_from + 977) % 49_000;

    [Benchmark(Baseline = true)]
    public Task<int> NpgsqlValues() => RowsToJson.NpgsqlAsync(NpgsqlTunedSource, Next(), _buffer);

    [Benchmark]
    public Task<int> NpgsqlObjects() => RowsToJson.NpgsqlObjectsAsync(NpgsqlTunedSource, Next(), _buffer);

    [Benchmark]
    public Task<int> PgWireValues() => RowsToJson.PgWireAsync(PgWireSource, Next(), _buffer);

    [Benchmark]
    public Task<int> PgWireWriteJson() => RowsToJson.PgWireWriteJsonAsync(PgWireSource, Next(), _buffer);
}
