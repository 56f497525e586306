using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// 50,000 values of one column of bench_types, every value read, Npgsql's reader against PgWire's buffered row set: the
/// decoding cost per value of each common type (divide the mean by 50,000; the round trip and the server's scan are the
/// same for both). One class per type family; the column is a parameter.
/// </summary>
public abstract class ValueDecodeBenchmarks : DriverPair
{
    /// <summary>The column of bench_types read.</summary>
    public abstract string Column { get; set; }

    private string Sql => $"SELECT {Column} FROM bench_types";

    [Benchmark(Baseline = true)]
    public async Task<long> Npgsql()
    {
        await using var command = NpgsqlTunedSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync();
        long check = 0;
        while (await reader.ReadAsync()) check += ReadNpgsql(reader);
        return check;
    }

    [Benchmark]
    public async Task<long> PgWire()
    {
        using var rows = await PgWireSource.QueryAsync(Sql);
        long check = 0;
        foreach (var row in rows) check += ReadPgWire(row);
        return check;
    }

    protected abstract long ReadNpgsql(NpgsqlDataReader reader);

    protected abstract long ReadPgWire(PgRow row);
}

/// <summary>int2, int4, int8.</summary>
public class IntegerDecodeBenchmarks : ValueDecodeBenchmarks
{
    [Params("i2", "i4", "i8")]
    public override string Column { get; set; } = "i4";

    protected override long ReadNpgsql(NpgsqlDataReader reader) => Column switch
    {
        "i2" => reader.GetInt16(0),
        "i4" => reader.GetInt32(0),
        _ => reader.GetInt64(0),
    };

    protected override long ReadPgWire(PgRow row) => Column switch
    {
        "i2" => row.Get<short>(0),
        "i4" => row.Get<int>(0),
        _ => row.Get<long>(0),
    };
}

/// <summary>float8, numeric (as decimal), bool.</summary>
public class NumberDecodeBenchmarks : ValueDecodeBenchmarks
{
    [Params("f8", "num", "flag")]
    public override string Column { get; set; } = "f8";

    protected override long ReadNpgsql(NpgsqlDataReader reader) => Column switch
    {
        "f8" => (long)reader.GetDouble(0),
        "num" => decimal.ToOACurrency(reader.GetDecimal(0)),
        _ => reader.GetBoolean(0) ? 1 : 0,
    };

    protected override long ReadPgWire(PgRow row) => Column switch
    {
        "f8" => (long)row.Get<double>(0),
        "num" => decimal.ToOACurrency(row.Get<decimal>(0)),
        _ => row.Get<bool>(0) ? 1 : 0,
    };
}

/// <summary>text, jsonb (as string), bytea (as byte[]), uuid.</summary>
public class TextDecodeBenchmarks : ValueDecodeBenchmarks
{
    [Params("txt", "j", "bin", "id")]
    public override string Column { get; set; } = "txt";

    protected override long ReadNpgsql(NpgsqlDataReader reader) => Column switch
    {
        "txt" or "j" => reader.GetString(0).Length,
        "bin" => reader.GetFieldValue<byte[]>(0).Length,
        _ => reader.GetGuid(0).GetHashCode(),
    };

    protected override long ReadPgWire(PgRow row) => Column switch
    {
        "txt" or "j" => row.Get<string>(0).Length,
        "bin" => row.Get<byte[]>(0).Length,
        _ => row.Get<Guid>(0).GetHashCode(),
    };
}

/// <summary>timestamp, timestamptz (as DateTime), date (as DateOnly).</summary>
public class TemporalDecodeBenchmarks : ValueDecodeBenchmarks
{
    [Params("ts", "tstz", "d")]
    public override string Column { get; set; } = "ts";

    protected override long ReadNpgsql(NpgsqlDataReader reader) => Column switch
    {
        "d" => reader.GetFieldValue<DateOnly>(0).DayNumber,
        _ => reader.GetDateTime(0).Ticks,
    };

    protected override long ReadPgWire(PgRow row) => Column switch
    {
        "d" => row.Get<DateOnly>(0).DayNumber,
        _ => row.Get<DateTime>(0).Ticks,
    };
}

/// <summary>int4[] (as int[]).</summary>
public class ArrayDecodeBenchmarks : ValueDecodeBenchmarks
{
    [Params("arr")]
    public override string Column { get; set; } = "arr";

    protected override long ReadNpgsql(NpgsqlDataReader reader) => reader.GetFieldValue<int[]>(0).Length;

    protected override long ReadPgWire(PgRow row) => row.Get<int[]>(0).Length;
}
