using System.Buffers;
using System.Text;
using System.Text.Json;
using PgWire.Types;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>Rows written as JSON straight from their bytes: every type's form, objects and arrays, streaming, no allocation per cell.</summary>
[Collection(ServerCollection.Name)]
public sealed class JsonRowsTests(ServerFixture fixture)
{
    private const string Sql = """
        SELECT 1::int2 AS i2, 2147483647::int4 AS i4, 9223372036854775807::int8 AS i8, 26::oid AS o,
               1.5::float4 AS f4, 0.1::float8 AS f8, 'NaN'::float8 AS nan, '-Infinity'::float8 AS ninf,
               12345678901234567890.123456789::numeric AS big, 'NaN'::numeric AS nnan, 0.00::numeric(5,2) AS zero, -0.5::numeric AS neg,
               12.34::money AS m, true AS yes, E'say "hi"\n\u00e9\u6f22 \U0001F600' AS t, 'x'::varchar(3) AS v,
               '{"a": [1, 2.5, null], "b": "c"}'::json AS j, '{"b": "c", "a": [1, 2.5, null]}'::jsonb AS jb,
               'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, '\x000102ff'::bytea AS bytes,
               '2024-02-29'::date AS d, 'infinity'::date AS dinf, '2024-02-29 13:14:15.123456'::timestamp AS ts,
               '-infinity'::timestamp AS tsinf, '2024-02-29 13:14:15+02'::timestamptz AS tstz, '13:14:15.5'::time AS tm,
               ARRAY[1, NULL, 3]::int4[] AS arr, ARRAY[[1, 2], [3, 4]]::int8[] AS grid, ARRAY['a', 'b"']::text[] AS texts,
               '{}'::int4[] AS empty, '1 day 02:00:00'::interval AS iv, NULL::int4 AS missing, '0001-01-01 BC'::date AS bc,
               1.1::float4 AS single, ROW(1, 'two', NULL::text) AS rec
        """;

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public async Task Every_common_type_is_written_in_its_JSON_form()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync(Sql);
        using var document = JsonDocument.Parse(Json(w => rows.WriteJson(w)));
        var row = Assert.Single(document.RootElement.EnumerateArray().ToList());
        Assert.Equal(1, row.GetProperty("i2").GetInt16());
        Assert.Equal(int.MaxValue, row.GetProperty("i4").GetInt32());
        Assert.Equal(long.MaxValue, row.GetProperty("i8").GetInt64());
        Assert.Equal(26u, row.GetProperty("o").GetUInt32());
        Assert.Equal(1.5, row.GetProperty("f4").GetDouble());
        Assert.Equal(0.1, row.GetProperty("f8").GetDouble());
        Assert.Equal("NaN", row.GetProperty("nan").GetString());
        Assert.Equal("-Infinity", row.GetProperty("ninf").GetString());
        Assert.Equal("12345678901234567890.123456789", row.GetProperty("big").GetRawText()); // every digit, as a number
        Assert.Equal("NaN", row.GetProperty("nnan").GetString());
        Assert.Equal("0.00", row.GetProperty("zero").GetRawText());
        Assert.Equal("-0.5", row.GetProperty("neg").GetRawText());
        Assert.Equal(12.34m, row.GetProperty("m").GetDecimal());
        Assert.True(row.GetProperty("yes").GetBoolean());
        Assert.Equal("say \"hi\"\n\u00e9\u6f22 \U0001F600", row.GetProperty("t").GetString());
        Assert.Equal("x", row.GetProperty("v").GetString());
        Assert.Equal(JsonValueKind.Object, row.GetProperty("j").ValueKind);
        Assert.Equal(2.5, row.GetProperty("j").GetProperty("a")[1].GetDouble());
        Assert.Equal("c", row.GetProperty("jb").GetProperty("b").GetString());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("jb").GetProperty("a")[2].ValueKind);
        Assert.Equal(Guid.Parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), row.GetProperty("u").GetGuid());
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, row.GetProperty("bytes").GetBytesFromBase64());
        Assert.Equal("2024-02-29", row.GetProperty("d").GetString());
        Assert.Equal("infinity", row.GetProperty("dinf").GetString());
        Assert.Equal("2024-02-29T13:14:15.123456", row.GetProperty("ts").GetString());
        Assert.Equal("-infinity", row.GetProperty("tsinf").GetString());
        Assert.Equal("2024-02-29T11:14:15Z", row.GetProperty("tstz").GetString());
        Assert.Equal("13:14:15.5", row.GetProperty("tm").GetString());
        Assert.Equal("[1,null,3]", row.GetProperty("arr").GetRawText());
        Assert.Equal("[[1,2],[3,4]]", row.GetProperty("grid").GetRawText());
        Assert.Equal("[\"a\",\"b\\u0022\"]", row.GetProperty("texts").GetRawText());
        Assert.Equal("[]", row.GetProperty("empty").GetRawText());
        Assert.Equal(JsonValueKind.String, row.GetProperty("iv").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("missing").ValueKind);
        Assert.Equal("0001-01-01 BC", row.GetProperty("bc").GetString());
        Assert.Equal("1.1", row.GetProperty("single").GetRawText());
        Assert.Equal("(1,two,)", row.GetProperty("rec").GetString()); // an anonymous record comes in text form
    }

    [Fact]
    public async Task A_composite_type_is_an_array_of_its_fields()
    {
        await using (var setup = fixture.CreateDataSource())
            await setup.ExecuteAsync("DO $$BEGIN CREATE TYPE json_rows_pair AS (a int, b text, c float8); EXCEPTION WHEN duplicate_object THEN NULL; END$$");
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync("SELECT ROW(1, 'two', NULL)::json_rows_pair AS pair");
        Assert.Equal("[{\"pair\":[1,\"two\",null]}]", Json(w => rows.WriteJson(w)));
    }

    [Fact]
    public async Task Arrays_format_single_values_and_the_streaming_reader_write_the_same_values()
    {
        await using var dataSource = fixture.CreateDataSource();
        const string sql = "SELECT g AS id, 'n' || g AS name, g % 2 = 0 AS even FROM generate_series(1, 500) g";
        using var rows = await dataSource.QueryAsync(sql);
        var objects = Json(w => rows.WriteJson(w));
        Assert.StartsWith("[{\"id\":1,\"name\":\"n1\",\"even\":false},{\"id\":2,", objects, StringComparison.Ordinal);
        var arrays = Json(w => rows.WriteJson(w, PgJsonRowFormat.Arrays));
        Assert.StartsWith("[[1,\"n1\",false],[2,\"n2\",true],", arrays, StringComparison.Ordinal);
        Assert.Equal("\"n7\"", Json(w => rows[6].WriteJsonValue(1, w)));

        // Streaming, into a stream through the writer's flushes: the same JSON as the buffered set.
        using var stream = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(stream))
        await using (var reader = await dataSource.QueryStreamingAsync(sql))
        {
            Assert.Equal(500, await reader.WriteJsonAsync(writer));
            await writer.FlushAsync();
        }
        Assert.Equal(objects, Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task Writing_allocates_nothing_per_cell()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync(
            "SELECT g, g::int8 * 1000, 'text ' || g, g / 3.0::float8, (g * 1.25)::numeric(12,2), g % 2 = 0, '2024-01-01'::timestamp + g * interval '1 minute', md5(g::text)::uuid, jsonb_build_object('id', g), ARRAY[g, g + 1] FROM generate_series(1, 2000) g");
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        using var writer = new Utf8JsonWriter(buffer);
        rows.WriteJson(writer); // the first pass builds the per-column forms and names
        writer.Flush();
        buffer.ResetWrittenCount();
        writer.Reset();
        var before = GC.GetAllocatedBytesForCurrentThread();
        rows.WriteJson(writer);
        writer.Flush();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"Writing 2,000 rows x 10 columns allocated {allocated} bytes.");
        Assert.Equal(2000, JsonDocument.Parse(buffer.WrittenMemory).RootElement.GetArrayLength());
    }

    [Theory]
    [InlineData((int)JsonForm.TextNumber, "42", "42")]
    [InlineData((int)JsonForm.TextNumber, "-1.5e10", "-1.5e10")]
    [InlineData((int)JsonForm.TextNumber, "NaN", "\"NaN\"")]
    [InlineData((int)JsonForm.TextBool, "t", "true")]
    [InlineData((int)JsonForm.TextBool, "f", "false")]
    [InlineData((int)JsonForm.TextJson, "{\"a\":1}", "{\"a\":1}")]
    [InlineData((int)JsonForm.Text, "plain", "\"plain\"")]
    public void Columns_sent_as_text_keep_numbers_booleans_and_json(int form, string text, string expected) =>
        Assert.Equal(expected, Json(w => JsonForms.Write((JsonForm)form, TextCodec.Instance, Encoding.UTF8.GetBytes(text), w)));

    [Theory]
    [InlineData((int)JsonForm.Text, new byte[] { 0xC3, 0x28 })]
    [InlineData((int)JsonForm.TextJson, new byte[] { (byte)'{', (byte)'x' })]
    [InlineData((int)JsonForm.TextNumber, new byte[] { (byte)'1', (byte)'x' })]
    [InlineData((int)JsonForm.Int4, new byte[] { 0, 1 })]
    [InlineData((int)JsonForm.TextBool, new byte[] { (byte)'y' })]
    public void Bytes_that_are_not_a_value_of_the_type_are_an_InvalidCastException(int form, byte[] bytes) =>
        Assert.Throws<InvalidCastException>(() => Json(w => JsonForms.Write((JsonForm)form, TextCodec.Instance, bytes, w)));
}
