using System.Globalization;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>
/// Each value goes to the server as a binary parameter, comes back in binary, and is compared with what was sent and
/// with the server's own text for it, so a codec cannot agree with itself and be wrong.
/// </summary>
[Collection(ServerCollection.Name)]
public class TypeRoundTripTests(ServerFixture fixture)
{
    private async Task<(T Value, string Text)> RoundTrip<T>(string pgType, object? value)
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync($"SELECT $1::{pgType}, $1::{pgType}::text", value);
        return (rows[0].Get<T>(0), rows[0].Get<string>(1));
    }

    [Theory]
    [InlineData(true, "true")]
    [InlineData(false, "false")]
    public async Task Bool(bool value, string text)
    {
        var (read, serverText) = await RoundTrip<bool>("bool", value);
        Assert.Equal(value, read);
        Assert.Equal(text, serverText);
    }

    [Theory]
    [InlineData(short.MinValue)]
    [InlineData((short)0)]
    [InlineData(short.MaxValue)]
    public async Task Int2(short value)
    {
        var (read, text) = await RoundTrip<short>("int2", value);
        Assert.Equal(value, read);
        Assert.Equal(value.ToString(CultureInfo.InvariantCulture), text);
    }

    [Theory]
    [InlineData(int.MinValue)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(int.MaxValue)]
    public async Task Int4(int value)
    {
        var (read, text) = await RoundTrip<int>("int4", value);
        Assert.Equal(value, read);
        Assert.Equal(value.ToString(CultureInfo.InvariantCulture), text);
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(0L)]
    [InlineData(long.MaxValue)]
    public async Task Int8(long value)
    {
        var (read, text) = await RoundTrip<long>("int8", value);
        Assert.Equal(value, read);
        Assert.Equal(value.ToString(CultureInfo.InvariantCulture), text);
    }

    [Theory]
    [InlineData(0f, "0")]
    [InlineData(-0f, "-0")]
    [InlineData(1.5f, "1.5")]
    [InlineData(float.MaxValue, "3.4028235e+38")]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public async Task Float4(float value, string text)
    {
        var (read, serverText) = await RoundTrip<float>("float4", value);
        Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(read));
        Assert.Equal(text, serverText);
    }

    [Theory]
    [InlineData(0d, "0")]
    [InlineData(-0d, "-0")]
    [InlineData(0.1, "0.1")]
    [InlineData(double.Epsilon, "5e-324")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public async Task Float8(double value, string text)
    {
        var (read, serverText) = await RoundTrip<double>("float8", value);
        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(read));
        Assert.Equal(text, serverText);
    }

    public static TheoryData<decimal> Decimals() => new()
    {
        0m, 1.50m, -1m, 0.0001m, 123456789.123456789m, decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, 10000m,
        9999999999999999m, -1234567890123.456m, 0.00000001m, 100.000m, 1e15m, 12345678.12345678m,
    };

    [Theory]
    [MemberData(nameof(Decimals))]
    public async Task Numeric(decimal value)
    {
        var (read, text) = await RoundTrip<decimal>("numeric", value);
        Assert.Equal(value, read);
        Assert.Equal(value.ToString(CultureInfo.InvariantCulture), text);
    }

    [Fact]
    public async Task Numeric_random_values_from_a_fixed_seed_agree_with_the_server_text()
    {
        var random = new Random(2024);
        await using var dataSource = fixture.CreateDataSource();
        for (var i = 0; i < 200; i++)
        {
            var value = new decimal(random.Next(), random.Next(), random.Next(0, 1000), random.Next(2) == 0, (byte)random.Next(0, 20));
            using var rows = await dataSource.QueryAsync("SELECT $1::numeric, $1::numeric::text", value);
            Assert.Equal(value, rows[0].Get<decimal>(0));
            Assert.Equal(value.ToString(CultureInfo.InvariantCulture), rows[0].Get<string>(1));
        }
    }

    [Theory]
    [InlineData("'NaN'::numeric", "NaN")]
    [InlineData("'Infinity'::numeric", "Infinity")]
    [InlineData("1e30::numeric", "range")]
    [InlineData("0.1234567890123456789012345678901::numeric", "fractional digits")]
    public async Task Numeric_values_decimal_cannot_hold_are_a_clear_exception(string sql, string reason)
    {
        await using var dataSource = fixture.CreateDataSource();
        if (reason == "Infinity" && fixture.ServerMajor < 14)
        {
            // numeric has infinities from PostgreSQL 14; older servers refuse the literal.
            var refused = await Assert.ThrowsAsync<PgWireServerException>(async () => (await dataSource.QueryAsync($"SELECT {sql} AS n")).Dispose());
            Assert.Equal("22P02", refused.SqlState);
            return;
        }
        using var rows = await dataSource.QueryAsync($"SELECT {sql} AS n");
        // Too large is an overflow; what decimal has no form for (NaN, infinities, too many digits) is a cast error.
        Exception e = reason == "range" ? Assert.Throws<OverflowException>(() => rows[0].Get<decimal>(0)) : Assert.Throws<InvalidCastException>(() => rows[0].Get<decimal>(0));
        Assert.Contains("'n'", e.Message);
        Assert.Contains("numeric", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("unicode: \u00e9\u4e2d\ud83d\ude00 outside the BMP")]
    [InlineData("quote ' and backslash \\")]
    public async Task Text_types(string value)
    {
        foreach (var type in new[] { "text", "varchar", "name" })
        {
            var (read, text) = await RoundTrip<string>(type, value);
            Assert.Equal(value, read);
            Assert.Equal(value, text);
        }
        var (padded, _) = await RoundTrip<string>("char(3)", "ab");
        Assert.Equal("ab ", padded);
    }

    [Fact]
    public async Task A_long_text_value()
    {
        var value = new string('x', 3_000_000) + "\ud83d\ude00";
        var (read, text) = await RoundTrip<string>("text", value);
        Assert.Equal(value, read);
        Assert.Equal(value, text);
    }

    [Theory]
    [InlineData("{\"a\": [1, 2, {\"b\": null}], \"c\": \"\u00e9\"}")]
    [InlineData("[]")]
    public async Task Json_and_jsonb(string json)
    {
        var (asJson, _) = await RoundTrip<string>("json", json);
        Assert.Equal(json, asJson);
        var (asJsonb, text) = await RoundTrip<string>("jsonb", json);
        Assert.Equal(text, asJsonb);
        Assert.Equal(System.Text.Json.JsonDocument.Parse(json).RootElement.GetRawText().Replace(" ", ""), asJsonb.Replace(" ", ""));
    }

    [Fact]
    public async Task Bytea()
    {
        var random = new Random(3);
        foreach (var length in new[] { 0, 1, 255, 100_000 })
        {
            var value = new byte[length];
            random.NextBytes(value);
            var (read, text) = await RoundTrip<byte[]>("bytea", value);
            Assert.Equal(value, read);
            Assert.Equal("\\x" + Convert.ToHexString(value).ToLowerInvariant(), text);
        }
    }

    [Fact]
    public async Task Uuid()
    {
        foreach (var value in new[] { Guid.Empty, Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), Guid.NewGuid() })
        {
            var (read, text) = await RoundTrip<Guid>("uuid", value);
            Assert.Equal(value, read);
            Assert.Equal(value.ToString(), text);
        }
    }

    [Theory]
    [InlineData(1, 1, 1)] // DateOnly.MinValue: a real date, not -infinity (unless infinity conversions are switched on)
    [InlineData(1, 1, 2)]
    [InlineData(2000, 1, 1)]
    [InlineData(1999, 12, 31)]
    [InlineData(2024, 2, 29)]
    [InlineData(9999, 12, 30)]
    [InlineData(9999, 12, 31)] // DateOnly.MaxValue: a real date, not infinity
    public async Task Date(int year, int month, int day)
    {
        var value = new DateOnly(year, month, day);
        var (read, text) = await RoundTrip<DateOnly>("date", value);
        Assert.Equal(value, read);
        Assert.Equal(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), text);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00")] // DateTime.MinValue: a real time, not -infinity
    [InlineData("0001-01-01T00:00:01")]
    [InlineData("1999-12-31T23:59:59.999999")]
    [InlineData("2000-01-01T00:00:00")]
    [InlineData("2024-06-01T12:34:56.123456")]
    [InlineData("9999-12-31T23:59:59.999999")]
    public async Task Timestamp(string iso)
    {
        var value = DateTime.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.None);
        var (read, text) = await RoundTrip<DateTime>("timestamp", value);
        Assert.Equal(value, read);
        Assert.Equal(DateTimeKind.Unspecified, read.Kind);
        Assert.Equal(DateTime.Parse(text, CultureInfo.InvariantCulture), read);
    }

    [Fact]
    public async Task Timestamptz_reads_as_utc_DateTime_and_DateTimeOffset()
    {
        var value = new DateTime(2024, 6, 1, 12, 34, 56, DateTimeKind.Utc).AddTicks(1234560);
        await using var dataSource = fixture.CreateDataSource();
        await dataSource.ExecuteAsync("SET TimeZone = 'America/New_York'"); // the binary form ignores the session zone
        using var rows = await dataSource.QueryAsync("SELECT $1::timestamptz, ($1::timestamptz AT TIME ZONE 'UTC')::text, $2::timestamptz",
            value, new DateTimeOffset(2024, 6, 1, 14, 34, 56, TimeSpan.FromHours(2)));
        var read = rows[0].Get<DateTime>(0);
        Assert.Equal(value, read);
        Assert.Equal(DateTimeKind.Utc, read.Kind);
        Assert.Equal(DateTime.Parse(rows[0].Get<string>(1), CultureInfo.InvariantCulture), read);
        var offset = rows[0].Get<DateTimeOffset>(2);
        Assert.Equal(TimeSpan.Zero, offset.Offset);
        Assert.Equal(new DateTime(2024, 6, 1, 12, 34, 56, DateTimeKind.Utc), offset.UtcDateTime);
    }

    [Fact]
    public async Task Infinities_are_refused_as_DateTime_and_DateOnly_unless_the_Npgsql_mapping_is_switched_on()
    {
        await using var dataSource = fixture.CreateDataSource();
        const string sql = "SELECT 'infinity'::timestamp, '-infinity'::timestamptz, 'infinity'::date, '-infinity'::date, $1::timestamp::text, $2::date::text, 'infinity'::date";
        using (var rows = await dataSource.QueryAsync(sql, DateTime.MaxValue, DateOnly.MinValue))
        {
            // By default no two server values read as one: infinity is not DateTime.MaxValue, and MinValue is written as itself.
            var row = rows[0];
            var e = Assert.Throws<InvalidCastException>(() => row.Get<DateTime>(0));
            Assert.Contains("PgTimestamp", e.Message);
            Assert.Contains("PgWire.EnableDateTimeInfinityConversions", e.Message);
            Assert.Throws<InvalidCastException>(() => row.Get<DateTime>(1));
            Assert.Contains("PgDate", Assert.Throws<InvalidCastException>(() => row.Get<DateOnly>(2)).Message);
            Assert.Equal(PgDate.NegativeInfinity, row.Get<PgDate>(3));
            Assert.Equal("9999-12-31 23:59:59.999999", row.Get<string>(4));
            Assert.Equal("0001-01-01", row.Get<string>(5));
        }

        // Npgsql's mapping, for those who want it (the AppContext switch is read once; the test flips the value it sets).
        PgWire.Types.PgEpoch.InfinityConversions = true;
        try
        {
            using var rows = await dataSource.QueryAsync(sql, DateTime.MaxValue, DateOnly.MinValue);
            var row = rows[0];
            Assert.Equal(DateTime.MaxValue, row.Get<DateTime>(0));
            Assert.Equal(DateTime.MinValue, row.Get<DateTime>(1));
            Assert.Equal(DateOnly.MaxValue, row.Get<DateOnly>(2));
            Assert.Equal(DateOnly.MinValue, row.Get<DateOnly>(3));
            Assert.Equal("infinity", row.Get<string>(4));
            Assert.Equal("-infinity", row.Get<string>(5));
            Assert.Equal(DateTime.MaxValue, row.Get<DateTime>(6));
        }
        finally
        {
            PgWire.Types.PgEpoch.InfinityConversions = false;
        }
    }

    [Theory]
    [InlineData("'10000-01-01'::timestamp", "range")]
    [InlineData("'0044-03-15 BC'::date", "range")]
    public async Task Dates_DateTime_cannot_hold_are_a_clear_exception(string sql, string reason)
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync($"SELECT {sql} AS d");
        var e = Assert.ThrowsAny<InvalidCastException>(() => rows[0].Get<object>(0));
        Assert.Contains(reason, e.Message);
        Assert.Contains("'d'", e.Message);
    }

    [Fact]
    public async Task Nulls_of_every_type()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync(
            "SELECT $1::int4, $2::text, $3::numeric, $4::uuid, $5::timestamptz, $6::bytea, $7::int8", null, null, null, null, null, null, DBNull.Value);
        var row = rows[0];
        for (var i = 0; i < row.FieldCount; i++) Assert.True(row.IsNull(i));
        Assert.Null(row.Get<int?>(0));
        Assert.Null(row.Get<string>(1));
        Assert.Null(row.Get<decimal?>(2));
        Assert.Null(row.Get<Guid?>(3));
        Assert.Null(row.Get<DateTime?>(4));
        Assert.Null(row.Get<byte[]>(5));
        Assert.Null(row.Get<object>(6));
        var e = Assert.Throws<InvalidCastException>(() => row.Get<int>(0));
        Assert.Contains("NULL", e.Message);
    }
}
