using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class ArrayTests(ServerFixture fixture)
{
    private async Task<PgRowSet> Query(string sql, params object?[] parameters)
    {
        await using var dataSource = fixture.CreateDataSource();
        return await dataSource.QueryAsync(sql, parameters);
    }

    [Fact]
    public async Task Int_arrays_with_nulls_round_trip_and_match_the_server_text()
    {
        int?[] value = [1, null, -3, int.MaxValue];
        using var rows = await Query("SELECT $1::int4[], $1::int4[]::text", (object)value);
        Assert.Equal(value, rows[0].Get<int?[]>(0));
        Assert.Equal("{1,NULL,-3,2147483647}", rows[0].Get<string>(1));
        var e = Assert.Throws<InvalidCastException>(() => rows[0].Get<int[]>(0));
        Assert.Contains("NULL", e.Message);
        Assert.Equal(value, Assert.IsType<int?[]>(rows[0].Get<object>(0)));
        Assert.Equal(value.ToList(), rows[0].Get<List<int?>>(0));
    }

    [Fact]
    public async Task Text_uuid_numeric_and_timestamptz_arrays()
    {
        string?[] texts = ["", "a,b", "quote\"d", null, "\ud83d\ude00"];
        Guid[] guids = [Guid.Empty, Guid.Parse("00112233-4455-6677-8899-aabbccddeeff")];
        decimal[] numbers = [0m, -1.5m, 12345678.9m];
        DateTime[] times = [new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc)];
        using var rows = await Query("SELECT $1, $1::text, $2, $3, $3::text, $4, $4::text", texts, guids, numbers, times);
        var row = rows[0];
        Assert.Equal(texts, row.Get<string?[]>(0));
        Assert.Equal("{\"\",\"a,b\",\"quote\\\"d\",NULL,\ud83d\ude00}", row.Get<string>(1));
        Assert.Equal(guids, row.Get<Guid[]>(2));
        Assert.Equal(numbers, row.Get<decimal[]>(3));
        Assert.Equal("{0,-1.5,12345678.9}", row.Get<string>(4));
        Assert.Equal(times, row.Get<DateTime[]>(5));
        Assert.Equal("timestamp with time zone[]", rows.Columns[5].TypeName);
    }

    [Fact]
    public async Task Multi_dimensional_arrays_read_and_write_as_CLR_arrays_of_that_rank()
    {
        int[,] grid = { { 1, 2, 3 }, { 4, 5, 6 } };
        using var rows = await Query("SELECT $1::int4[], $1::int4[]::text, '{{{1},{2}},{{3},{4}}}'::int8[]", grid);
        Assert.Equal(grid, rows[0].Get<int[,]>(0));
        Assert.Equal("{{1,2,3},{4,5,6}}", rows[0].Get<string>(1));
        var cube = rows[0].Get<long[,,]>(2);
        Assert.Equal(new long[,,] { { { 1 }, { 2 } }, { { 3 }, { 4 } } }, cube);
        Assert.IsType<long[,,]>(rows[0].Get<object>(2));
        Assert.Throws<InvalidCastException>(() => rows[0].Get<int[]>(0)); // wrong rank
    }

    [Fact]
    public async Task Empty_arrays_lower_bounds_and_lists()
    {
        using var rows = await Query("SELECT $1::int4[], '[0:2]={7,8,9}'::int4[], $2::text[]", Array.Empty<int>(), new List<string> { "x", "y" });
        Assert.Empty(rows[0].Get<int[]>(0));
        Assert.Equal([7, 8, 9], rows[0].Get<int[]>(1)); // the lower bound 0 is not kept: CLR arrays start at 0
        Assert.Equal(["x", "y"], rows[0].Get<List<string>>(2));
    }

    [Fact]
    public async Task A_hundred_int4_arrays_of_a_hundred_elements()
    {
        using var rows = await Query("SELECT array_agg(g * k) FROM generate_series(1, 100) g, generate_series(1, 100) k GROUP BY k ORDER BY k");
        Assert.Equal(100, rows.Count);
        for (var k = 1; k <= 100; k++) Assert.Equal(Enumerable.Range(1, 100).Select(g => g * k), rows[k - 1].Get<int[]>(0));
    }
}
