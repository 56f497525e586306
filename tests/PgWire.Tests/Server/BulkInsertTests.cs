using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class BulkInsertTests(ServerFixture fixture)
{
    public sealed record Order(int OrderId, string? CustomerName, decimal? Total, DateTimeOffset PlacedAt);

    public sealed class Reading
    {
        public long Sensor;
        public double? Value { get; init; }
        public string Unit { get; init; } = "";
    }

    private async Task<PgWireConnection> OpenAsync()
    {
        var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<string> TableAsync(PgWireConnection connection, string columns)
    {
        var name = "bulk_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(connection, $"CREATE TABLE {name} ({columns})");
        return name;
    }

    private static async Task ExecuteAsync(PgWireConnection connection, string sql)
    {
        await using var command = new PgWireCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<object?[]>> RowsAsync(PgWireConnection connection, string sql)
    {
        await using var command = new PgWireCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static async Task<long> CountAsync(PgWireConnection connection, string table) =>
        (long)(await RowsAsync(connection, $"SELECT count(*) FROM {table}"))[0][0]!;

    [Fact]
    public async Task Tuples_go_in_column_order_with_nulls_into_a_schema_qualified_mixed_case_table()
    {
        await using var connection = await OpenAsync();
        var schema = "Bulk Schema " + Guid.NewGuid().ToString("N")[..6];
        await ExecuteAsync(connection, $"CREATE SCHEMA \"{schema}\"; CREATE TABLE \"{schema}\".\"Items\" (\"Id\" int4 PRIMARY KEY, label text, weight float8)");
        var rows = Enumerable.Range(1, 1000).Select(i => (i, i % 10 == 0 ? null : $"item {i}", i % 7 == 0 ? (double?)null : i * 0.5));

        // The schema has a space in it, so it is given quoted; the table's capital I is kept as written.
        var inserted = await connection.BulkInsertAsync($"\"{schema}\".Items", ["Id", "label", "weight"], rows);

        Assert.Equal(1000UL, inserted);
        var stored = await RowsAsync(connection, $"SELECT \"Id\", label, weight FROM \"{schema}\".\"Items\" ORDER BY 1");
        Assert.Equal(1000, stored.Count);
        Assert.Equal(new object?[] { 10, null, 5.0 }, stored[9]);
        Assert.Equal(new object?[] { 7, "item 7", null }, stored[6]);
        Assert.Equal(new object?[] { 1000, null, 500.0 }, stored[999]);
    }

    [Fact]
    public async Task Records_match_columns_in_snake_case_from_an_async_source_through_the_data_source()
    {
        await using var dataSource = fixture.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        var table = await TableAsync(connection, "order_id int4, customer_name text, total numeric(12,2), placed_at timestamptz");
        var start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        async IAsyncEnumerable<Order> Orders()
        {
            for (var i = 0; i < 300; i++)
            {
                if (i % 100 == 0) await Task.Yield();
                yield return new Order(i, i == 3 ? null : "customer " + i, i == 5 ? null : i * 1.25m, start.AddMinutes(i));
            }
        }

        // The column order differs from the record's member order.
        var inserted = await dataSource.BulkInsertAsync(table, ["placed_at", "order_id", "total", "customer_name"], Orders());

        Assert.Equal(300UL, inserted);
        var stored = await RowsAsync(connection, $"SELECT order_id, customer_name, total, placed_at FROM {table} ORDER BY 1");
        Assert.Equal(300, stored.Count);
        Assert.Equal(new object?[] { 3, null, 3.75m, start.AddMinutes(3).UtcDateTime }, stored[3]);
        Assert.Equal(new object?[] { 5, "customer 5", null, start.AddMinutes(5).UtcDateTime }, stored[5]);
        Assert.Equal(new object?[] { 299, "customer 299", 373.75m, start.AddMinutes(299).UtcDateTime }, stored[299]);
    }

    [Fact]
    public async Task Classes_with_fields_and_properties_match_by_name_ignoring_case()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "sensor int8, value float8, unit text");
        var readings = new[]
        {
            new Reading { Sensor = 1, Value = 20.5, Unit = "C" },
            new Reading { Sensor = 2, Value = null, Unit = "F" },
        };

        Assert.Equal(2UL, connection.BulkInsert(table, ["sensor", "value", "unit"], readings));

        var stored = await RowsAsync(connection, $"SELECT sensor, value, unit FROM {table} ORDER BY 1");
        Assert.Equal(new object?[] { 1L, 20.5, "C" }, stored[0]);
        Assert.Equal(new object?[] { 2L, null, "F" }, stored[1]);
    }

    [Fact]
    public async Task Long_tuples_object_arrays_and_single_values_are_positional()
    {
        await using var connection = await OpenAsync();
        var wide = await TableAsync(connection, "c1 int2, c2 int4, c3 int8, c4 text, c5 bool, c6 uuid, c7 date, c8 bytea, c9 int4[], c10 text");
        var id = Guid.NewGuid();
        var tuple = ((short)1, 2, 3L, "four", true, id, new DateOnly(2026, 6, 7), new byte[] { 8 }, new[] { 9, 9 }, "ten");

        Assert.Equal(1UL, await connection.BulkInsertAsync(wide, ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10"], [tuple]));
        var stored = (await RowsAsync(connection, $"SELECT * FROM {wide}"))[0];
        Assert.Equal(new object?[] { (short)1, 2, 3L, "four", true, id, new DateOnly(2026, 6, 7), new byte[] { 8 }, new[] { 9, 9 }, "ten" }, stored);

        var mixed = await TableAsync(connection, "a int4, b text");
        object?[][] arrays = [[1, "one"], [2, null], [3L, DBNull.Value]];
        Assert.Equal(3UL, await connection.BulkInsertAsync(mixed, ["a", "b"], arrays));
        Assert.Equal(new object?[] { 3, null }, (await RowsAsync(connection, $"SELECT a, b FROM {mixed} ORDER BY a"))[2]);

        var single = await TableAsync(connection, "n int4");
        Assert.Equal(4UL, await connection.BulkInsertAsync(single, ["n"], new int?[] { 1, null, 3, 4 }));
        Assert.Equal(new object?[] { 3L, 8L }, (await RowsAsync(connection, $"SELECT count(n), sum(n) FROM {single}"))[0]);

        // A string row into a column named after one of string's own members still writes the string itself.
        var text = await TableAsync(connection, "length text");
        Assert.Equal(2UL, await connection.BulkInsertAsync(text, ["length"], ["abc", null]));
        Assert.Equal(new object?[] { "abc" }, (await RowsAsync(connection, $"SELECT length FROM {text} WHERE length IS NOT NULL"))[0]);
    }

    [Fact]
    public async Task Mapping_errors_are_reported_before_anything_is_sent()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "order_id int4, customer_name text");

        var missing = await Assert.ThrowsAsync<ArgumentException>(() =>
            connection.BulkInsertAsync(table, ["order_id", "customer"], new[] { new Order(1, "a", 1, DateTimeOffset.UnixEpoch) }));
        Assert.Contains("'customer'", missing.Message);
        Assert.Contains(typeof(Order).ToString(), missing.Message);

        var arity = await Assert.ThrowsAsync<ArgumentException>(() => connection.BulkInsertAsync(table, ["order_id"], new[] { (1, "a") }));
        Assert.Contains("2 items but 1 columns", arity.Message);

        var quote = await Assert.ThrowsAsync<ArgumentException>(() => connection.BulkInsertAsync("\"unclosed", ["a"], new[] { 1 }));
        Assert.Contains("never closed", quote.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => connection.BulkInsertAsync(table, [], new[] { 1 }));

        // The connection never started a COPY: it works, and the table is empty.
        Assert.Equal(0, await CountAsync(connection, table));
    }

    [Fact]
    public async Task Bad_rows_leave_the_table_untouched_and_the_connection_usable()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "id int4 PRIMARY KEY, note text");

        // A value the column cannot take: caught on the client, naming column and row.
        var wrongType = await Assert.ThrowsAsync<InvalidCastException>(() =>
            connection.BulkInsertAsync(table, ["id", "note"], Enumerable.Range(1, 5000).Select(i => new object?[] { i == 4000 ? "x" : i, "n" })));
        Assert.Contains("'id'", wrongType.Message);
        Assert.Contains("row 4000", wrongType.Message);
        Assert.Equal(0, await CountAsync(connection, table));

        // A null row, after 70,000 rows (over a megabyte) already went to the server.
        var nullRow = await Assert.ThrowsAsync<ArgumentException>(() =>
            connection.BulkInsertAsync(table, ["id", "note"], Enumerable.Range(1, 70_001).Select(i => i == 70_001 ? null : new object?[] { i, "n" })));
        Assert.Contains("Row 70001 is null", nullRow.Message);
        Assert.Equal(0, await CountAsync(connection, table));

        // The source itself fails half-way.
        IEnumerable<(int, string)> Failing()
        {
            for (var i = 1; i <= 50_000; i++) yield return (i, "n");
            throw new IOException("the source broke");
        }
        Assert.Equal("the source broke", (await Assert.ThrowsAsync<IOException>(() => connection.BulkInsertAsync(table, ["id", "note"], Failing()))).Message);
        Assert.Equal(0, await CountAsync(connection, table));

        // The server rejects a duplicate key: all or nothing, with the COPY line.
        var duplicate = await Assert.ThrowsAsync<PgWireServerException>(() =>
            connection.BulkInsertAsync(table, ["id", "note"], Enumerable.Range(1, 1000).Select(i => (i == 600 ? 5 : i, "n"))));
        Assert.Equal("23505", duplicate.SqlState);
        Assert.Contains("line 600", duplicate.Where);
        Assert.Equal(0, await CountAsync(connection, table));

        // Cancelled while sending.
        using var cancel = new CancellationTokenSource();
        IEnumerable<(int, string)> CancelsHalfWay()
        {
            for (var i = 1; i <= 200_000; i++)
            {
                if (i == 100_000) cancel.Cancel();
                yield return (i, "n");
            }
        }
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.BulkInsertAsync(table, ["id", "note"], CancelsHalfWay(), cancel.Token));
        Assert.Equal(0, await CountAsync(connection, table));

        // After all that, the same connection inserts.
        Assert.Equal(3UL, await connection.BulkInsertAsync(table, ["id", "note"], new[] { (1, "a"), (2, "b"), (3, "c") }));
        Assert.Equal(3, await CountAsync(connection, table));
    }

    [Fact]
    public async Task An_unknown_table_or_column_is_the_servers_error()
    {
        await using var connection = await OpenAsync();
        var table = await TableAsync(connection, "id int4");

        var noTable = await Assert.ThrowsAsync<PgWireServerException>(() => connection.BulkInsertAsync(table + "_missing", ["id"], new[] { 1 }));
        Assert.Equal("42P01", noTable.SqlState);
        // Names are exact: ID is not id.
        var noColumn = await Assert.ThrowsAsync<PgWireServerException>(() => connection.BulkInsertAsync(table, ["ID"], new[] { 1 }));
        Assert.Equal("42703", noColumn.SqlState);
        Assert.Equal(0, await CountAsync(connection, table));
    }

    [Fact]
    public void Names_are_quoted_and_dots_split_the_table_name_outside_quotes()
    {
        Assert.Equal("COPY \"public\".\"Orders\" (\"a\", \"b\"\"c\", \"d.e\") FROM STDIN (FORMAT BINARY)",
            BulkInserter.CopyCommand("public.Orders", ["a", "b\"c", "d.e"], out var names));
        Assert.Equal(["a", "b\"c", "d.e"], names);
        Assert.Equal("COPY \"my.schema\".\"t\"\"x\" (\"Q\") FROM STDIN (FORMAT BINARY)",
            BulkInserter.CopyCommand("\"my.schema\".\"t\"\"x\"", ["\"Q\""], out _));
        Assert.Equal("COPY \"x\"\"; DROP TABLE y; --\" (\"a\") FROM STDIN (FORMAT BINARY)",
            BulkInserter.CopyCommand("x\"; DROP TABLE y; --", ["a"], out _));
        Assert.Throws<ArgumentException>(() => BulkInserter.CopyCommand("a..b", ["a"], out _));
        Assert.Throws<ArgumentException>(() => BulkInserter.CopyCommand("a.b.c.d", ["a"], out _));
        Assert.Throws<ArgumentException>(() => BulkInserter.CopyCommand("\"a\"b", ["a"], out _));
        Assert.Throws<ArgumentException>(() => BulkInserter.CopyCommand("t", ["\"a\"b"], out _));
        Assert.Throws<ArgumentException>(() => BulkInserter.CopyCommand("t", [""], out _));
    }
}
