using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>Round trips of the time, interval, network, bit, identifier and money types, each also checked against the server's ::text.</summary>
[Collection(ServerCollection.Name)]
public class MoreTypeTests(ServerFixture fixture)
{
    private async Task<(T Value, string Text)> RoundTrip<T>(string pgType, object? value)
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync($"SELECT $1::{pgType}, $1::{pgType}::text", value);
        return (rows[0].Get<T>(0), rows[0].Get<string>(1));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("12:34:56.789012")]
    [InlineData("23:59:59.999999")]
    public async Task Time(string text)
    {
        var value = TimeOnly.Parse(text, CultureInfo.InvariantCulture);
        var (read, serverText) = await RoundTrip<TimeOnly>("time", value);
        Assert.Equal(value, read);
        Assert.Equal(value, TimeOnly.Parse(serverText, CultureInfo.InvariantCulture));
        var (span, _) = await RoundTrip<TimeSpan>("time", value.ToTimeSpan());
        Assert.Equal(value.ToTimeSpan(), span);
    }

    [Fact]
    public async Task Timetz()
    {
        // A DateTimeOffset parameter is inferred as timestamptz, so timetz is asked for by name.
        var value = new DateTimeOffset(1, 1, 2, 10, 20, 30, TimeSpan.FromHours(-5)).AddTicks(1230);
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new PgWireCommand("SELECT @t, @t::text", connection);
        command.Parameters.Add(new PgWireParameter("t", value) { DataTypeName = "timetz" });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var read = reader.GetFieldValue<DateTimeOffset>(0);
        Assert.Equal(value, read);
        Assert.Equal(value.Offset, read.Offset);
        Assert.Equal("10:20:30.000123-05", reader.GetString(1));
    }

    [Theory]
    [InlineData(0, 0, 0L, "00:00:00")]
    [InlineData(14, 3, 3_723_000_004L, "1 year 2 mons 3 days 01:02:03.000004")]
    [InlineData(-1, -2, -1L, "-1 mons -2 days -00:00:00.000001")]
    public async Task Interval(int months, int days, long micros, string text)
    {
        var value = new PgInterval(months, days, micros);
        var (read, serverText) = await RoundTrip<PgInterval>("interval", value);
        Assert.Equal(value, read);
        Assert.Equal(text, serverText);
    }

    [Fact]
    public async Task Interval_as_TimeSpan_and_months_refused()
    {
        var span = new TimeSpan(3, 4, 5, 6, 7) + TimeSpan.FromTicks(80);
        var (read, _) = await RoundTrip<TimeSpan>("interval", span);
        Assert.Equal(span, read);
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync("SELECT '1 month'::interval AS m");
        var e = Assert.Throws<InvalidCastException>(() => rows[0].Get<TimeSpan>(0));
        Assert.Contains("months", e.Message);
        Assert.Equal(new PgInterval(1, 0, 0), rows[0].Get<PgInterval>(0));
    }

    [Theory]
    [InlineData("192.168.1.10", 32, "inet", "192.168.1.10/32")]
    [InlineData("10.0.0.0", 8, "cidr", "10.0.0.0/8")]
    [InlineData("2001:db8::1", 128, "inet", "2001:db8::1/128")]
    [InlineData("2001:db8::", 32, "cidr", "2001:db8::/32")]
    [InlineData("192.168.1.10", 24, "inet", "192.168.1.10/24")]
    public async Task Inet_and_cidr(string address, byte prefix, string type, string text)
    {
        var value = new PgInet(IPAddress.Parse(address), prefix);
        var (read, serverText) = await RoundTrip<PgInet>(type, value);
        Assert.Equal(value, read);
        Assert.Equal(text, serverText);
        // An IPAddress holds an inet only without a netmask; a cidr never (its prefix would be lost): PgInet or IPNetwork.
        if (type == "inet" && prefix == (value.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32))
        {
            var (plain, _) = await RoundTrip<IPAddress>(type, value);
            Assert.Equal(value.Address, plain);
        }
        else
        {
            var refused = await Assert.ThrowsAsync<InvalidCastException>(() => RoundTrip<IPAddress>(type, value));
            Assert.Contains(type == "cidr" ? "IPNetwork" : "PgInet", refused.Message);
        }
        if (type == "cidr")
        {
            var (network, _) = await RoundTrip<IPNetwork>(type, value);
            Assert.Equal(new IPNetwork(value.Address, prefix), network);
        }
    }

    [Fact]
    public async Task Macaddr_and_macaddr8()
    {
        var mac = PhysicalAddress.Parse("08-00-2B-01-02-03");
        var (read, text) = await RoundTrip<PhysicalAddress>("macaddr", mac);
        Assert.Equal(mac, read);
        Assert.Equal("08:00:2b:01:02:03", text);
        var mac8 = PhysicalAddress.Parse("08-00-2B-01-02-03-04-05");
        var (read8, text8) = await RoundTrip<PhysicalAddress>("macaddr8", mac8);
        Assert.Equal(mac8, read8);
        Assert.Equal("08:00:2b:01:02:03:04:05", text8);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("10110")]
    [InlineData("111100001111000011")]
    [InlineData("")]
    public async Task Bit_strings(string bits)
    {
        var value = new BitArray(bits.Select(c => c == '1').ToArray());
        var (read, text) = await RoundTrip<BitArray>("varbit", value);
        Assert.Equal(bits, string.Concat(read.Cast<bool>().Select(b => b ? '1' : '0')));
        Assert.Equal(bits, text);
        if (bits.Length == 1)
        {
            var (single, _) = await RoundTrip<bool>("bit(1)", value);
            Assert.True(single);
        }
    }

    [Fact]
    public async Task Identifiers_money_char_and_xml()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync(
            "SELECT 'pg_class'::regclass, 'int4'::regtype, 12345::oid, $1::oid, '12.34'::money, (-99.5)::money, 'x'::\"char\", '<a>1</a>'::xml, $2::money",
            uint.MaxValue, 7.25m);
        var row = rows[0];
        Assert.Equal(1259u, row.Get<uint>(0));
        Assert.Equal(23u, row.Get<uint>(1));
        Assert.Equal(12345u, row.Get<uint>(2));
        Assert.Equal(uint.MaxValue, row.Get<uint>(3));
        Assert.Equal(12.34m, row.Get<decimal>(4));
        Assert.Equal(-99.5m, row.Get<decimal>(5));
        Assert.Equal('x', row.Get<char>(6));
        Assert.Equal("<a>1</a>", row.Get<string>(7));
        Assert.Equal("$7.25", (await dataSource.QueryAsync("SELECT $1::numeric::money::text", 7.25m))[0].Get<string>(0));
    }
}

