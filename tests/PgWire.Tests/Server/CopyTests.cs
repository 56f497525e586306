using System.Text;
using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class CopyTests(ServerFixture fixture)
{
    private async Task<PgWireConnection> OpenAsync()
    {
        var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<string> TableAsync(PgWireConnection connection, string columns)
    {
        var name = "copy_" + Guid.NewGuid().ToString("N")[..12];
        await using var create = new PgWireCommand($"CREATE TABLE {name} ({columns})", connection);
        await create.ExecuteNonQueryAsync();
        return name;
    }

    private static async Task<object?> ScalarAsync(PgWireConnection connection, string sql)
    {
        await using var command = new PgWireCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task Binary_import_and_export_round_trip_many_types_and_nulls()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection,
            "i int4, t text, l int8, ts timestamptz, n numeric, b bool, u uuid, bytes bytea, j jsonb, arr int4[], d date, f float8, iv interval, ip inet, r int4range");
        var rows = new List<object?[]>();
        var random = new Random(6);
        for (var k = 0; k < 500; k++)
        {
            rows.Add(k % 7 == 0
                ? new object?[15]
                : [
                    random.Next(int.MinValue, int.MaxValue), $"row {k} ünïcødé", random.NextInt64(), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(random.Next()),
                    Math.Round((decimal)random.NextDouble() * 1_000_000m, 4), k % 2 == 0, Guid.NewGuid(), Enumerable.Range(0, k % 20).Select(x => (byte)x).ToArray(),
                    $"{{\"k\": {k}}}", new[] { k, -k, 0 }, new DateOnly(2000, 1, 1).AddDays(k), random.NextDouble(), TimeSpan.FromMinutes(k),
                    System.Net.IPAddress.Parse($"10.0.{k % 256}.1"), new PgRange<int>(k, k + 10),
                ]);
        }

        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} FROM STDIN (FORMAT BINARY)"))
        {
            Assert.Equal(15, importer.ColumnCount);
            foreach (var row in rows)
            {
                await importer.StartRowAsync();
                if (row[0] is null)
                {
                    for (var c = 0; c < row.Length; c++) importer.WriteNull();
                    continue;
                }
                importer.Write((int)row[0]!);
                importer.Write((string)row[1]!);
                importer.Write((long)row[2]!);
                importer.Write((DateTime)row[3]!);
                importer.Write((decimal)row[4]!);
                importer.Write((bool)row[5]!);
                importer.Write((Guid)row[6]!);
                importer.Write((byte[])row[7]!);
                importer.Write(row[8]); // a string into jsonb, through the object path
                importer.Write((int[])row[9]!);
                importer.Write((DateOnly)row[10]!);
                importer.Write((double)row[11]!);
                importer.Write((TimeSpan)row[12]!);
                importer.Write((System.Net.IPAddress)row[13]!);
                importer.Write((PgRange<int>)row[14]!);
            }
            Assert.Equal(500UL, await importer.CompleteAsync());
        }
        Assert.Equal(500L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        // The server's own view of a few values.
        Assert.Equal("row 1 ünïcødé", await ScalarAsync(connection, $"SELECT t FROM {table} WHERE i = {rows[1][0]}"));
        Assert.Equal("{1,-1,0}", await ScalarAsync(connection, $"SELECT arr::text FROM {table} WHERE i = {rows[1][0]}"));

        await using var exporter = await connection.BeginBinaryExportAsync($"COPY (SELECT * FROM {table} ORDER BY ctid) TO STDOUT (FORMAT BINARY)");
        var index = 0;
        while (await exporter.StartRowAsync() != -1)
        {
            var expected = rows[index++];
            if (expected[0] is null)
            {
                Assert.True(exporter.IsNull);
                Assert.Null(exporter.Read<int?>());
                for (var c = 1; c < 15; c++) Assert.Null(exporter.Read<object?>());
                continue;
            }
            Assert.Equal(expected[0], exporter.Read<int>());
            Assert.Equal(expected[1], exporter.Read<string>());
            Assert.Equal(expected[2], exporter.Read<long>());
            Assert.Equal(expected[3], exporter.Read<DateTime>());
            Assert.Equal(expected[4], exporter.Read<decimal>());
            Assert.Equal(expected[5], exporter.Read<bool>());
            Assert.Equal(expected[6], exporter.Read<Guid>());
            Assert.Equal(expected[7], exporter.Read<byte[]>());
            Assert.Equal(expected[8], exporter.Read<string>());
            Assert.Equal(expected[9], exporter.Read<int[]>());
            Assert.Equal(expected[10], exporter.Read<DateOnly>());
            Assert.Equal(expected[11], exporter.Read<double>());
            Assert.Equal(expected[12], exporter.Read<TimeSpan>());
            Assert.Equal(expected[13], exporter.Read<System.Net.IPAddress>());
            Assert.Equal(expected[14], exporter.Read<PgRange<int>>());
            Assert.Throws<InvalidOperationException>(() => exporter.Read<int>());
        }
        Assert.Equal(500, index);
        Assert.True(exporter.IsCompleted);
        Assert.Equal(-1, await exporter.StartRowAsync());
        Assert.Equal(1, await ScalarAsync(connection, "SELECT 1"));
    }

    [Fact]
    public async Task Disposing_an_importer_without_complete_keeps_nothing_and_the_connection_works()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "id int, name text");
        await using (var importer = connection.BeginBinaryImport($"COPY {table} (id, name) FROM STDIN (FORMAT BINARY)"))
        {
            // Enough rows that several chunks reach the server before the COPY is abandoned.
            for (var i = 0; i < 50_000; i++)
            {
                importer.StartRow();
                importer.Write(i);
                importer.Write("name " + i);
            }
            // A command while the COPY holds the connection is refused, not interleaved.
            await using var busy = new PgWireCommand("SELECT 1", connection);
            Assert.Throws<InvalidOperationException>(() => busy.ExecuteScalar());
        }
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        Assert.Equal(1, await ScalarAsync(connection, "SELECT 1"));
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_fails_before_it_is_sent_and_numbers_that_fit_are_converted()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "small int2, big int8, n numeric, t text");
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} FROM STDIN (FORMAT BINARY)"))
        {
            await importer.StartRowAsync();
            var overflow = Assert.Throws<InvalidCastException>(() => importer.Write(70_000));
            Assert.Contains("'small'", overflow.Message);
            Assert.Contains("smallint", overflow.Message);
            var fraction = Assert.Throws<InvalidCastException>(() => importer.Write(1.5));
            Assert.Contains("fractional", fraction.Message);
            importer.Write(12);                 // int into int2: fits
            importer.Write(34);                 // int into int8
            importer.Write(5L);                 // long into numeric
            var wrong = Assert.Throws<InvalidCastException>(() => importer.Write(Guid.Empty));
            Assert.Contains("'t'", wrong.Message);
            Assert.Contains("System.Guid", wrong.Message);
            importer.Write("text");
            Assert.Throws<InvalidOperationException>(() => importer.Write("one too many"));
            await importer.StartRowAsync();
            importer.Write((short)1);
            // A row left short is refused before it can reach the server.
            var shortRow = await Assert.ThrowsAsync<InvalidOperationException>(() => importer.CompleteAsync().AsTask());
            Assert.Contains("'big'", shortRow.Message);
            importer.WriteNull();
            importer.WriteNull();
            importer.WriteNull();
            Assert.Equal(2UL, await importer.CompleteAsync());
        }
        Assert.Equal("12|34|5|text", await ScalarAsync(connection, $"SELECT concat_ws('|', small, big, n, t) FROM {table} WHERE small = 12"));
        Assert.Equal(1L, await ScalarAsync(connection, $"SELECT count(*) FROM {table} WHERE big IS NULL AND small = 1"));
    }

    [Fact]
    public async Task A_server_error_during_import_names_the_line_and_leaves_the_connection_usable()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "id int PRIMARY KEY, name text NOT NULL");
        var importer = await connection.BeginBinaryImportAsync($"COPY {table} FROM STDIN (FORMAT BINARY)");
        for (var i = 1; i <= 10; i++)
        {
            await importer.StartRowAsync();
            importer.Write(i == 7 ? 3 : i); // row 7 repeats id 3
            importer.Write("n" + i);
        }
        var error = await Assert.ThrowsAsync<PgWireServerException>(() => importer.CompleteAsync().AsTask());
        Assert.Equal("23505", error.SqlState);
        Assert.Contains("line 7", error.Where);
        await importer.DisposeAsync();
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));

        // Text format: a bad value names its line and column too.
        var writer = await connection.BeginTextImportAsync($"COPY {table} FROM STDIN");
        await writer.WriteAsync("1\tone\nx\ttwo\n");
        var bad = await Assert.ThrowsAsync<PgWireServerException>(() => writer.DisposeAsync().AsTask());
        Assert.Equal("22P02", bad.SqlState);
        Assert.Contains("line 2", bad.Where);
        Assert.Equal(1, await ScalarAsync(connection, "SELECT 1"));
    }

    [Fact]
    public async Task A_cancelled_token_aborts_the_import_with_copy_fail()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "id int");
        using var cancel = new CancellationTokenSource();
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < 1000; i++)
            {
                await importer.StartRowAsync(cancel.Token);
                importer.Write(i);
            }
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => importer.StartRowAsync(cancel.Token).AsTask());
            Assert.Throws<ObjectDisposedException>(() => importer.Write(1));
        }
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        Assert.Equal(1, await ScalarAsync(connection, "SELECT 1"));
    }

    [Fact]
    public async Task Text_and_csv_import_and_export()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "id int, name text, note text");
        await using (var writer = await connection.BeginTextImportAsync($"COPY {table} FROM STDIN"))
        {
            await writer.WriteAsync("1\tfirst\t\\N\n2\ttab\\there\tx\n");
        }
        await using (var csv = connection.BeginTextImport($"COPY {table} (id, name, note) FROM STDIN (FORMAT CSV, HEADER)"))
        {
            csv.Write("id,name,note\n3,\"comma, quote \"\"q\"\"\",\n4,ünï,\"\"\n");
            csv.Flush();
            await csv.DisposeAsync();
            Assert.Equal(2, csv.Rows);
        }
        Assert.Equal(4L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
        Assert.Equal("tab\there", await ScalarAsync(connection, $"SELECT name FROM {table} WHERE id = 2"));
        Assert.Equal("comma, quote \"q\"", await ScalarAsync(connection, $"SELECT name FROM {table} WHERE id = 3"));
        Assert.Equal(true, await ScalarAsync(connection, $"SELECT note IS NULL FROM {table} WHERE id = 3"));
        Assert.Equal("", await ScalarAsync(connection, $"SELECT note FROM {table} WHERE id = 4"));

        using (var reader = await connection.BeginTextExportAsync($"COPY (SELECT * FROM {table} ORDER BY id) TO STDOUT (FORMAT CSV)"))
        {
            Assert.Equal("1,first,", await reader.ReadLineAsync());
            Assert.Equal("2,tab\there,x", await reader.ReadLineAsync());
            Assert.Equal("3,\"comma, quote \"\"q\"\"\",", await reader.ReadLineAsync());
            Assert.Equal("4,ünï,\"\"", await reader.ReadLineAsync());
            Assert.Null(await reader.ReadLineAsync());
        }
        Assert.Equal(1, await ScalarAsync(connection, "SELECT 1"));
    }

    [Fact]
    public async Task Raw_streams_move_files_both_ways_and_an_abandoned_export_leaves_the_connection_usable()
    {
        await using var connection = await OpenAsync();
        var source = await TableAsync(connection, "id int, name text");
        await using (var fill = new PgWireCommand($"INSERT INTO {source} SELECT g, 'n' || g FROM generate_series(1, 20000) g", connection))
            await fill.ExecuteNonQueryAsync();

        // Binary out to a "file", then the same bytes in to another table.
        var file = new MemoryStream();
        await using (var export = await connection.BeginRawCopyAsync($"COPY {source} TO STDOUT (FORMAT BINARY)"))
        {
            Assert.True(export.CanRead);
            Assert.False(export.CanWrite);
            await export.CopyToAsync(file);
            Assert.Equal(20000, export.Rows);
        }
        var target = await TableAsync(connection, "id int, name text");
        file.Position = 0;
        await using (var import = connection.BeginRawCopy($"COPY {target} FROM STDIN (FORMAT BINARY)"))
        {
            await file.CopyToAsync(import, 1000);
        }
        Assert.Equal(true, await ScalarAsync(connection,
            $"SELECT (SELECT sum(hashtext(id || name)) FROM {source}) = (SELECT sum(hashtext(id || name)) FROM {target})"));

        // A reader stopped early cancels the COPY on the server; the connection serves the next command.
        await using (var export = await connection.BeginRawCopyAsync($"COPY (SELECT g FROM generate_series(1, 5000000) g) TO STDOUT"))
        {
            var buffer = new byte[100];
            Assert.True(await export.ReadAsync(buffer) > 0);
        }
        Assert.Equal(1, await ScalarAsync(connection, "SELECT 1"));
        await using (var exporter = await connection.BeginBinaryExportAsync($"COPY (SELECT g FROM generate_series(1, 5000000) g) TO STDOUT (FORMAT BINARY)"))
        {
            Assert.Equal(1, await exporter.StartRowAsync());
            Assert.Equal(1, exporter.Read<int>());
        }
        Assert.Equal(2, await ScalarAsync(connection, "SELECT 2"));

        // A small export stopped early: the few rows left are read and dropped; the same connection goes on.
        for (var i = 0; i < 20; i++)
        {
            await using (var exporter = await connection.BeginBinaryExportAsync($"COPY (SELECT g FROM generate_series(1, 100) g) TO STDOUT (FORMAT BINARY)"))
                Assert.Equal(1, await exporter.StartRowAsync());
            Assert.Equal(i, await ScalarAsync(connection, $"SELECT {i}"));
        }
    }

    [Fact]
    public async Task Statements_that_are_not_a_copy_with_the_client_are_refused_clearly()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "id int");
        await Assert.ThrowsAsync<ArgumentException>(() => connection.BeginBinaryImportAsync($"COPY {table} TO STDOUT (FORMAT BINARY)"));
        await Assert.ThrowsAsync<ArgumentException>(() => connection.BeginBinaryImportAsync($"COPY {table} FROM '/tmp/file'"));
        await Assert.ThrowsAsync<ArgumentException>(() => connection.BeginBinaryImportAsync($"COPY {table} FROM STDIN (FORMAT BINARY); SELECT 1"));
        await Assert.ThrowsAsync<ArgumentException>(() => connection.BeginBinaryImportAsync("SELECT 1"));
        // Text format asked of the binary importer: refused after the server started it, and the COPY is abandoned.
        await Assert.ThrowsAsync<ArgumentException>(() => connection.BeginBinaryImportAsync($"COPY {table} FROM STDIN"));
        var missing = await Assert.ThrowsAsync<PgWireServerException>(() => connection.BeginBinaryImportAsync("COPY no_such_table FROM STDIN (FORMAT BINARY)"));
        Assert.Equal("42P01", missing.SqlState);
        Assert.Equal(1, await ScalarAsync(connection, "SELECT 1"));
        Assert.Equal(0L, await ScalarAsync(connection, $"SELECT count(*) FROM {table}"));
    }

    [Fact]
    public async Task One_million_rows_import_with_count_and_checksum()
    {
        const int rows = 1_000_000;
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "a int4, b text, c int8, d timestamptz");
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        long checksum = 0;
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} (a, b, c, d) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < rows; i++)
            {
                await importer.StartRowAsync();
                importer.Write(i);
                importer.Write("row " + i);
                importer.Write((long)i * 3);
                importer.Write(start.AddSeconds(i));
                checksum += i + (long)i * 3 + ("row " + i).Length + i;
            }
            Assert.Equal((ulong)rows, await importer.CompleteAsync());
        }
        Assert.Equal(rows, Convert.ToInt64(await ScalarAsync(connection, $"SELECT count(*) FROM {table}")));
        Assert.Equal(checksum, Convert.ToInt64(await ScalarAsync(connection,
            $"SELECT sum(a::int8 + c + length(b) + extract(epoch FROM d - '2024-01-01 00:00:00+00')::int8) FROM {table}")));
    }
}

