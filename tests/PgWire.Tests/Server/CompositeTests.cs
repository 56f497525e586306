using Xunit;

namespace PgWire.Tests.Server;

public sealed record Address(string Street, int Number, string? Zip);

public sealed record Customer(string Name, Address Home, decimal[] Scores);

[Collection(ServerCollection.Name)]
public class CompositeTests(ServerFixture fixture)
{
    [Fact]
    public async Task Composites_read_into_positional_records_nested_ones_included()
    {
        await using var setup = fixture.CreateDataSource();
        await setup.ExecuteAsync("""
            DROP TYPE IF EXISTS comp_customer; DROP TYPE IF EXISTS comp_address;
            CREATE TYPE comp_address AS (street text, number int, zip text);
            CREATE TYPE comp_customer AS (name text, home comp_address, scores numeric[]);
            """);
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync(
            "SELECT ROW('Main St', 5, NULL)::comp_address, ROW('Ada', ROW('Elm', 7, '12345')::comp_address, '{1.5,2}'::numeric[])::comp_customer");
        Assert.Equal(new Address("Main St", 5, null), rows[0].Get<Address>(0));
        var customer = rows[0].Get<Customer>(1);
        Assert.Equal("Ada", customer.Name);
        Assert.Equal(new Address("Elm", 7, "12345"), customer.Home);
        Assert.Equal([1.5m, 2m], customer.Scores);
        Assert.Equal(["Main St", 5, null], rows[0].Get<object?[]>(0));
        Assert.Equal("comp_address", rows.Columns[0].TypeName);
        var e = Assert.Throws<InvalidCastException>(() => rows[0].Get<Customer>(0));
        Assert.Contains("cannot take", e.Message); // Customer also has 3 parameters, but field 1 is text, not an Address
    }
}
