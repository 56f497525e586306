using System.Runtime.Serialization;
using Xunit;

namespace PgWire.Tests.Server;

public sealed record Address(string Street, int Number, string? Zip);

public sealed record Customer(string Name, Address Home, decimal[] Scores);

/// <summary>Fields by property (snake_case names), set after a parameterless constructor.</summary>
public sealed class Parcel
{
    public string? TrackingCode { get; set; }

    public long WeightGrams { get; set; }

    public DateOnly? ShippedOn { get; set; }
}

public struct Point3
{
    public double X { get; set; }

    public double Y { get; set; }

    public double Z { get; set; }
}

public enum Weather
{
    Sunny,
    [EnumMember(Value = "partly cloudy")]
    PartlyCloudy,
    HeavyRain,
}

[Collection(ServerCollection.Name)]
public class CompositeTests(ServerFixture fixture)
{
    [Fact]
    public async Task Composites_read_into_records_by_field_name_nested_ones_included()
    {
        await using var setup = fixture.CreateDataSource();
        await setup.ExecuteAsync("""
            DROP TYPE IF EXISTS comp_customer; DROP TYPE IF EXISTS comp_address;
            CREATE TYPE comp_address AS (number int, street text, zip text);
            CREATE TYPE comp_customer AS (name text, home comp_address, scores numeric[]);
            """);
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync(
            "SELECT ROW(5, 'Main St', NULL)::comp_address, ROW('Ada', ROW(7, 'Elm', '12345')::comp_address, '{1.5,2}'::numeric[])::comp_customer");
        // The record's constructor takes (Street, Number, Zip); the type's fields are (number, street, zip): by name.
        Assert.Equal(new Address("Main St", 5, null), rows[0].Get<Address>(0));
        var customer = rows[0].Get<Customer>(1);
        Assert.Equal("Ada", customer.Name);
        Assert.Equal(new Address("Elm", 7, "12345"), customer.Home);
        Assert.Equal([1.5m, 2m], customer.Scores);
        Assert.Equal([5, "Main St", null], rows[0].Get<object?[]>(0));
        Assert.Equal("comp_address", rows.Columns[0].TypeName);
        var e = Assert.Throws<InvalidCastException>(() => rows[0].Get<Customer>(0));
        Assert.Contains("Customer", e.Message);
        Assert.Contains("number, street, zip", e.Message);
    }

    [Fact]
    public async Task Composites_write_from_objects_where_the_statement_types_them_and_everywhere_once_mapped()
    {
        await using var setup = fixture.CreateDataSource();
        await setup.ExecuteAsync("""
            DROP TABLE IF EXISTS comp_parcels; DROP TYPE IF EXISTS comp_parcel; DROP TYPE IF EXISTS comp_point;
            CREATE TYPE comp_parcel AS (tracking_code text, weight_grams int8, shipped_on date);
            CREATE TYPE comp_point AS (x float8, y float8, z float8);
            CREATE TABLE comp_parcels (id int, p comp_parcel, history comp_parcel[], at comp_point);
            """);
        await using var dataSource = fixture.CreateDataSource();
        var parcel = new Parcel { TrackingCode = "ZX-1", WeightGrams = 1250, ShippedOn = new DateOnly(2024, 3, 1) };
        var empty = new Parcel { TrackingCode = null, WeightGrams = 0 };
        var point = new Point3 { X = 1.5, Y = -2, Z = double.PositiveInfinity };
        // Not mapped: the INSERT gives each parameter its type, and PgWire writes it as the server asks.
        await dataSource.ExecuteAsync("INSERT INTO comp_parcels VALUES (1, $1, $2, $3)", parcel, new[] { parcel, empty }, point);
        using (var rows = await dataSource.QueryAsync("SELECT p, p::text, history, at, at::text FROM comp_parcels"))
        {
            var back = rows[0].Get<Parcel>(0);
            Assert.Equal((parcel.TrackingCode, parcel.WeightGrams, parcel.ShippedOn), (back.TrackingCode, back.WeightGrams, back.ShippedOn));
            Assert.Equal("(ZX-1,1250,2024-03-01)", rows[0].Get<string>(1));
            var history = rows[0].Get<Parcel[]>(2);
            Assert.Equal(2, history.Length);
            Assert.Null(history[1].TrackingCode);
            Assert.Null(history[1].ShippedOn);
            Assert.Equal(point, rows[0].Get<Point3>(3));
            Assert.Equal("(1.5,-2,Infinity)", rows[0].Get<string>(4));
        }

        // Where nothing types the parameter, an unmapped object is a clear error before anything runs.
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await dataSource.QueryAsync("SELECT $1", parcel));
        Assert.Contains("Parcel", error.Message);
        Assert.Contains("text", error.Message);

