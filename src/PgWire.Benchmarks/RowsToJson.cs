using System.Buffers;
using System.Text.Json;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// The web case's unit of work: 100 rows x 9 columns read and written as a JSON array of objects, the same way for
/// each driver (values read one by one into a <see cref="Utf8JsonWriter"/>).
/// </summary>
public static class RowsToJson
{
    public const string Sql = "SELECT i, b, t, f, n, flag, ts, u, j FROM bench_rows WHERE i > $1 ORDER BY i LIMIT 100";

    /// <summary>One query through Npgsql's data reader; returns the JSON's length.</summary>
    public static async Task<int> NpgsqlAsync(NpgsqlDataSource dataSource, int from, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        await using (var command = dataSource.CreateCommand(Sql))
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = from });
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
        return buffer.WrittenCount;
    }

    /// <summary>One query through PgWire's buffered row set; returns the JSON's length.</summary>
    public static async Task<int> PgWireAsync(PgWireDataSource dataSource, int from, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using (var rows = await dataSource.QueryAsync(Sql, from))
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
        return buffer.WrittenCount;
    }

    /// <summary>One query through PgWire's row set written by <see cref="PgRowSet.WriteJson"/>: no string or boxed value per cell.</summary>
    public static async Task<int> PgWireWriteJsonAsync(PgWireDataSource dataSource, int from, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using (var rows = await dataSource.QueryAsync(Sql, from))
        {
            using var json = new Utf8JsonWriter(buffer);
            rows.WriteJson(json);
        }
        return buffer.WrittenCount;
    }

    /// <summary>The usual way with Npgsql: the rows read into objects, then the list serialised by JsonSerializer.</summary>
    public static async Task<int> NpgsqlObjectsAsync(NpgsqlDataSource dataSource, int from, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        var list = new List<BenchRow>(100);
        await using (var command = dataSource.CreateCommand(Sql))
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = from });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                list.Add(new BenchRow(reader.GetInt32(0), reader.GetInt64(1), reader.GetString(2), reader.GetDouble(3), reader.GetDecimal(4),
                    reader.GetBoolean(5), reader.GetDateTime(6), reader.GetGuid(7), JsonDocument.Parse(reader.GetString(8)).RootElement));
            }
        }
        using var json = new Utf8JsonWriter(buffer);
        JsonSerializer.Serialize(json, list, BenchJsonContext.Default.ListBenchRow);
        return buffer.WrittenCount;
    }
}

/// <summary>One row of the web case as the usual object (j as a JSON element, so that it is serialised as JSON).</summary>
public sealed record BenchRow(int I, long B, string T, double F, decimal N, bool Flag, DateTime Ts, Guid U, JsonElement J);

/// <summary>Source-generated serialisation for <see cref="BenchRow"/> lists (what a tuned ASP.NET service uses).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(List<BenchRow>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
public sealed partial class BenchJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
