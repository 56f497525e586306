#if NPGSQL
using Npgsql;
#else
using PgWire;
#endif

namespace WebApi;

/// <summary>The endpoints' database work, on PgWire (or, built with -p:Driver=Npgsql, on Npgsql tuned).</summary>
public sealed class Store
{
    private const string ReadSql = "SELECT id, big, text, ratio, price, flag, taken, key, json::text FROM web_items ORDER BY id LIMIT $1";
    private const string FindSql = "SELECT id, big, text, ratio, price, flag, taken, key, json::text FROM web_items WHERE id = $1";
    private const string InsertSql = "INSERT INTO web_items (big, text, ratio, price, flag, taken, key, json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING id";

#if NPGSQL
    private readonly NpgsqlDataSource _db;

    public Store(NpgsqlDataSource db) => _db = db;

    public static void Register(IServiceCollection services, IHealthChecksBuilder health, string connectionString)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString + ";Max Auto Prepare=20;Auto Prepare Min Usages=2;No Reset On Close=true"));
        services.AddSingleton<Store>();
        health.Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            "npgsql", provider => new NpgsqlCheck(provider.GetRequiredService<NpgsqlDataSource>()), null, null));
    }

    private sealed class NpgsqlCheck(NpgsqlDataSource db) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
    {
        public async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
            Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await using var command = db.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy();
        }
    }

    public async Task<List<Item>> ReadAsync(int count)
    {
        await using var command = _db.CreateCommand(ReadSql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        await using var reader = await command.ExecuteReaderAsync();
        var items = new List<Item>(count);
        while (await reader.ReadAsync()) items.Add(Read(reader));
        return items;
    }

    /// <summary>The Npgsql way to answer JSON: the rows as objects, serialised by System.Text.Json (source-generated).</summary>
    public async Task WriteItemsAsync(int count, Stream body, CancellationToken cancellationToken) =>
        await System.Text.Json.JsonSerializer.SerializeAsync(body, await ReadAsync(count), ItemJson.Default.ListItem, cancellationToken);

    public async Task<Item?> FindAsync(int id)
    {
        await using var command = _db.CreateCommand(FindSql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    public async Task<int> InsertAsync(Item item)
    {
        await using var command = _db.CreateCommand(InsertSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = item.Big });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = item.Text });
        command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = item.Ratio });
        command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = item.Price });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = item.Flag });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = item.Taken });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = item.Key });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = item.Json });
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static Item Read(NpgsqlDataReader r) => new(
        r.GetInt32(0), r.GetInt64(1), r.GetString(2), r.GetDouble(3), r.GetDecimal(4), r.GetBoolean(5), r.GetDateTime(6), r.GetGuid(7), r.GetString(8));

    private Task ExecuteAsync(string sql) => _db.CreateCommand(sql).ExecuteNonQueryAsync();
#else
    private readonly PgWireDataSource _db;

    public Store(PgWireDataSource db) => _db = db;

    public static void Register(IServiceCollection services, IHealthChecksBuilder health, string connectionString)
    {
        services.AddPgWireDataSource(connectionString, pg => pg.UseSlowCommandThreshold(TimeSpan.FromMilliseconds(500)));
        services.AddSingleton<Store>();
        health.AddPgWire(tags: ["ready"]);
    }

    public async Task<List<Item>> ReadAsync(int count)
    {
        // The connection is back in the pool when QueryAsync returns; the rows are decoded after, on this request's time.
        using var rows = await _db.QueryAsync(ReadSql, count);
        var items = new List<Item>(rows.Count);
        foreach (var row in rows) items.Add(Read(row));
        return items;
    }

    /// <summary>
    /// The PgWire way to answer JSON: the rows written straight from their bytes (PgRowSet.WriteJson), no object, string
    /// or boxed value per cell; the same JSON as the objects give (the columns are named as the record's properties).
    /// </summary>
    public async Task WriteItemsAsync(int count, Stream body, CancellationToken cancellationToken)
    {
        using var rows = await _db.QueryAsync(ReadSql, [count], cancellationToken);
        // ASP.NET Core's own escaping, so that the JSON is byte for byte what the objects give.
        await using var json = new System.Text.Json.Utf8JsonWriter(body, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        rows.WriteJson(json);
        await json.FlushAsync(cancellationToken);
    }

    public async Task<Item?> FindAsync(int id)
    {
        using var rows = await _db.QueryAsync(FindSql, id);
        return rows.Count == 0 ? null : Read(rows[0]);
    }

    public async Task<int> InsertAsync(Item item)
    {
        using var rows = await _db.QueryAsync(InsertSql, item.Big, item.Text, item.Ratio, item.Price, item.Flag, item.Taken, item.Key, item.Json);
        return rows[0].Get<int>(0);
    }

    private static Item Read(PgRow r) => new(
        r.Get<int>(0), r.Get<long>(1), r.Get<string>(2), r.Get<double>(3), r.Get<decimal>(4), r.Get<bool>(5), r.Get<DateTime>(6), r.Get<Guid>(7), r.Get<string>(8));

    private async Task ExecuteAsync(string sql) => await _db.ExecuteAsync(sql);
#endif

    /// <summary>Creates and fills the table once (1,000 rows), before the endpoints serve.</summary>
    public static async Task CreateTableAsync(IServiceProvider services) =>
        await services.GetRequiredService<Store>().ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS web_items (
                id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, big bigint NOT NULL, text text NOT NULL, ratio float8 NOT NULL,
                price numeric(12, 2) NOT NULL, flag bool NOT NULL, taken timestamp NOT NULL, key uuid NOT NULL, json jsonb NOT NULL);
            INSERT INTO web_items (big, text, ratio, price, flag, taken, key, json)
                SELECT g * 1000003, 'text value ' || g, g / 3.0, g * 1.25, g % 2 = 0, '2026-01-01'::timestamp + g * interval '1 minute',
                       md5(g::text)::uuid, jsonb_build_object('id', g, 'name', 'n' || g)
                FROM generate_series(1, 1000) g
                WHERE NOT EXISTS (SELECT 1 FROM web_items);
            """);
}
