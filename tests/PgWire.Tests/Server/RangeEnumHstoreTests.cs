using Xunit;

namespace PgWire.Tests.Server;

public enum Mood
{
    Sad,
    Ok,
    VeryHappy,
}

[Collection(ServerCollection.Name)]
public class RangeEnumHstoreTests(ServerFixture fixture)
{
    [Fact]
    public async Task Ranges_and_multiranges_round_trip_and_match_the_server_text()
    {
        await using var dataSource = fixture.CreateDataSource();
        var ints = new PgRange<int>(1, 10);
        var open = new PgRange<decimal>(1.5m, false, false, 0m, false, true);
        var dates = new PgRange<DateOnly>(new DateOnly(2024, 1, 1), new DateOnly(2024, 2, 1));
        var times = new PgRange<DateTime>(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc));
        PgRange<long>[] multi = [new PgRange<long>(1, 3), new PgRange<long>(5, 8)];
        if (fixture.ServerMajor < 14)
        {
            // Multiranges arrived in PostgreSQL 14: an older server gets a clear refusal before anything is sent (the
            // server itself would fail with "cache lookup failed for type 4536"), and the session goes on.
            await using var connection = await dataSource.OpenConnectionAsync();
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => new PgWireCommand("SELECT $1", connection) { Parameters = { new PgWireParameter { Value = multi } } }.ExecuteScalarAsync());
            Assert.Contains("int8multirange", refused.Message);
            Assert.Contains("PostgreSQL 14", refused.Message);
            var typed = await Assert.ThrowsAsync<ArgumentException>(() => new PgWireCommand("SELECT $1", connection) { Parameters = { new PgWireParameter<PgRange<long>[]> { TypedValue = multi } } }.ExecuteScalarAsync());
            Assert.Contains("PgRange", typed.Message);
            Assert.Equal(1, await new PgWireCommand("SELECT 1", connection).ExecuteScalarAsync());
        }
        var multiSql = fixture.ServerMajor >= 14 ? "$5, $5::text" : "NULL, NULL";
        using var rows = await dataSource.QueryAsync(
            $"SELECT $1, $1::text, $2, $2::text, $3, $4, $4::text, {multiSql}, 'empty'::int4range, '(,)'::int4range, '[3,3]'::int4range",
            fixture.ServerMajor >= 14 ? new object?[] { ints, open, dates, times, multi } : new object?[] { ints, open, dates, times });
        var row = rows[0];
        Assert.Equal(ints, row.Get<PgRange<int>>(0));
        Assert.Equal("[1,10)", row.Get<string>(1));
        Assert.Equal(open, row.Get<PgRange<decimal>>(2));
        Assert.Equal("(1.5,)", row.Get<string>(3));
        Assert.Equal(dates, row.Get<PgRange<DateOnly>>(4));
        Assert.Equal(times, row.Get<PgRange<DateTime>>(5));
        Assert.Equal("tstzrange", rows.Columns[5].TypeName);
        if (fixture.ServerMajor >= 14)
        {
            Assert.Equal(multi, row.Get<PgRange<long>[]>(7));
            Assert.Equal("{[1,3),[5,8)}", row.Get<string>(8));
        }
        Assert.True(row.Get<PgRange<int>>(9).IsEmpty);
        var unbounded = row.Get<PgRange<int>>(10);
        Assert.True(unbounded.LowerBoundInfinite && unbounded.UpperBoundInfinite);
        Assert.Equal(new PgRange<int>(3, 4), row.Get<PgRange<int>>(11)); // the server normalises [3,3] to [3,4)
    }

    [Fact]
    public async Task Enums_read_as_strings_or_mapped_dotnet_enums_and_write_from_them()
    {
        await using var dataSource = fixture.CreateDataSource();
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS enum_t; DROP TYPE IF EXISTS mood; CREATE TYPE mood AS ENUM ('sad', 'ok', 'very_happy'); CREATE TABLE enum_t (m mood)");
        await dataSource.ExecuteAsync("INSERT INTO enum_t VALUES ($1), ($2)", Mood.VeryHappy, Mood.Sad);
        using var rows = await dataSource.QueryAsync("SELECT m FROM enum_t ORDER BY m");
        Assert.Equal([Mood.Sad, Mood.VeryHappy], rows.Select(r => r.Get<Mood>(0)));
        Assert.Equal("very_happy", rows[1].Get<string>(0));
        Assert.Equal("mood", rows.Columns[0].TypeName); // created after the data source loaded its catalog: reloaded
        using var bad = await dataSource.QueryAsync("SELECT 'ok'::mood");
        Assert.Equal(Mood.Ok, bad[0].Get<Mood>(0));
    }

    [Fact]
    public async Task Hstore_reads_and_writes_dictionaries_when_the_extension_exists()
    {
        await using var setup = fixture.CreateDataSource();
        await setup.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS hstore");
        await using var dataSource = fixture.CreateDataSource();
        var value = new Dictionary<string, string?> { ["a"] = "1", ["b"] = null, ["ключ"] = "значение" };
        using var rows = await dataSource.QueryAsync("SELECT $1::hstore, $1::hstore -> 'ключ', 'x=>y'::hstore", value);
        Assert.Equal(value, rows[0].Get<Dictionary<string, string?>>(0));
        Assert.Equal("значение", rows[0].Get<string>(1));
        Assert.Equal("y", rows[0].Get<Dictionary<string, string?>>(2)["x"]);
        Assert.Equal("hstore", rows.Columns[0].TypeName);
    }
}
