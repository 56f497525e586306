using System.Globalization;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>PgDate and PgTimestamp: the server's whole date range, BC and past 9999, each checked against ::text.</summary>
[Collection(ServerCollection.Name)]
public class LosslessDateTests(ServerFixture fixture)
{
    [Theory]
    [InlineData("4713-11-24 BC")]
    [InlineData("0044-03-15 BC")]
    [InlineData("0001-12-31 BC")]
    [InlineData("0001-01-01")]
    [InlineData("2000-01-01")]
    [InlineData("2024-02-29")]
    [InlineData("9999-12-31")]
    [InlineData("10000-01-01")]
    [InlineData("5874897-12-31")]
    [InlineData("infinity")]
    [InlineData("-infinity")]
    public async Task Dates_outside_DateOnly_read_and_write_losslessly(string text)
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync("SELECT $1::date, $1::date::text", text);
        var date = rows[0].Get<PgDate>(0);
        Assert.Equal(text, date.ToString());
        Assert.Equal(text, rows[0].Get<string>(1));
        using var back = await dataSource.QueryAsync("SELECT $1, $1::text, $1 = $2::date", date, text);
        Assert.Equal(date, back[0].Get<PgDate>(0));
        Assert.Equal(text, back[0].Get<string>(1));
        Assert.True(back[0].Get<bool>(2));
    }

    [Fact]
    public async Task DateOnly_still_refuses_what_it_cannot_hold_and_PgDate_converts_when_it_can()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync("SELECT '0044-03-15 BC'::date, '2024-02-29'::date");
        var error = Assert.Throws<InvalidCastException>(() => rows[0].Get<DateOnly>(0));
        Assert.Contains("years 1 to 9999", error.Message);
        Assert.Equal(new DateOnly(2024, 2, 29), rows[0].Get<PgDate>(1).ToDateOnly());
        Assert.Equal(-43, rows[0].Get<PgDate>(0).Year);
        Assert.Equal((3, 15), (rows[0].Get<PgDate>(0).Month, rows[0].Get<PgDate>(0).Day));
        Assert.Throws<InvalidCastException>(() => rows[0].Get<PgDate>(0).ToDateOnly());
        Assert.Equal(new PgDate(-43, 3, 15), rows[0].Get<PgDate>(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PgDate(2023, 2, 29));
    }

    [Theory]
    [InlineData("4713-11-24 00:00:00 BC")]
    [InlineData("0044-03-15 12:30:00.5 BC")]
    [InlineData("0001-01-01 00:00:00")]
    [InlineData("1999-12-31 23:59:59.999999")]
    [InlineData("2024-02-29 13:45:06.000123")]
    [InlineData("10000-01-01 00:00:01")]
    [InlineData("294276-12-31 23:59:59.999999")]
    [InlineData("infinity")]
    [InlineData("-infinity")]
    public async Task Timestamps_outside_DateTime_read_and_write_losslessly(string text)
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync(
            "SELECT $1::timestamp, $1::timestamp::text, $1::timestamp AT TIME ZONE 'UTC', (($1::timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::text", text);
        var stamp = rows[0].Get<PgTimestamp>(0);
        Assert.Equal(text, stamp.ToString());
        Assert.Equal(text, rows[0].Get<string>(1));
        Assert.Equal(stamp, rows[0].Get<PgTimestamp>(2));
        Assert.Equal(text, rows[0].Get<string>(3));
        using var back = await dataSource.QueryAsync(
            "SELECT $1, $1::text, $1 = $2::timestamp, $3, pg_typeof($3)::text", stamp, text, new PgTypedValue(stamp, "timestamptz"));
        Assert.Equal(stamp, back[0].Get<PgTimestamp>(0));
        Assert.Equal(text, back[0].Get<string>(1));
        Assert.True(back[0].Get<bool>(2));
        Assert.Equal(stamp, back[0].Get<PgTimestamp>(3));
        Assert.Equal("timestamp with time zone", back[0].Get<string>(4));
    }

    [Fact]
    public async Task PgTimestamp_parts_and_conversions()
    {
        var stamp = new PgTimestamp(new PgDate(-43, 3, 15), 12, 30, 0, 500_000);
        Assert.Equal("0044-03-15 12:30:00.5 BC", stamp.ToString());
        Assert.Equal(new PgDate(-43, 3, 15), stamp.Date);
        Assert.Equal(new TimeOnly(12, 30, 0, 500), stamp.TimeOfDay);
        Assert.Throws<InvalidCastException>(() => stamp.ToDateTime());
        var now = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1234560);
        Assert.Equal(now, ((PgTimestamp)now).ToDateTime(DateTimeKind.Utc));
        await using var dataSource = fixture.CreateDataSource();
        // Arrays of them, both ways, NULL elements included.
        PgDate?[] dates = [new PgDate(-43, 3, 15), null, PgDate.Infinity, new PgDate(2024, 1, 1)];
        PgTimestamp[] stamps = [stamp, PgTimestamp.NegativeInfinity, now];
        using var rows = await dataSource.QueryAsync("SELECT $1, $1::text, $2, $2::text", dates, stamps);
        Assert.Equal(dates, rows[0].Get<PgDate?[]>(0));
        Assert.Equal("{\"0044-03-15 BC\",NULL,infinity,2024-01-01}", rows[0].Get<string>(1));
        Assert.Equal(stamps, rows[0].Get<PgTimestamp[]>(2));
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{{\"0044-03-15 12:30:00.5 BC\",-infinity,\"{now:yyyy-MM-dd HH:mm:ss.ffffff}\"}}"), rows[0].Get<string>(3));
    }

    [Fact]
    public async Task Random_dates_and_timestamps_across_the_whole_range_match_the_server_text()
    {
        var random = new Random(2718);
        await using var dataSource = fixture.CreateDataSource();
        var minDays = new PgDate(-4712, 11, 24).DaysSince2000;
        var maxDays = new PgDate(5874897, 12, 31).DaysSince2000;
        var minMicros = new PgTimestamp(new PgDate(-4712, 11, 24), 0, 0, 0).MicrosecondsSince2000;
        var maxMicros = new PgTimestamp(new PgDate(294276, 12, 31), 23, 59, 59, 999_999).MicrosecondsSince2000;
        for (var i = 0; i < 60; i++)
        {
            var date = new PgDate(random.Next(minDays, maxDays + 1));
            var stamp = new PgTimestamp(random.NextInt64(minMicros, maxMicros + 1));
            using var rows = await dataSource.QueryAsync("SELECT $1, $1::text, $2, $2::text", date, stamp);
            Assert.Equal(date, rows[0].Get<PgDate>(0));
            Assert.Equal(rows[0].Get<string>(1), date.ToString());
            Assert.Equal((date.Year, date.Month, date.Day), (new PgDate(date.Year, date.Month, date.Day).Year, date.Month, date.Day));
            Assert.Equal(stamp, rows[0].Get<PgTimestamp>(2));
            Assert.Equal(rows[0].Get<string>(3), stamp.ToString());
        }
    }

    [Fact]
    public async Task Range_arrays_read_and_write_with_their_type_named()
    {
        await using var dataSource = fixture.CreateDataSource();
        PgRange<int>[] ranges = [new(1, 5), PgRange<int>.Empty, new(7, 9)];
        using var rows = await dataSource.QueryAsync(
            "SELECT $1, $1::text, pg_typeof($1)::text, '{\"[2019-01-01,2019-01-02)\",\"[2020-01-01,2020-02-01)\"}'::daterange[]",
            new PgTypedValue(ranges, "int4range[]"));
        Assert.Equal(ranges, rows[0].Get<PgRange<int>[]>(0));
        Assert.Equal("{\"[1,5)\",empty,\"[7,9)\"}", rows[0].Get<string>(1));
        Assert.Equal("int4range[]", rows[0].Get<string>(2));
        Assert.Equal("int4range[]", rows.Columns[0].TypeName);
        var dates = rows[0].Get<PgRange<DateOnly>[]>(3);
        Assert.Equal(2, dates.Length);
        Assert.Equal(new PgRange<DateOnly>(new DateOnly(2020, 1, 1), new DateOnly(2020, 2, 1)), dates[1]);
    }
}
