// Opens a data source, runs one query of 100 rows x 3 columns and reads every value: the start-up a service pays.
using Npgsql;

await using var dataSource = new NpgsqlSlimDataSourceBuilder(Environment.GetEnvironmentVariable("PGWIRE_CONNECTION")!).Build();
long sum = 0;
await using (var command = dataSource.CreateCommand("SELECT n, 'row ' || n, now() FROM generate_series(1, 100) AS n"))
await using (var reader = await command.ExecuteReaderAsync())
    while (await reader.ReadAsync())
        sum += reader.GetInt32(0) + reader.GetString(1).Length + reader.GetDateTime(2).Second * 0;
Console.WriteLine(sum);
