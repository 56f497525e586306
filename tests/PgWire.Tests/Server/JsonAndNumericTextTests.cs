using System.Globalization;
using System.Text.Json;
using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class JsonAndNumericTextTests(ServerFixture fixture)
{
    public sealed record Order(int Id, string Customer, decimal[] Lines);

    [Fact]
    public async Task Json_reads_as_document_element_and_any_T_and_writes_from_them()
    {
        await using var dataSource = fixture.CreateDataSource();
        var order = new Order(7, "Ada", [1.5m, 2m]);
        using var document = JsonDocument.Parse("{\"a\": [1, 2, {\"b\": null}]}");
        using var rows = await dataSource.QueryAsync(
            "SELECT $1, $1::text, $2, $2::json, '[1,2]'::json, NULL::jsonb", PgJson.Serialize(order), document);
        var row = rows[0];
        Assert.Equal(order.Id, row.GetJson<Order>(0)!.Id);
        Assert.Equal(order.Lines, row.GetJson<Order>(0)!.Lines);
        Assert.Equal("jsonb", rows.Columns[0].TypeName);
        var fromText = JsonSerializer.Deserialize<Order>(row.Get<string>(1))!; // jsonb reorders keys: compare values
        Assert.Equal((order.Id, order.Customer), (fromText.Id, fromText.Customer));
        Assert.Equal(JsonValueKind.Array, row.Get<JsonElement>(2).GetProperty("a").ValueKind);
        using var back = row.Get<JsonDocument>(3);
        Assert.Equal(3, back.RootElement.GetProperty("a").GetArrayLength());
        Assert.Equal([1, 2], row.GetJson<int[]>(4)!);
        Assert.Null(row.GetJson<Order>(5));
        var e = Assert.Throws<InvalidCastException>(() => row.GetJson<int>(3));
        Assert.Contains("Int32", e.Message);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("0")]
    [InlineData("0.000")]
    [InlineData("-0.00012")]
    [InlineData("100000000000000000000000000000000000000000.5")]
    [InlineData("0.1234567890123456789012345678901234567890")]
    [InlineData("-12345678901234567890.000000000000000000001")]
    public async Task Numeric_reads_losslessly_as_its_exact_text(string text)
    {
        await using var dataSource = fixture.CreateDataSource();
        if (text.EndsWith("Infinity", StringComparison.Ordinal) && fixture.ServerMajor < 14)
        {
            // numeric has infinities from PostgreSQL 14; older servers refuse the literal.
            var refused = await Assert.ThrowsAsync<PgWireServerException>(async () => (await dataSource.QueryAsync($"SELECT '{text}'::numeric")).Dispose());
            Assert.Equal("22P02", refused.SqlState);
            return;
        }
        using var rows = await dataSource.QueryAsync($"SELECT '{text}'::numeric, '{text}'::numeric::text");
        Assert.Equal(rows[0].Get<string>(1), rows[0].Get<PgNumeric>(0).ToString());
        Assert.Equal(double.Parse(text, CultureInfo.InvariantCulture), rows[0].Get<double>(0));
        Assert.Equal(double.Parse(text, CultureInfo.InvariantCulture), rows[0].Get<PgNumeric>(0).ToDouble());
        // A string is for text types only: a numeric is not silently read as one.
        Assert.Throws<InvalidCastException>(() => rows[0].Get<string>(0));
    }

    [Fact]
    public async Task Numeric_text_agrees_with_the_server_for_random_values()
    {
        var random = new Random(99);
        await using var dataSource = fixture.CreateDataSource();
        for (var i = 0; i < 100; i++)
        {
            var digits = string.Concat(Enumerable.Range(0, random.Next(1, 40)).Select(_ => (char)('0' + random.Next(10))));
            var point = random.Next(0, digits.Length);
            var text = (random.Next(2) == 0 ? "-" : "") + digits[..point].TrimStart('0') + "." + digits[point..];
            if (text.StartsWith('.') || text.StartsWith("-.")) text = text.Replace(".", "0.");
            using var rows = await dataSource.QueryAsync($"SELECT '{text}'::numeric, '{text}'::numeric::text");
            Assert.Equal(rows[0].Get<string>(1), rows[0].Get<PgNumeric>(0).ToString());
        }
    }

    [Fact]
    public async Task Bytea_reads_as_memory_and_stream()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync("SELECT '\\x0a0b0c'::bytea");
        Assert.Equal(new byte[] { 10, 11, 12 }, rows[0].Get<ReadOnlyMemory<byte>>(0).ToArray());
        using var stream = rows[0].Get<Stream>(0);
        Assert.Equal(3, stream.Length);
        Assert.Equal(10, stream.ReadByte());
    }
}
