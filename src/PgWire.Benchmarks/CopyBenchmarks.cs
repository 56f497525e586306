using BenchmarkDotNet.Attributes;
using Npgsql;
using NpgsqlTypes;

namespace PgWire.Benchmarks;

/// <summary>
/// The COPY workloads both <see cref="CopyImportBenchmarks"/>/<see cref="CopyExportBenchmarks"/> and
/// <see cref="CopyThroughput"/> run: rows (int4, text, int8, timestamptz) of generated values into a table that is
/// truncated first, and every value of a table read back.
/// </summary>
public static class CopyWorkload
{
    private static readonly DateTime s_start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] s_names = [.. Enumerable.Range(0, 1000).Select(i => "row name " + i)];

    /// <summary>Npgsql's binary importer, each column given its NpgsqlDbType (its fastest form).</summary>
    public static async Task<long> ImportNpgsqlAsync(NpgsqlDataSource dataSource, string table, int rows)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var truncate = new NpgsqlCommand($"TRUNCATE {table}", connection)) await truncate.ExecuteNonQueryAsync();
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {table} (a, b, c, d) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < rows; i++)
        {
            await importer.StartRowAsync();
            await importer.WriteAsync(i, NpgsqlDbType.Integer);
            await importer.WriteAsync(s_names[i % 1000], NpgsqlDbType.Text);
            await importer.WriteAsync((long)i * 3, NpgsqlDbType.Bigint);
            await importer.WriteAsync(s_start.AddSeconds(i), NpgsqlDbType.TimestampTz);
        }
        return (long)await importer.CompleteAsync();
    }

    /// <summary>PgWire's binary importer.</summary>
    public static async Task<long> ImportPgWireAsync(PgWireDataSource dataSource, string table, int rows)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var truncate = new PgWireCommand($"TRUNCATE {table}", connection)) await truncate.ExecuteNonQueryAsync();
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {table} (a, b, c, d) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < rows; i++)
        {
            await importer.StartRowAsync();
            importer.Write(i);
            importer.Write(s_names[i % 1000]);
            importer.Write((long)i * 3);
            importer.Write(s_start.AddSeconds(i));
        }
        return (long)await importer.CompleteAsync();
    }

    /// <summary>PgWire's BulkInsertAsync over a lazy sequence of tuples.</summary>
    public static async Task<long> BulkInsertPgWireAsync(PgWireDataSource dataSource, string table, int rows)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var truncate = new PgWireCommand($"TRUNCATE {table}", connection)) await truncate.ExecuteNonQueryAsync();
        return (long)await connection.BulkInsertAsync(table, ["a", "b", "c", "d"],
            Enumerable.Range(0, rows).Select(i => (i, s_names[i % 1000], (long)i * 3, s_start.AddSeconds(i))));
    }

    /// <summary>Npgsql's binary exporter; returns the number of rows (every value is read).</summary>
    public static async Task<long> ExportNpgsqlAsync(NpgsqlDataSource dataSource, string table)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var exporter = await connection.BeginBinaryExportAsync($"COPY {table} (a, b, c, d) TO STDOUT (FORMAT BINARY)");
        long n = 0, check = 0;
        while (await exporter.StartRowAsync() != -1)
        {
            check += await exporter.ReadAsync<int>() + (await exporter.ReadAsync<string>()).Length + await exporter.ReadAsync<long>() + (await exporter.ReadAsync<DateTime>()).Second;
            n++;
        }
        return n + (check == 0 ? 1 : 0);
    }

    /// <summary>PgWire's binary exporter; returns the number of rows (every value is read).</summary>
    public static async Task<long> ExportPgWireAsync(PgWireDataSource dataSource, string table)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var exporter = await connection.BeginBinaryExportAsync($"COPY {table} (a, b, c, d) TO STDOUT (FORMAT BINARY)");
        long n = 0, check = 0;
        while (await exporter.StartRowAsync() != -1)
        {
            check += exporter.Read<int>() + exporter.Read<string>().Length + exporter.Read<long>() + exporter.Read<DateTime>().Second;
            n++;
        }
        return n + (check == 0 ? 1 : 0);
    }

    /// <summary>The source table of the exports: <paramref name="rows"/> rows of the same shape.</summary>
    public static string CreateSourceSql(string table, int rows) =>
        $"CREATE UNLOGGED TABLE IF NOT EXISTS {table} AS SELECT g AS a, 'row name ' || (g % 1000) AS b, g::int8 * 3 AS c, '2024-01-01'::timestamptz + g * interval '1 second' AS d FROM generate_series(1, {rows}) g";
}

/// <summary>
/// Binary COPY import of 100,000 rows into an unlogged table, truncated first (<see cref="CopyWorkload"/>); figures
/// are per row. The longer, interleaved comparison with CPU time per row is <c>-- --copy</c> (<see cref="CopyThroughput"/>).
/// </summary>
public class CopyImportBenchmarks : DriverPair
{
    public const int Rows = 100_000;
    private const string Table = "bench_copy_bdn";

    public override void Setup()
    {
        base.Setup();
        PgWireSource.ExecuteAsync($"CREATE UNLOGGED TABLE IF NOT EXISTS {Table} (a int4, b text, c int8, d timestamptz)").AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public Task<long> Npgsql() => CopyWorkload.ImportNpgsqlAsync(NpgsqlSource, Table, Rows);

    [Benchmark(OperationsPerInvoke = Rows)]
    public Task<long> PgWireImporter() => CopyWorkload.ImportPgWireAsync(PgWireSource, Table, Rows);

    [Benchmark(OperationsPerInvoke = Rows)]
    public Task<long> PgWireBulkInsert() => CopyWorkload.BulkInsertPgWireAsync(PgWireSource, Table, Rows);
}

/// <summary>Binary COPY export of a stored 100,000-row table, every value read (<see cref="CopyWorkload"/>); figures are per row.</summary>
public class CopyExportBenchmarks : DriverPair
{
    public const int Rows = 100_000;
    private const string Table = "bench_copy_bdn_source";

    public override void Setup()
    {
        base.Setup();
        PgWireSource.ExecuteAsync(CopyWorkload.CreateSourceSql(Table, Rows)).AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public Task<long> Npgsql() => CopyWorkload.ExportNpgsqlAsync(NpgsqlSource, Table);

    [Benchmark(OperationsPerInvoke = Rows)]
    public Task<long> PgWire() => CopyWorkload.ExportPgWireAsync(PgWireSource, Table);
}