public class CopyCommandTextTests
{
    [Theory]
    [InlineData("COPY t FROM STDIN", true, "SELECT * FROM t")]
    [InlineData("copy ONLY public.t (a, \"B c\") from stdin with (format binary);", true, "SELECT a, \"B c\" FROM public.t")]
    [InlineData("/* c */ COPY \"Odd\"\"Name\" -- x\n TO STDOUT (FORMAT CSV, DELIMITER ';')", false, "SELECT * FROM \"Odd\"\"Name\"")]
    [InlineData("COPY (SELECT ')' AS p, $$(;$$ FROM x) TO STDOUT", false, "SELECT ')' AS p, $$(;$$ FROM x")]
    public void Direction_and_columns_query_are_read(string sql, bool fromClient, string columnsQuery)
    {
        var text = CopyCommandText.Parse(sql);
        Assert.Equal(fromClient, text.FromClient);
        Assert.Equal(columnsQuery, text.ColumnsQuery);
    }

    [Theory]
    [InlineData("SELECT 1")]
    [InlineData("COPY t FROM '/data/file.csv'")]
    [InlineData("COPY t TO STDIN")]
    [InlineData("COPY t FROM STDIN; DROP TABLE t")]
    [InlineData("COPY (SELECT 1 TO STDOUT")]
    [InlineData("COPY t () FROM STDIN")]
    public void Other_statements_are_refused(string sql) =>
        Assert.Throws<ArgumentException>(() => CopyCommandText.Parse(sql));
}

