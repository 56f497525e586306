using Dapper;
using PgWire;
using PgWire.Testing;

// Dapper on PgWire, unchanged. Uses PGWIRE_CONNECTION when set; otherwise starts a throwaway local PostgreSQL.
await using var server = await PgTestServer.FromEnvironmentOrStartAsync("PGWIRE_CONNECTION");
var connectionString = server.ConnectionString;

await using var dataSource = PgWireDataSource.Create(connectionString);
await using var connection = await dataSource.OpenConnectionAsync();
DefaultTypeMap.MatchNamesWithUnderscores = true;

await connection.ExecuteAsync("""
    DROP TABLE IF EXISTS dapper_orders, dapper_customers;
    CREATE TABLE dapper_customers (id int PRIMARY KEY, full_name text NOT NULL);
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

// Query into classes (snake_case columns onto PascalCase properties) and records.
foreach (var customer in await connection.QueryAsync<Customer>("SELECT id, full_name FROM dapper_customers ORDER BY id"))
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

await connection.ExecuteAsync("DROP TABLE dapper_orders, dapper_customers");

internal sealed class Customer
{
    public int Id { get; set; }
    public string FullName { get; set; } = "";
}

internal sealed record OrderRow(int Id, decimal Total);