[Collection(ServerCollection.Name)]
public class TypedValueTests(ServerFixture fixture)
{
    [Fact]
    public async Task The_native_API_takes_explicitly_typed_parameters()
    {
        await using var dataSource = fixture.CreateDataSource();
        var offset = new DateTimeOffset(1, 1, 2, 8, 0, 0, TimeSpan.FromHours(3));
        using var rows = await dataSource.QueryAsync("SELECT $1, pg_typeof($1)::text, $2, pg_typeof($2)::text, pg_typeof($3)::text",
            new PgTypedValue(offset, "timetz"), new PgTypedValue(5, "int8"), new PgTypedValue("{\"a\": 1}", "jsonb"));
        Assert.Equal(offset, rows[0].Get<DateTimeOffset>(0));
        Assert.Equal("time with time zone", rows[0].Get<string>(1));
        Assert.Equal(5L, rows[0].Get<long>(2));
        Assert.Equal("bigint", rows[0].Get<string>(3));
        Assert.Equal("jsonb", rows[0].Get<string>(4));
        await Assert.ThrowsAsync<InvalidCastException>(async () => await dataSource.QueryAsync("SELECT $1", new PgTypedValue("x", "int4")));
    }

    [Fact]
    public async Task A_lone_surrogate_is_a_clear_error_naming_the_parameter_and_the_session_carries_on()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await dataSource.QueryAsync("SELECT $1, $2", "ok", "bad \uD83D here"));
        Assert.Contains("Parameter $2", error.Message);
        Assert.Contains("lone surrogate at index 4", error.Message);
        using var rows = await dataSource.QueryAsync("SELECT $1, $2", "ok", "fine \uD83D\uDE00");
        Assert.Equal("fine 😀", rows[0].Get<string>(1));
    }
}
