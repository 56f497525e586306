using BenchmarkDotNet.Attributes;
using Npgsql;
using NpgsqlTypes;

namespace PgWire.Benchmarks;

/// <summary>
/// Binary COPY import of 100,000 rows (int4, text, int8, timestamptz) into an unlogged table, truncated first; figures
/// are per row. Npgsql's importer is given each column's NpgsqlDbType. The longer, interleaved comparison with CPU
/// time per row is <c>-- --copy</c> (<see cref="CopyThroughput"/>).
/// </summary>
public class CopyImportBenchmarks : DriverPair
{
    public const int Rows = 100_000;
    private static readonly DateTime s_start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] s_names = [.. Enumerable.Range(0, 1000).Select(i => "row name " + i)];

    public override void Setup()
    {
        base.Setup();
        PgWireSource.ExecuteAsync("CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy_bdn (a int4, b text, c int8, d timestamptz)").AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public async Task<ulong> Npgsql()
    {
        await using var connection = await NpgsqlSource.OpenConnectionAsync();
        await using (var truncate = new NpgsqlCommand("TRUNCATE bench_copy_bdn", connection)) await truncate.ExecuteNonQueryAsync();
        await using var importer = await connection.BeginBinaryImportAsync("COPY bench_copy_bdn (a, b, c, d) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < Rows; i++)
        {
            await importer.StartRowAsync();
            await importer.WriteAsync(i, NpgsqlDbType.Integer);
            await importer.WriteAsync(s_names[i % 1000], NpgsqlDbType.Text);
            await importer.WriteAsync((long)i * 3, NpgsqlDbType.Bigint);
            await importer.WriteAsync(s_start.AddSeconds(i), NpgsqlDbType.TimestampTz);
        }
        return await importer.CompleteAsync();
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public async Task<ulong> PgWireImporter()
    {
        await using var connection = await PgWireSource.OpenConnectionAsync();
        await using (var truncate = new PgWireCommand("TRUNCATE bench_copy_bdn", connection)) await truncate.ExecuteNonQueryAsync();
        await using var importer = await connection.BeginBinaryImportAsync("COPY bench_copy_bdn (a, b, c, d) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < Rows; i++)
        {
            await importer.StartRowAsync();
            importer.Write(i);
            importer.Write(s_names[i % 1000]);
            importer.Write((long)i * 3);
            importer.Write(s_start.AddSeconds(i));
        }
        return await importer.CompleteAsync();
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public async Task<ulong> PgWireBulkInsert()
    {
        await using var connection = await PgWireSource.OpenConnectionAsync();
        await using (var truncate = new PgWireCommand("TRUNCATE bench_copy_bdn", connection)) await truncate.ExecuteNonQueryAsync();
        return await connection.BulkInsertAsync("bench_copy_bdn", ["a", "b", "c", "d"],
            Enumerable.Range(0, Rows).Select(i => (i, s_names[i % 1000], (long)i * 3, s_start.AddSeconds(i))));
    }
}

/// <summary>Binary COPY export of a stored 100,000-row table (int4, text, int8, timestamptz), every value read; figures are per row.</summary>
public class CopyExportBenchmarks : DriverPair
{
    public const int Rows = 100_000;
    private const string Copy = "COPY bench_copy_bdn_source (a, b, c, d) TO STDOUT (FORMAT BINARY)";

    public override void Setup()
    {
        base.Setup();
        PgWireSource.ExecuteAsync($"CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy_bdn_source AS SELECT g AS a, 'row name ' || (g % 1000) AS b, g::int8 * 3 AS c, '2024-01-01'::timestamptz + g * interval '1 second' AS d FROM generate_series(1, {Rows}) g")
            .AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public async Task<long> Npgsql()
    {
        await using var connection = await NpgsqlSource.OpenConnectionAsync();
        await using var exporter = await connection.BeginBinaryExportAsync(Copy);
        long check = 0;
        while (await exporter.StartRowAsync() != -1)
            check += await exporter.ReadAsync<int>() + (await exporter.ReadAsync<string>()).Length + await exporter.ReadAsync<long>() + (await exporter.ReadAsync<DateTime>()).Second;
        return check;
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public async Task<long> PgWire()
    {
        await using var connection = await PgWireSource.OpenConnectionAsync();
        await using var exporter = await connection.BeginBinaryExportAsync(Copy);
        long check = 0;
        while (await exporter.StartRowAsync() != -1)
            check += exporter.Read<int>() + exporter.Read<string>().Length + exporter.Read<long>() + exporter.Read<DateTime>().Second;
        return check;
    }
}