public enum CopyShade
{
    Light,
    VeryDark,
}

public sealed record CopyAddress(string Street, int? Number);

[Collection(ServerCollection.Name)]
public class CopyTypeTests(ServerFixture fixture)
{
    [Fact]
    public async Task Every_other_type_round_trips_through_binary_copy_and_the_server_stores_what_was_sent()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (shade, address, positive, table) = ("shade_" + suffix, "address_" + suffix, "positive_" + suffix, "copy_types_" + suffix);
        // Multiranges arrived in PostgreSQL 14; on 13 the same ranges go into an array of int4range.
        var multirangeType = fixture.ServerMajor >= 14 ? "int4multirange" : "int4range[]";
        await using (var setup = fixture.CreateDataSource())
        {
            await setup.ExecuteAsync($"""
                CREATE EXTENSION IF NOT EXISTS hstore;
                CREATE TYPE {shade} AS ENUM ('light', 'very_dark');
                CREATE TYPE {address} AS (street text, number int4);
                CREATE DOMAIN {positive} AS int4 CHECK (VALUE > 0);
                CREATE TABLE {table} (
                    s int2, r float4, c char(3), v varchar(10), nm name, ch "char", o oid, x xml, m money, t time, tz timetz,
                    ts timestamp, di date, tsi timestamptz, cd cidr, mac macaddr, mac8 macaddr8, b bit(4), vb varbit, js json,
                    ta text[], m2 int4[], e1 {shade}, e2 {shade}, comp {address}, h hstore, dom {positive}, mr {multirangeType},
                    tsr tstzrange, ia inet[])
                """);
        }
        await using var dataSource = fixture.CreateDataSourceBuilder().MapEnum<CopyShade>(shade).MapComposite<CopyAddress>(address).Build();
        await using var connection = await dataSource.OpenConnectionAsync();

