using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// The case the design exists for: 64 concurrent callers share a pool of 8 connections; each caller reads 100 rows x
/// 9 columns and serialises them to JSON. Npgsql holds its connection while the caller reads and serialises; PgWire
/// gives the connection back before the caller decodes anything.
/// </summary>
public class PoolContentionBenchmarks : DriverPair
{
    private const int Callers = 64;
    private const int QueriesPerCaller = 10;
    private const string Sql = "SELECT i, b, t, f, n, flag, ts, u, j FROM bench_rows WHERE i > $1 ORDER BY i LIMIT 100";
    protected override string Extra => "Maximum Pool Size=8";


    [Benchmark(Baseline = true, OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task<long> Npgsql() => RunCallers(caller => NpgsqlCaller(NpgsqlSource, caller));

    [Benchmark(OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task<long> NpgsqlTuned() => RunCallers(caller => NpgsqlCaller(NpgsqlTunedSource, caller));

    [Benchmark(OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task<long> PgWire() => RunCallers(PgWireCaller);

    private static async Task<long> RunCallers(Func<int, Task<long>> caller)
    {
        var tasks = new Task<long>[Callers];
        for (var i = 0; i < Callers; i++)
        {
            var id = i;
            tasks[i] = Task.Run(() => caller(id));
        }
        long total = 0;
        foreach (var bytes in await Task.WhenAll(tasks)) total += bytes;
        return total;
    }

    private static async Task<long> NpgsqlCaller(NpgsqlDataSource dataSource, int caller)
    {
        var buffer = new ArrayBufferWriter<byte>(32 * 1024);
        long written = 0;
        for (var q = 0; q < QueriesPerCaller; q++)
        {
            buffer.ResetWrittenCount();
            await using (var command = dataSource.CreateCommand(Sql))
            {
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (caller * 613 + q * 97) % 49_000 });
                await using var reader = await command.ExecuteReaderAsync();
                using var json = new Utf8JsonWriter(buffer);
                json.WriteStartArray();
                while (await reader.ReadAsync())
                {
                    json.WriteStartObject();
                    json.WriteNumber("i", reader.GetInt32(0));
                    json.WriteNumber("b", reader.GetInt64(1));
                    json.WriteString("t", reader.GetString(2));
                    json.WriteNumber("f", reader.GetDouble(3));
                    json.WriteNumber("n", reader.GetDecimal(4));
                    json.WriteBoolean("flag", reader.GetBoolean(5));
                    json.WriteString("ts", reader.GetDateTime(6));
                    json.WriteString("u", reader.GetGuid(7));
                    json.WritePropertyName("j");
                    json.WriteRawValue(reader.GetString(8), skipInputValidation: true);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            written += buffer.WrittenCount;
        }
        return written;
    }

    private async Task<long> PgWireCaller(int caller)
    {
        var buffer = new ArrayBufferWriter<byte>(32 * 1024);
        long written = 0;
        for (var q = 0; q < QueriesPerCaller; q++)
        {
            buffer.ResetWrittenCount();
            using (var rows = await PgWireSource.QueryAsync(Sql, (caller * 613 + q * 97) % 49_000))
            {
                using var json = new Utf8JsonWriter(buffer);
                json.WriteStartArray();
                foreach (var row in rows)
                {
                    json.WriteStartObject();
                    json.WriteNumber("i", row.Get<int>(0));
                    json.WriteNumber("b", row.Get<long>(1));
                    json.WriteString("t", row.Get<string>(2));
                    json.WriteNumber("f", row.Get<double>(3));
                    json.WriteNumber("n", row.Get<decimal>(4));
                    json.WriteBoolean("flag", row.Get<bool>(5));
                    json.WriteString("ts", row.Get<DateTime>(6));
                    json.WriteString("u", row.Get<Guid>(7));
                    json.WritePropertyName("j");
                    json.WriteRawValue(row.Get<string>(8), skipInputValidation: true);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            written += buffer.WrittenCount;
        }
        return written;
    }
}
