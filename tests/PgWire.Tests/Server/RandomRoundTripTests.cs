using System.Globalization;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>Random values from a fixed seed through the server and back, each also compared with the server's ::text.</summary>
[Collection(ServerCollection.Name)]
public class RandomRoundTripTests(ServerFixture fixture)
{
    private const int Rounds = 60;

    [Fact]
    public async Task Integers_floats_booleans_and_uuids()
    {
        var random = new Random(4242);
        await using var dataSource = fixture.CreateDataSource();
        for (var i = 0; i < Rounds; i++)
        {
            var s = (short)random.Next(short.MinValue, short.MaxValue + 1);
            var n = random.Next(int.MinValue, int.MaxValue);
            var l = random.NextInt64(long.MinValue, long.MaxValue);
            var d = BitConverter.Int64BitsToDouble(random.NextInt64() & 0x7FEF_FFFF_FFFF_FFFF) * (random.Next(2) == 0 ? -1 : 1);
            var b = random.Next(2) == 0;
            var g = new Guid(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray());
            using var rows = await dataSource.QueryAsync(
                "SELECT $1, $1::text, $2, $2::text, $3, $3::text, $4, $4::text, $5, $5::text, $6, $6::text", s, n, l, d, b, g);
            var row = rows[0];
            Assert.Equal(s, row.Get<short>(0));
            Assert.Equal(s.ToString(CultureInfo.InvariantCulture), row.Get<string>(1));
            Assert.Equal(n, row.Get<int>(2));
            Assert.Equal(n.ToString(CultureInfo.InvariantCulture), row.Get<string>(3));
            Assert.Equal(l, row.Get<long>(4));
            Assert.Equal(l.ToString(CultureInfo.InvariantCulture), row.Get<string>(5));
            Assert.Equal(d, row.Get<double>(6));
            Assert.Equal(d, double.Parse(row.Get<string>(7), CultureInfo.InvariantCulture));
            Assert.Equal(b, row.Get<bool>(8));
            Assert.Equal(b ? "true" : "false", row.Get<string>(9));
            Assert.Equal(g, row.Get<Guid>(10));
            Assert.Equal(g.ToString(), row.Get<string>(11));
        }
    }

    [Fact]
    public async Task Dates_times_and_intervals()
    {
        var random = new Random(777);
        await using var dataSource = fixture.CreateDataSource();
        for (var i = 0; i < Rounds; i++)
        {
            var date = DateOnly.FromDayNumber(random.Next(DateOnly.MinValue.DayNumber + 1, DateOnly.MaxValue.DayNumber));
            var micros = random.NextInt64(0, 86_400_000_000L);
            var time = new TimeOnly(micros * 10);
            var stamp = date.ToDateTime(time);
            var utc = DateTime.SpecifyKind(stamp, DateTimeKind.Utc);
            var interval = new PgInterval(random.Next(-1000, 1000), random.Next(-1000, 1000), random.NextInt64(-10_000_000_000L, 10_000_000_000L));
            // The interval's parts as the server computes them: months, days, and the time part in microseconds.
            using var rows = await dataSource.QueryAsync(
                "SELECT $1, $1::text, $2, $2::text, $3, $3::text, $4, ($4 AT TIME ZONE 'UTC')::text, $5, " +
                "(extract(year from $5) * 12 + extract(month from $5))::int, extract(day from $5)::int, " +
                "((extract(hour from $5) * 60 + extract(minute from $5)) * 60000000 + extract(microseconds from $5))::int8",
                date, time, stamp, utc, interval);
            var row = rows[0];
            Assert.Equal(date, row.Get<DateOnly>(0));
            Assert.Equal(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), row.Get<string>(1));
            Assert.Equal(time, row.Get<TimeOnly>(2));
            Assert.Equal(time, TimeOnly.Parse(row.Get<string>(3), CultureInfo.InvariantCulture));
            Assert.Equal(stamp, row.Get<DateTime>(4));
            Assert.Equal(stamp, DateTime.Parse(row.Get<string>(5), CultureInfo.InvariantCulture));
            Assert.Equal(utc, row.Get<DateTime>(6));
            Assert.Equal(stamp, DateTime.Parse(row.Get<string>(7), CultureInfo.InvariantCulture));
            Assert.Equal(interval, row.Get<PgInterval>(8));
            Assert.Equal(interval, new PgInterval(row.Get<int>(9), row.Get<int>(10), row.Get<long>(11)));
        }
    }

    [Fact]
    public async Task Text_bytea_and_arrays()
    {
        var random = new Random(99);
        await using var dataSource = fixture.CreateDataSource();
        for (var i = 0; i < Rounds; i++)
        {
            // Any Unicode scalar but NUL (PostgreSQL text cannot hold it), surrogate pairs included.
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ =>
            {
                int scalar;
                do scalar = random.Next(1, 0x110000); while (scalar is >= 0xD800 and <= 0xDFFF);
                return char.ConvertFromUtf32(scalar);
            }));
            var bytes = new byte[random.Next(0, 100)];
            random.NextBytes(bytes);
            var array = Enumerable.Range(0, random.Next(0, 20)).Select(_ => random.Next(3) == 0 ? (int?)null : random.Next()).ToArray();
            using var rows = await dataSource.QueryAsync("SELECT $1, $1::text, $2, $2::text, $3::int4[], $3::int4[]::text", text, bytes, array);
            var row = rows[0];
            Assert.Equal(text, row.Get<string>(0));
            Assert.Equal(text, row.Get<string>(1));
            Assert.Equal(bytes, row.Get<byte[]>(2));
            Assert.Equal("\\x" + Convert.ToHexString(bytes).ToLowerInvariant(), row.Get<string>(3));
            Assert.Equal(array, row.Get<int?[]>(4));
            Assert.Equal("{" + string.Join(",", array.Select(v => v?.ToString(CultureInfo.InvariantCulture) ?? "NULL")) + "}", row.Get<string>(5));
        }
    }
}