        var timeTz = new DateTimeOffset(2000, 1, 1, 10, 20, 30, TimeSpan.FromHours(2));
        var bits = new System.Collections.BitArray([true, false, true, true]);
        var varBits = new System.Collections.BitArray(10);
        varBits[0] = varBits[9] = true;
        var hstore = new Dictionary<string, string?> { ["a"] = "1", ["b"] = null, ["ключ"] = "значение" };
        var multirange = new[] { new PgRange<int>(1, 3), new PgRange<int>(10, 20) };
        var instant = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(10);
        var tstzRange = new PgRange<DateTime>(instant, instant.AddHours(1));
        var macAddress = System.Net.NetworkInformation.PhysicalAddress.Parse("08-00-2B-01-02-03");
        var macAddress8 = System.Net.NetworkInformation.PhysicalAddress.Parse("08-00-2B-01-02-03-04-05");

        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} FROM STDIN (FORMAT BINARY)"))
        {
            for (var row = 0; row < 2; row++)
            {
                await importer.StartRowAsync();
                if (row == 1)
                {
                    for (var c = 0; c < importer.ColumnCount; c++) importer.WriteNull();
                    continue;
                }
                importer.Write((short)-32768);
                importer.Write(1.5f);
                importer.Write("ab");
                importer.Write("héllo");
                importer.Write("a_name");
                importer.Write('x');
                importer.Write(4_000_000_000u);
                importer.Write("<a>1</a>");
                importer.Write(12.34m);
                importer.Write(new TimeOnly(13, 14, 15, 123, 456));
                importer.Write(timeTz);
                importer.Write(new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Unspecified).AddTicks(10));
                importer.Write(PgDate.Infinity);
                importer.Write(PgTimestamp.NegativeInfinity);
                importer.Write(new PgInet(System.Net.IPAddress.Parse("10.1.0.0"), 16));
                importer.Write(macAddress);
                importer.Write(macAddress8);
                importer.Write(bits);
                importer.Write(varBits);
                importer.Write("{\"a\":  [1, 2]}");
                importer.Write(new[] { "a", null, "c,d" });
                importer.Write(new[,] { { 1, 2 }, { 3, 4 } });
                importer.Write(CopyShade.VeryDark);
                importer.Write("light");
                importer.Write(new CopyAddress("Main \"St\"", null));
                importer.Write(hstore);
                importer.Write(5);
                importer.Write(multirange);
                importer.Write(tstzRange);
                importer.Write(new[] { System.Net.IPAddress.Parse("::1"), System.Net.IPAddress.Parse("192.168.0.1") });
            }
            Assert.Equal(2UL, await importer.CompleteAsync());
        }

        // What the server holds, in its own text form.
        await using (var command = new PgWireCommand($"""
            SELECT s::text, r::text, c::text || '|', v, nm::text, ch::text, o::text, x::text, m::numeric::text, t::text, tz::text,
                   ts::text, di::text, tsi::text, cd::text, mac::text, mac8::text, b::text, vb::text, js::text, ta::text, m2::text,
                   e1::text, e2::text, comp::text, h -> 'ключ', h ? 'b' AND h -> 'b' IS NULL, dom::text, mr::text, lower(tsr) = '{instant:yyyy-MM-dd HH:mm:ss.ffffff}+00', ia::text
            FROM {table} WHERE s IS NOT NULL
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            string?[] expected =
            [
                "-32768", "1.5", "ab|", "héllo", "a_name", "x", "4000000000", "<a>1</a>", "12.34", "13:14:15.123456", "10:20:30+02",
                "2026-03-04 05:06:07.000001", "infinity", "-infinity", "10.1.0.0/16", "08:00:2b:01:02:03", "08:00:2b:01:02:03:04:05",
                "1011", "1000000001", "{\"a\":  [1, 2]}", "{a,NULL,\"c,d\"}", "{{1,2},{3,4}}", "very_dark", "light",
                "(\"Main \"\"St\"\"\",)", "значение", "True", "5", fixture.ServerMajor >= 14 ? "{[1,3),[10,20)}" : "{\"[1,3)\",\"[10,20)\"}", "True", "{::1,192.168.0.1}",
            ];
            Assert.Equal(expected, Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i).ToString()).ToArray());
        }

        // And back through a binary export, as the CLR values that went in.
        await using (var exporter = await connection.BeginBinaryExportAsync($"COPY (SELECT * FROM {table} ORDER BY s NULLS LAST) TO STDOUT (FORMAT BINARY)"))
        {
            Assert.Equal(30, await exporter.StartRowAsync());
            Assert.Equal((short)-32768, exporter.Read<short>());
            Assert.Equal(1.5f, exporter.Read<float>());
            Assert.Equal("ab ", exporter.Read<string>());
            Assert.Equal("héllo", exporter.Read<string>());
            Assert.Equal("a_name", exporter.Read<string>());
            Assert.Equal('x', exporter.Read<char>());
            Assert.Equal(4_000_000_000u, exporter.Read<uint>());
            Assert.Equal("<a>1</a>", exporter.Read<string>());
            Assert.Equal(12.34m, exporter.Read<decimal>());
            Assert.Equal(new TimeOnly(13, 14, 15, 123, 456), exporter.Read<TimeOnly>());
            var readTimeTz = exporter.Read<DateTimeOffset>();
            Assert.Equal((timeTz.TimeOfDay, timeTz.Offset), (readTimeTz.TimeOfDay, readTimeTz.Offset));
            Assert.Equal(new DateTime(2026, 3, 4, 5, 6, 7).AddTicks(10), exporter.Read<DateTime>());
            Assert.Equal(PgDate.Infinity, exporter.Read<PgDate>());
            Assert.Equal(PgTimestamp.NegativeInfinity, exporter.Read<PgTimestamp>());
            Assert.Equal(new PgInet(System.Net.IPAddress.Parse("10.1.0.0"), 16), exporter.Read<PgInet>());
            Assert.Equal(macAddress, exporter.Read<System.Net.NetworkInformation.PhysicalAddress>());
            Assert.Equal(macAddress8, exporter.Read<System.Net.NetworkInformation.PhysicalAddress>());
            Assert.Equal([true, false, true, true], exporter.Read<System.Collections.BitArray>().Cast<bool>());
            Assert.Equal(varBits.Cast<bool>(), exporter.Read<System.Collections.BitArray>().Cast<bool>());
            Assert.Equal("{\"a\":  [1, 2]}", exporter.Read<string>());
            Assert.Equal(new[] { "a", null, "c,d" }, exporter.Read<string?[]>());
            Assert.Equal(new[,] { { 1, 2 }, { 3, 4 } }, exporter.Read<int[,]>());
            Assert.Equal(CopyShade.VeryDark, exporter.Read<CopyShade>());
            Assert.Equal("light", exporter.Read<string>());
            Assert.Equal(new CopyAddress("Main \"St\"", null), exporter.Read<CopyAddress>());
            Assert.Equal(hstore, exporter.Read<Dictionary<string, string?>>());
            Assert.Equal(5, exporter.Read<int>());
            Assert.Equal(multirange, exporter.Read<PgRange<int>[]>());
            Assert.Equal(tstzRange, exporter.Read<PgRange<DateTime>>());
            Assert.Equal(new[] { System.Net.IPAddress.Parse("::1"), System.Net.IPAddress.Parse("192.168.0.1") }, exporter.Read<System.Net.IPAddress[]>());

            Assert.Equal(30, await exporter.StartRowAsync());
            for (var c = 0; c < 30; c++)
            {
                Assert.True(exporter.IsNull);
                exporter.Skip();
            }
            Assert.Equal(-1, await exporter.StartRowAsync());
        }

        // A domain's check runs on COPY data too; the error names the line.
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} (dom) FROM STDIN (FORMAT BINARY)"))
        {
            await importer.WriteRowAsync(CancellationToken.None, 1);
            await importer.WriteRowAsync(CancellationToken.None, -1);
            var error = await Assert.ThrowsAsync<PgWireServerException>(async () => await importer.CompleteAsync());
            Assert.Equal("23514", error.SqlState);
            Assert.Contains("line 2", error.Where);
        }
    }
}

public sealed record CopyJsonPayload(string Name, int[] Values);

[Collection(ServerCollection.Name)]
public class CopyEdgeValueTests(ServerFixture fixture)
{
    [Fact]
    public async Task Edge_values_round_trip_through_binary_copy_and_a_datetime_of_the_wrong_kind_is_refused_first()
    {
        var table = "copy_edges_" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = fixture.CreateDataSource();
        await dataSource.ExecuteAsync($"""
            CREATE EXTENSION IF NOT EXISTS citext;
            CREATE TABLE {table} (
                f8 float8, f4 float4, n numeric, iv interval, d date, ts timestamp, r int4range, ru int8range, l int8[], na int4[],
                rt regtype, js jsonb, ci citext, t text, big text, tz timestamptz)
            """);
        await using var connection = await dataSource.OpenConnectionAsync();
        var longText = new string('é', 300_000);
        var payload = new CopyJsonPayload("ä", [1, 2]);

        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {table} FROM STDIN (FORMAT BINARY)"))
        {
            await importer.StartRowAsync();
            importer.Write(double.NaN);
            importer.Write(float.NegativeInfinity);
            importer.Write(decimal.MaxValue);
            importer.Write(new PgInterval(14, -3, 1));
            importer.Write(new PgDate(-43, 3, 15));
            importer.Write(PgTimestamp.Infinity);
            importer.Write(PgRange<int>.Empty);
            importer.Write(new PgRange<long>(5, true, false, 0, false, true));
            importer.Write(new List<long> { long.MinValue, 0, long.MaxValue });
            importer.Write(new int?[] { null, 1, null });
            importer.Write(23u);
            importer.Write(PgJson.Serialize(payload));
            importer.Write("MiXeD");
            importer.Write("😀 outside the BMP");
            importer.Write(longText);
            // timestamptz takes UTC DateTimes only (as in Npgsql 6+): a Local or Unspecified one is refused before any
            // of its bytes are sent, and the importer goes on.
            var wrongKind = Assert.Throws<InvalidCastException>(() => importer.Write(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Unspecified)));
            Assert.Contains("'tz'", wrongKind.Message);
            importer.Write(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            Assert.Equal(1UL, await importer.CompleteAsync());
        }

        using (var rows = await dataSource.QueryAsync($"""
            SELECT f8::text, f4::text, n::text, iv::text, d::text, ts::text, r::text, ru::text, l::text, na::text, rt::text,
                   js ->> 'Name', ci = 'mixed', t, length(big), tz = '2026-01-01 00:00:00+00'
            FROM {table}
            """))
        {
            Assert.Equal(
                new[] { "NaN", "-Infinity", "79228162514264337593543950335", "1 year 2 mons -3 days +00:00:00.000001", "0044-03-15 BC", "infinity",
                 "empty", "[5,)", "{-9223372036854775808,0,9223372036854775807}", "{NULL,1,NULL}", "integer", "ä", "True", "😀 outside the BMP",
                 "300000", "True" },
                Enumerable.Range(0, 16).Select(i => Convert.ToString(rows[0].Get<object>(i), System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        }

        await using var exporter = await connection.BeginBinaryExportAsync($"COPY {table} TO STDOUT (FORMAT BINARY)");
        Assert.Equal(16, await exporter.StartRowAsync());
        Assert.True(double.IsNaN(exporter.Read<double>()));
        Assert.Equal(float.NegativeInfinity, exporter.Read<float>());
        Assert.Equal(decimal.MaxValue, exporter.Read<decimal>());
        Assert.Equal(new PgInterval(14, -3, 1), exporter.Read<PgInterval>());
        Assert.Equal(new PgDate(-43, 3, 15), exporter.Read<PgDate>());
        Assert.Equal(PgTimestamp.Infinity, exporter.Read<PgTimestamp>());
        Assert.True(exporter.Read<PgRange<int>>().IsEmpty);
        var unbounded = exporter.Read<PgRange<long>>();
        Assert.Equal((5L, true, true), (unbounded.LowerBound, unbounded.LowerBoundIsInclusive, unbounded.UpperBoundInfinite));
        Assert.Equal([long.MinValue, 0, long.MaxValue], exporter.Read<List<long>>());
        Assert.Equal([null, 1, null], exporter.Read<int?[]>());
        Assert.Equal(23u, exporter.Read<uint>());
        Assert.Equal(payload.Name, exporter.Read<System.Text.Json.JsonDocument>().RootElement.GetProperty("Name").GetString());
        Assert.Equal("MiXeD", exporter.Read<string>());
        Assert.Equal("😀 outside the BMP", exporter.Read<string>());
        Assert.Equal(longText, exporter.Read<string>());
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), exporter.Read<DateTime>());
        Assert.Equal(-1, await exporter.StartRowAsync());
    }
}

[Collection(ServerCollection.Name)]
public class CopyBackpressureTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_fast_producer_waits_for_a_stalled_server_instead_of_buffering()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        var table = "copy_stall_" + Guid.NewGuid().ToString("N")[..8];
        await using (var setup = new PgWireCommand($"""
            CREATE TABLE {table} (id int4, payload text);
            CREATE FUNCTION {table}_stall() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.id = 1 THEN PERFORM pg_sleep(2); END IF; RETURN NEW; END $$;
            CREATE TRIGGER stall BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_stall();
            """, connection))
            await setup.ExecuteNonQueryAsync();

        // 200,000 rows of 1 KB (200 MB) from a producer that never waits on its own: while the server sleeps on the
        // first row, the importer must hold the producer back rather than gather the rows in memory.
        const int rows = 200_000;
        var payload = new string('p', 1000);
        long peak = 0;
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var before = GC.GetTotalMemory(true);
        var producedBy1s = -1;
        async IAsyncEnumerable<(int, string)> Produce()
        {
            for (var i = 1; i <= rows; i++)
            {
                if (i % 2000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(false) - before);
                if (producedBy1s < 0 && stopwatch.ElapsedMilliseconds >= 1000) producedBy1s = i;
                yield return (i, payload);
            }
            await Task.CompletedTask;
        }

        Assert.Equal((ulong)rows, await connection.BulkInsertAsync(table, ["id", "payload"], Produce()));

        Assert.True(stopwatch.ElapsedMilliseconds >= 2000, "the server's stall did not happen");
        // One second into the two-second stall, the producer is held at what the socket buffers take (a few MB).
        Assert.InRange(producedBy1s, 1, 40_000);
        Assert.True(peak < 48L * 1024 * 1024, $"the heap grew by {peak / 1024 / 1024} MB during the import");
        await using var count = new PgWireCommand($"SELECT count(*), sum(length(payload)) FROM {table}", connection);
        await using var reader = await count.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(((long)rows, (long)rows * 1000), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task A_slow_consumer_of_an_export_holds_bounded_memory()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        // About 200 MB of COPY data, which the server produces far faster than this reader takes it.
        const int rows = 200_000;
        await using var exporter = await connection.BeginBinaryExportAsync(
            $"COPY (SELECT g, repeat('x', 1000) FROM generate_series(1, {rows}) g) TO STDOUT (FORMAT BINARY)");
        long count = 0, sum = 0, peak = 0;
        var before = GC.GetTotalMemory(true);
        while (await exporter.StartRowAsync() >= 0)
        {
            count++;
            sum += exporter.Read<int>();
            exporter.Skip();
            if (count % 5000 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false) - before);
                await Task.Delay(50);
            }
        }
        Assert.Equal(rows, count);
        Assert.Equal((long)rows * (rows + 1) / 2, sum);
        Assert.True(peak < 48L * 1024 * 1024, $"the heap grew by {peak / 1024 / 1024} MB during the export");
    }
}
