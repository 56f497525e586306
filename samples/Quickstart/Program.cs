using PgWire;
using PgWire.Testing;

// Uses PGWIRE_CONNECTION when set; otherwise starts a throwaway local PostgreSQL and says so.
await using var server = await PgTestServer.FromEnvironmentOrStartAsync("PGWIRE_CONNECTION");
var connectionString = server.ConnectionString;

// Everything a data source is configured with is set on a builder; the data source never changes once built.
await using var dataSource = new PgWireDataSourceBuilder(connectionString)
    .UseNoticeHandler((_, e) => Console.WriteLine($"server notice: {e.Notice.MessageText}"))
    .Build();

await dataSource.ExecuteAsync("""
    DROP TABLE IF EXISTS quickstart_users;
    CREATE TABLE quickstart_users (id int PRIMARY KEY, name text NOT NULL, joined timestamptz NOT NULL, score numeric);
    """);
for (var i = 1; i <= 5; i++)
    await dataSource.ExecuteAsync("INSERT INTO quickstart_users VALUES ($1, $2, $3, $4)",
        i, $"user {i}", DateTime.UtcNow.AddDays(-i), i * 1.5m);

long renamed = await dataSource.ExecuteAsync("UPDATE quickstart_users SET name = $1 WHERE id = $2", "renamed", 1);
Console.WriteLine($"UPDATE affected {renamed} row(s)");

// The connection is back in the pool when QueryAsync returns; values are decoded as they are read.
using PgRowSet rows = await dataSource.QueryAsync("SELECT id, name, joined, score FROM quickstart_users WHERE id > $1 ORDER BY id", 0);
Console.WriteLine($"{rows.Count} rows; columns: {string.Join(", ", rows.Columns)}");
foreach (PgRow row in rows)
    Console.WriteLine($"  {row.Get<int>(0)} | {row.Get<string>("name")} | {row.Get<DateTime>("joined"):u} | {row.Get<decimal?>("score")}");

// One statement, many parameter sets, one round trip: a pipeline.
using (PgPipelineResults names = await dataSource.PipelineAsync(
    "SELECT name FROM quickstart_users WHERE id = $1", [[1], [3], [5]]))
    Console.WriteLine($"Pipelined: {string.Join(", ", names.Select(set => set[0].Get<string>(0)))}");

try
{
    await dataSource.QueryAsync("SELECT * FROM no_such_table");
}
catch (PgWireServerException e)
{
    Console.WriteLine($"As expected, the server said {e.SqlState}: {e.MessageText}");
}

using var version = await dataSource.QueryAsync("SELECT version()");
Console.WriteLine(version[0].Get<string>(0));
await dataSource.ExecuteAsync("DROP TABLE quickstart_users");
