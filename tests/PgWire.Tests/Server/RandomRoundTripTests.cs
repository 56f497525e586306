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

    [Fact]
    public async Task Network_bit_money_char_and_float4_values()
    {
        var random = new Random(31337);
        await using var dataSource = fixture.CreateDataSource();
        for (var i = 0; i < Rounds; i++)
        {
            var v6 = random.Next(2) == 0;
            var addressBytes = new byte[v6 ? 16 : 4];
            random.NextBytes(addressBytes);
            var prefix = (byte)random.Next(0, v6 ? 129 : 33);
            var inet = new PgInet(new System.Net.IPAddress(addressBytes), prefix);
            var mac = new System.Net.NetworkInformation.PhysicalAddress(Enumerable.Range(0, random.Next(2) == 0 ? 6 : 8).Select(_ => (byte)random.Next(256)).ToArray());
            var bits = new System.Collections.BitArray(Enumerable.Range(0, random.Next(0, 70)).Select(_ => random.Next(2) == 1).ToArray());
            var money = Math.Round((decimal)(random.NextDouble() * 2e12 - 1e12), 2);
            var letter = (char)random.Next(1, 128);
            var single = BitConverter.Int32BitsToSingle(random.Next() & 0x7F7F_FFFF) * (random.Next(2) == 0 ? -1 : 1);
            using var rows = await dataSource.QueryAsync(
                "SELECT $1, $1::text, $2, $2::text, $3, $3::text, $4::money, ($4::money)::numeric::text, $5::\"char\", ascii($5::\"char\"), $6, $6::text",
                inet, mac, bits, money, letter.ToString(), single);
            var row = rows[0];
            Assert.Equal(inet, row.Get<PgInet>(0));
            Assert.Equal(inet.ToString(), row.Get<string>(1)); // text(inet) always shows the prefix length
            Assert.Equal(mac, row.Get<System.Net.NetworkInformation.PhysicalAddress>(2));
            Assert.Equal(string.Join(":", mac.GetAddressBytes().Select(b => b.ToString("x2", CultureInfo.InvariantCulture))), row.Get<string>(3));
            var bitsBack = row.Get<System.Collections.BitArray>(4);
            Assert.Equal(bits.Cast<bool>(), bitsBack.Cast<bool>());
            Assert.Equal(string.Concat(bits.Cast<bool>().Select(b => b ? '1' : '0')), row.Get<string>(5));
            Assert.Equal(money, row.Get<decimal>(6));
            Assert.Equal(money.ToString("0.00", CultureInfo.InvariantCulture), row.Get<string>(7));
            Assert.Equal(letter, row.Get<char>(8));
            Assert.Equal(letter, row.Get<int>(9));
            Assert.Equal(single, row.Get<float>(10));
            Assert.Equal(single, float.Parse(row.Get<string>(11), CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Json_hstore_ranges_and_two_dimensional_text_arrays()
    {
        var random = new Random(8086);
        await using (var setup = fixture.CreateDataSource())
            await setup.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS hstore");
        await using var dataSource = fixture.CreateDataSource();
        for (var i = 0; i < Rounds; i++)
        {
            var json = RandomJson(random, 3);
            var hstore = Enumerable.Range(0, random.Next(0, 6)).ToDictionary(k => RandomWord(random) + k, _ => random.Next(4) == 0 ? null : RandomWord(random));
            var lower = random.Next(-1000, 1000);
            var range = random.Next(5) == 0 ? PgRange<int>.Empty : new PgRange<int>(lower, lower + random.Next(1, 100));
            var numLower = Math.Round((decimal)random.NextDouble() * 1000, 3);
            var unbounded = random.Next(3) == 0;
            var numeric = new PgRange<decimal>(numLower, random.Next(2) == 0, false, unbounded ? 0m : numLower + 1, !unbounded && random.Next(2) == 0, unbounded);
            var grid = new string?[random.Next(1, 4), random.Next(1, 4)];
            for (var r = 0; r < grid.GetLength(0); r++)
                for (var c = 0; c < grid.GetLength(1); c++)
                    grid[r, c] = random.Next(4) == 0 ? null : RandomWord(random);
            using var rows = await dataSource.QueryAsync(
                "SELECT $1::jsonb, $1::jsonb::text, $2::hstore, $2::hstore = $3::hstore, $4, $4::text, $5, $5 = $6::numrange, $7::text[], $7::text[] = $8::text[]",
                json.ToJsonString(), hstore, HstoreText(hstore), range, numeric, numeric.ToString(), grid, ArrayText(grid));
            var row = rows[0];
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(json, System.Text.Json.Nodes.JsonNode.Parse(row.Get<string>(0))));
            Assert.Equal(row.Get<string>(1), row.Get<string>(0)); // the binary jsonb text is the server's own output
            Assert.Equal(hstore, row.Get<Dictionary<string, string?>>(2));
            Assert.True(row.Get<bool>(3));
            Assert.Equal(range, row.Get<PgRange<int>>(4));
            Assert.Equal(range.IsEmpty ? "empty" : $"[{range.LowerBound},{range.UpperBound})", row.Get<string>(5));
            Assert.Equal(numeric, row.Get<PgRange<decimal>>(6));
            Assert.True(row.Get<bool>(7));
            Assert.Equal(grid, row.Get<string?[,]>(8));
            Assert.True(row.Get<bool>(9));
        }
    }

    private static string RandomWord(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(1, 8)).Select(_ => s_pieces[random.Next(s_pieces.Length)]));

    private static readonly string[] s_pieces = ["a", "é", " ", "b", "\\", "\"", "'", "{", "}", ",", "=>", "𝄞", "x", "NULL"];

    private static System.Text.Json.Nodes.JsonNode RandomJson(Random random, int depth)
    {
        switch (depth == 0 ? random.Next(4) : random.Next(6))
        {
            case 0: return System.Text.Json.Nodes.JsonValue.Create(random.Next(-100000, 100000));
            case 1: return System.Text.Json.Nodes.JsonValue.Create(RandomWord(random));
            case 2: return System.Text.Json.Nodes.JsonValue.Create(random.Next(2) == 0);
            case 3: return System.Text.Json.Nodes.JsonValue.Create(Math.Round(random.NextDouble() * 100, 4));
            case 4:
                var array = new System.Text.Json.Nodes.JsonArray();
                for (var i = random.Next(0, 4); i > 0; i--) array.Add(RandomJson(random, depth - 1));
                return array;
            default:
                var obj = new System.Text.Json.Nodes.JsonObject();
                for (var i = random.Next(0, 4); i > 0; i--) obj[RandomWord(random) + i] = RandomJson(random, depth - 1);
                return obj;
        }
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string HstoreText(Dictionary<string, string?> map) =>
        string.Join(",", map.Select(p => Quote(p.Key) + "=>" + (p.Value is null ? "NULL" : Quote(p.Value))));

    private static string ArrayText(string?[,] grid) =>
        "{" + string.Join(",", Enumerable.Range(0, grid.GetLength(0)).Select(r =>
            "{" + string.Join(",", Enumerable.Range(0, grid.GetLength(1)).Select(c => grid[r, c] is { } v ? Quote(v) : "NULL")) + "}")) + "}";
}
