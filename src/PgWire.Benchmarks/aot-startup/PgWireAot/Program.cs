// Opens a data source, runs one query of 100 rows x 3 columns and reads every value: the start-up a service pays.
using PgWire;

await using var dataSource = PgWireDataSource.Create(Environment.GetEnvironmentVariable("PGWIRE_CONNECTION")!);
long sum = 0;
using (var rows = await dataSource.QueryAsync("SELECT n, 'row ' || n, now() FROM generate_series(1, 100) AS n"))
    foreach (var row in rows)
        sum += row.Get<int>(0) + row.Get<string>(1).Length + row.Get<DateTime>(2).Second * 0;
Console.WriteLine(sum);