        await using var mapped = fixture.CreateDataSourceBuilder().MapComposite<Parcel>("comp_parcel").MapComposite<Point3>("comp_point").Build();
        using (var rows = await mapped.QueryAsync("SELECT $1, pg_typeof($1)::text, $2::text, pg_typeof($2)::text", parcel, new List<Parcel> { parcel }))
        {
            Assert.Equal("comp_parcel", rows[0].Get<string>(1));
            Assert.Equal(parcel.WeightGrams, rows[0].Get<Parcel>(0).WeightGrams);
            Assert.Equal("{\"(ZX-1,1250,2024-03-01)\"}", rows[0].Get<string>(2));
            Assert.Equal("comp_parcel[]", rows[0].Get<string>(3));
        }
        // object?[] writes the fields in order; a member of the wrong type is named in the error.
        using (var rows = await dataSource.QueryAsync("SELECT $1::text", new PgTypedValue(new object?[] { "A", 5, null }, "comp_parcel")))
            Assert.Equal("(A,5,)", rows[0].Get<string>(0));
        var wrong = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await dataSource.QueryAsync("SELECT $1::text", new PgTypedValue(new object?[] { "A", "heavy", null }, "comp_parcel")));
        Assert.Contains("weight_grams", wrong.Message);
    }

    [Fact]
    public async Task Enums_map_by_name_with_EnumMember_labels_arrays_included()
    {
        await using var setup = fixture.CreateDataSource();
        await setup.ExecuteAsync("DROP TYPE IF EXISTS weather; CREATE TYPE weather AS ENUM ('sunny', 'partly cloudy', 'heavy_rain')");
        await using var dataSource = fixture.CreateDataSourceBuilder().MapEnum<Weather>("weather").Build();
        Weather[] days = [Weather.PartlyCloudy, Weather.Sunny, Weather.HeavyRain];
        using var rows = await dataSource.QueryAsync(
            "SELECT $1, pg_typeof($1)::text, $2, $2::text, pg_typeof($2)::text, 'partly cloudy'::weather = ANY($2)", Weather.PartlyCloudy, days);
        Assert.Equal(Weather.PartlyCloudy, rows[0].Get<Weather>(0));
        Assert.Equal("partly cloudy", rows[0].Get<string>(0));
        Assert.Equal("weather", rows[0].Get<string>(1));
        Assert.Equal(days, rows[0].Get<Weather[]>(2));
        Assert.Equal(["partly cloudy", "sunny", "heavy_rain"], rows[0].Get<string[]>(2));
        Assert.Equal("{\"partly cloudy\",sunny,heavy_rain}", rows[0].Get<string>(3));
        Assert.Equal("weather[]", rows[0].Get<string>(4));
        Assert.True(rows[0].Get<bool>(5));
    }

    [Fact]
    public async Task Domains_read_as_their_base_type_and_strings_go_where_the_server_says_with_unknown()
    {
        await using var setup = fixture.CreateDataSource();
        await setup.ExecuteAsync("""
            DROP TABLE IF EXISTS dom_t; DROP TYPE IF EXISTS dom_pair; DROP DOMAIN IF EXISTS dom_positive;
            CREATE DOMAIN dom_positive AS int CHECK (VALUE > 0);
            CREATE TYPE dom_pair AS (a dom_positive, b dom_positive[]);
            CREATE TABLE dom_t (j jsonb, n dom_positive, pair dom_pair, weather_text text);
            """);
        await using var dataSource = fixture.CreateDataSource();
        // "unknown": the server types the parameter from the statement, and PgWire writes the string for it (jsonb here,
        // which a text parameter could not be inserted into).
        await dataSource.ExecuteAsync("INSERT INTO dom_t VALUES ($1, $2, ROW(3, '{4,5}'), $3)",
            new PgTypedValue("{\"k\": [1, 2]}", "unknown"), new PgTypedValue("42", "unknown"), Weather.HeavyRain);
        using var rows = await dataSource.QueryAsync("SELECT j, n, pair, (pair).b, weather_text FROM dom_t");
        Assert.Equal("{\"k\": [1, 2]}", rows[0].Get<string>(0));
        Assert.Equal(42, rows[0].Get<int>(1));
        Assert.Equal([3, new[] { 4, 5 }], rows[0].Get<object?[]>(2));
        Assert.Equal([4, 5], rows[0].Get<int[]>(3));
        Assert.Equal("heavy_rain", rows[0].Get<string>(4)); // an enum into a text column goes as its label
        var error = await Assert.ThrowsAsync<PgWireServerException>(async () =>
            await dataSource.ExecuteAsync("INSERT INTO dom_t (n) VALUES ($1)", new PgTypedValue("-1", "unknown")));
        Assert.Equal("23514", error.SqlState); // the domain's CHECK, from the server
    }
}

public sealed record Measured(string Label, int Amount);

[Collection(ServerCollection.Name)]
public class CompositeConversionTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_fractional_field_never_rounds_into_an_integer_member_or_field()
    {
        await using var setup = fixture.CreateDataSource();
        await setup.ExecuteAsync("""
            DROP TYPE IF EXISTS comp_measured_num; DROP TYPE IF EXISTS comp_measured_int;
            CREATE TYPE comp_measured_num AS (label text, amount numeric);
            CREATE TYPE comp_measured_int AS (label text, amount int4);
            """);
        await using var dataSource = fixture.CreateDataSource();
        using (var rows = await dataSource.QueryAsync("SELECT ROW('a', 2.5)::comp_measured_num, ROW('b', 3)::comp_measured_num"))
        {
            // numeric 3 fits an int member; 2.5 does not, and is an error rather than 2.
            Assert.Equal(new Measured("b", 3), rows[0].Get<Measured>(1));
            var error = Assert.Throws<InvalidCastException>(() => rows[0].Get<Measured>(0));
            Assert.Contains("amount", error.Message);
        }
        // Writing: a double 2.5 for an int4 field is refused; 4.0 is written as 4.
        using (var rows = await dataSource.QueryAsync("SELECT $1::text", new PgTypedValue(new object?[] { "c", 4.0 }, "comp_measured_int")))
            Assert.Equal("(c,4)", rows[0].Get<string>(0));
        var refused = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await dataSource.QueryAsync("SELECT $1::text", new PgTypedValue(new object?[] { "c", 2.5 }, "comp_measured_int")));
        Assert.Contains("amount", refused.Message);
        Assert.Contains("fractional", refused.Message);
    }
}
