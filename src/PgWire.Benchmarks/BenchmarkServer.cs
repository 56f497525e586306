using Npgsql;
using PgWire.Testing;

namespace PgWire.Benchmarks;

/// <summary>
/// The server every benchmark runs against: PGWIRE_BENCH_CONNECTION when set, otherwise a throwaway local cluster
/// started once per process. Creates the benchmark tables when they are missing.
/// </summary>
public static class BenchmarkServer
{
    public const int RowCount = 50_000;
    public const int UserCount = 1_000;
    private static readonly SemaphoreSlim s_lock = new(1, 1);
    private static string? s_connectionString;
    private static PgTestServer? s_server;

    public static string ConnectionString => s_connectionString ?? throw new InvalidOperationException("Call EnsureStartedAsync first.");

    public static async Task EnsureStartedAsync()
    {
        await s_lock.WaitAsync();
        try
        {
            if (s_connectionString is not null) return;
            var external = Environment.GetEnvironmentVariable("PGWIRE_BENCH_CONNECTION");
            if (string.IsNullOrWhiteSpace(external))
            {
                s_server = await PgTestServer.StartAsync(environmentVariable: null);
                external = s_server.ConnectionString;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => s_server.DisposeAsync().AsTask().GetAwaiter().GetResult();
                Console.WriteLine($"// Started a throwaway PostgreSQL on {s_server.Host}:{s_server.Port}");
            }
            s_connectionString = external;
            await CreateTablesAsync(external);
        }
        finally
        {
            s_lock.Release();
        }
    }

    /// <summary>Npgsql's connection string for the same server, plus extra keywords.</summary>
    public static string Npgsql(string extra = "") => ConnectionString + (extra.Length > 0 ? ";" + extra : "");

    /// <summary>bench_timestamps: 60 stored timestamp columns, so that reading them measures decoding, not the server's arithmetic.</summary>
    private static readonly string TimestampColumns = string.Join(", ", Enumerable.Range(0, 60).Select(i => $"t{i} timestamp NOT NULL"));

    private static readonly string TimestampValues = string.Join(", ",
        Enumerable.Range(0, 60).Select(i => $"'2024-01-01'::timestamp + g * interval '1 minute' + interval '{i} seconds'"));

    private static async Task CreateTablesAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand($"""
            CREATE TABLE IF NOT EXISTS bench_users (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO bench_users SELECT g, 'user ' || g FROM generate_series(1, {UserCount}) g ON CONFLICT DO NOTHING;
            CREATE TABLE IF NOT EXISTS bench_rows (
                i int NOT NULL, b bigint NOT NULL, t text NOT NULL, f float8 NOT NULL, n numeric NOT NULL,
                flag bool NOT NULL, ts timestamp NOT NULL, u uuid NOT NULL, j jsonb NOT NULL);
            INSERT INTO bench_rows
                SELECT g, g::int8 * 1000003, 'text value ' || g, g / 3.0, (g * 1.25)::numeric(12, 2), g % 2 = 0,
                       '2024-01-01'::timestamp + g * interval '1 minute', md5(g::text)::uuid,
                       jsonb_build_object('id', g, 'name', 'n' || g)
                FROM generate_series(1, {RowCount}) g
                WHERE NOT EXISTS (SELECT 1 FROM bench_rows);
            CREATE INDEX IF NOT EXISTS bench_rows_i ON bench_rows (i);
            CREATE TABLE IF NOT EXISTS bench_arrays (id int PRIMARY KEY, a int4[] NOT NULL);
            INSERT INTO bench_arrays SELECT g, ARRAY(SELECT g * 1000 + k FROM generate_series(1, 100) k)
                FROM generate_series(1, 10000) g ON CONFLICT DO NOTHING;
            CREATE TABLE IF NOT EXISTS bench_timestamps ({TimestampColumns});
            INSERT INTO bench_timestamps SELECT {TimestampValues} FROM generate_series(1, {RowCount}) g
                WHERE NOT EXISTS (SELECT 1 FROM bench_timestamps);
            CREATE TABLE IF NOT EXISTS bench_types (
                i2 int2 NOT NULL, i4 int4 NOT NULL, i8 int8 NOT NULL, f8 float8 NOT NULL, num numeric NOT NULL, flag bool NOT NULL,
                txt text NOT NULL, id uuid NOT NULL, ts timestamp NOT NULL, tstz timestamptz NOT NULL, d date NOT NULL,
                j jsonb NOT NULL, bin bytea NOT NULL, arr int4[] NOT NULL);
            INSERT INTO bench_types
                SELECT g % 32000, g, g::int8 * 1000003, g / 7.0, (g * 1.25)::numeric(12, 2), g % 2 = 0, 'text value ' || g,
                       md5(g::text)::uuid, '2024-01-01'::timestamp + g * interval '1 minute', '2024-01-01 00:00+00'::timestamptz + g * interval '1 minute',
                       '2000-01-01'::date + g % 20000, jsonb_build_object('id', g, 'name', 'n' || g), decode(md5(g::text), 'hex'),
                       ARRAY[g, g + 1, g + 2, g + 3, g + 4]
                FROM generate_series(1, {RowCount}) g
                WHERE NOT EXISTS (SELECT 1 FROM bench_types);
            ANALYZE bench_users; ANALYZE bench_rows;
            """);
        await command.ExecuteNonQueryAsync();
    }
}
