using Dapper;
using PgWire;
using PgWire.Dapper;
using PgWire.Testing;

// Dapper on PgWire, unchanged. Uses PGWIRE_CONNECTION when set; otherwise starts a throwaway local PostgreSQL.
await using var server = await PgTestServer.FromEnvironmentOrStartAsync("PGWIRE_CONNECTION");
var connectionString = server.ConnectionString;

// Arrays and lists go as PostgreSQL arrays (ANY(@ids), text[] columns); timestamptz reads as DateTimeOffset.
PgWireDapper.AddTypeHandlers();
PgWireDapper.AddEnumArrays<Tier>();

// The enum type must exist before the data source maps it.
await using (var setup = new PgWireConnection(connectionString))
{
    await setup.OpenAsync();
    await setup.ExecuteAsync("DROP TABLE IF EXISTS dapper_orders, dapper_customers; DROP TYPE IF EXISTS dapper_tier; CREATE TYPE dapper_tier AS ENUM ('basic', 'gold')");
}
await using var dataSource = new PgWireDataSourceBuilder(connectionString).MapEnum<Tier>("dapper_tier").Build();
await using var connection = await dataSource.OpenConnectionAsync();
DefaultTypeMap.MatchNamesWithUnderscores = true;

await connection.ExecuteAsync("""
    CREATE TABLE dapper_customers (id int PRIMARY KEY, full_name text NOT NULL, tags text[] NOT NULL DEFAULT '{}', tier dapper_tier NOT NULL DEFAULT 'basic');
    CREATE TABLE dapper_orders (id int PRIMARY KEY, customer_id int REFERENCES dapper_customers, total numeric(10, 2), placed_at timestamptz);
    """);

// Execute with a list of objects: one INSERT per item.
await connection.ExecuteAsync("INSERT INTO dapper_customers (id, full_name) VALUES (@Id, @FullName)",
    new[] { new Customer { Id = 1, FullName = "Ada Lovelace" }, new Customer { Id = 2, FullName = "Alan Turing" } });

// A transaction: both orders or neither.
await using (var transaction = await connection.BeginTransactionAsync())
{
    await connection.ExecuteAsync(
        "INSERT INTO dapper_orders VALUES (@id, @customerId, @total, @placedAt)",
        new[]
        {
            new { id = 10, customerId = 1, total = 12.50m, placedAt = DateTime.UtcNow },
            new { id = 11, customerId = 2, total = 99.99m, placedAt = DateTime.UtcNow },
        },
        transaction);
    await transaction.CommitAsync();
}

// Arrays: a text[] column written from a string[], rows picked with ANY(@ids) (IN @ids works too).
await connection.ExecuteAsync("UPDATE dapper_customers SET tags = @tags, tier = @tier::dapper_tier WHERE id = @id",
    new { id = 1, tags = new[] { "math", "poetry" }, tier = "gold" });
foreach (var customer in await connection.QueryAsync<Customer>("SELECT * FROM dapper_customers WHERE id = ANY(@ids) ORDER BY id", new { ids = new List<int> { 1, 2 } }))
    Console.WriteLine($"customer {customer.Id}: {customer.FullName}, tier {customer.Tier}, tags [{string.Join(", ", customer.Tags)}]");
Console.WriteLine($"gold customers: {await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM dapper_customers WHERE tier = ANY(@tiers)", new { tiers = new[] { Tier.Gold } })}");
var placed = await connection.QueryFirstAsync<DateTimeOffset>("SELECT placed_at FROM dapper_orders ORDER BY id");
Console.WriteLine($"first order placed at {placed:u}");

// Query into classes (snake_case columns onto PascalCase properties) and records.
foreach (var customer in await connection.QueryAsync<Customer>("SELECT * FROM dapper_customers ORDER BY id"))
    Console.WriteLine($"customer {customer.Id}: {customer.FullName}");
var order = await connection.QuerySingleAsync<OrderRow>("SELECT id, total FROM dapper_orders WHERE id = @id", new { id = 11 });
Console.WriteLine($"order {order.Id}: {order.Total}");

// Multi-mapping: each order with its customer.
var joined = await connection.QueryAsync<OrderRow, Customer, string>(
    "SELECT o.id, o.total, c.id, c.full_name FROM dapper_orders o JOIN dapper_customers c ON c.id = o.customer_id ORDER BY o.id",
    (o, c) => $"{c.FullName} spent {o.Total}", splitOn: "id");
foreach (var line in joined) Console.WriteLine(line);

// Several result sets in one round trip.
await using (var results = await connection.QueryMultipleAsync("SELECT count(*) FROM dapper_customers; SELECT sum(total) FROM dapper_orders"))
    Console.WriteLine($"{await results.ReadSingleAsync<long>()} customers, {await results.ReadSingleAsync<decimal>()} in orders");

await connection.ExecuteAsync("DROP TABLE dapper_orders, dapper_customers; DROP TYPE dapper_tier");

internal enum Tier { Basic, Gold }

internal sealed class Customer
{
    public int Id { get; set; }
    public string FullName { get; set; } = "";
    public string[] Tags { get; set; } = [];
    public Tier Tier { get; set; }
}

internal sealed record OrderRow(int Id, decimal Total);
