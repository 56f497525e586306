using System.Data;
using System.Data.Common;
using System.Net;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.AdoNet;

public enum ConventionMood { Happy, Sad, VerySad }

/// <summary>
/// ADO.NET behaviour a user of a mature provider relies on, in the order issue 13 lists it: values never read wrong,
/// the reader, connection, command, parameters, transactions and column schema.
/// </summary>
[Collection(ServerCollection.Name)]
public class AdoNetConventionsTests(ServerFixture fixture)
{
    private async Task<PgWireConnection> OpenAsync(string extra = "")
    {
        var connection = new PgWireConnection(fixture.ConnectionString + (extra.Length > 0 ? ";" + extra : ""));
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<PgWireDataReader> ReadOneAsync(PgWireConnection connection, string sql)
    {
        var reader = await new PgWireCommand(sql, connection).ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return reader;
    }

    [Fact]
    public async Task A_command_made_with_a_transaction_runs_in_it()
    {
        await using var connection = await OpenAsync();
        await using (var create = new PgWireCommand("CREATE TEMP TABLE in_tx (v int)", connection)) await create.ExecuteNonQueryAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var insert = new PgWireCommand("INSERT INTO in_tx VALUES (1)", connection, transaction);
            Assert.Same(transaction, insert.Transaction);
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            await transaction.RollbackAsync();
        }
        await using var count = new PgWireCommand("SELECT count(*) FROM in_tx", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Prepare_before_the_values_are_set_then_execute_with_each_set()
    {
        await using var connection = await OpenAsync();
        await using (var create = new PgWireCommand("CREATE TEMP TABLE prepared_first (id int, name text, amount numeric)", connection)) await create.ExecuteNonQueryAsync();
        await using var insert = new PgWireCommand("INSERT INTO prepared_first VALUES ($1, $2, $3)", connection);
        var id = new PgWireParameter<int>();
        var name = new PgWireParameter<string>();
        var amount = new PgWireParameter<decimal>();
        insert.Parameters.Add(id);
        insert.Parameters.Add(name);
        insert.Parameters.Add(amount);
        await insert.PrepareAsync(); // as with Npgsql or SqlClient: typed parameters, values set later
        for (var i = 0; i < 5; i++)
        {
            (id.TypedValue, name.TypedValue, amount.TypedValue) = (i, "n" + i, i * 1.5m);
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }
        await using (var sum = new PgWireCommand("SELECT sum(id)::int, sum(amount), string_agg(name, ',' ORDER BY id) FROM prepared_first", connection))
        await using (var reader = await sum.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((10, 15m, "n0,n1,n2,n3,n4"), (reader.GetInt32(0), reader.GetDecimal(1), reader.GetString(2)));
        }

        // Executing without a value is still refused.
        await using var missing = new PgWireCommand("SELECT $1::int", connection) { Parameters = { new PgWireParameter<int>() } };
        await missing.PrepareAsync();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => missing.ExecuteScalarAsync());
        Assert.Contains("has no Value", e.Message, StringComparison.Ordinal);
    }

    // ---- Wrong values ----

    [Fact]
    public async Task Cidr_keeps_its_prefix_and_is_never_read_as_a_bare_address()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection, "SELECT '10.0.0.0/8'::cidr, '10.0.0.0/16'::cidr, '10.1.2.3/8'::inet, '10.1.2.3'::inet");
        Assert.Equal(typeof(IPNetwork), reader.GetFieldType(0));
        Assert.Equal(IPNetwork.Parse("10.0.0.0/8"), reader.GetValue(0));
        Assert.Equal(IPNetwork.Parse("10.0.0.0/16"), reader.GetFieldValue<object>(1));
        Assert.NotEqual(reader.GetValue(0), reader.GetValue(1));
        Assert.Equal(new PgInet(IPAddress.Parse("10.0.0.0"), 8), reader.GetFieldValue<PgInet>(0));
        Assert.Throws<InvalidCastException>(() => reader.GetFieldValue<IPAddress>(0));
        // An inet's netmask would be lost the same way: refused as IPAddress, kept as PgInet.
        Assert.Throws<InvalidCastException>(() => reader.GetFieldValue<IPAddress>(2));
        Assert.Equal(new PgInet(IPAddress.Parse("10.1.2.3"), 8), reader.GetFieldValue<PgInet>(2));
        Assert.Equal(IPAddress.Parse("10.1.2.3"), reader.GetValue(3));
    }

    [Fact]
    public async Task Numeric_is_not_read_as_a_string_and_PgNumeric_keeps_every_digit()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection, "SELECT 123456789012345678901234567890.123456789::numeric");
        Assert.Throws<OverflowException>(() => reader.GetDecimal(0));
        Assert.Equal("123456789012345678901234567890.123456789", reader.GetFieldValue<PgNumeric>(0).ToString());
    }

    // ---- The reader ----

    [Fact]
    public async Task GetOrdinal_works_before_the_first_row_after_the_last_and_without_rows()
    {
        await using var connection = await OpenAsync();
        await using (var reader = await new PgWireCommand("SELECT 1 AS a, 2 AS \"B\"", connection).ExecuteReaderAsync())
        {
            Assert.Equal(1, reader.GetOrdinal("B"));
            Assert.Equal(1, reader.GetOrdinal("b"));
            Assert.True(await reader.ReadAsync());
            Assert.False(await reader.ReadAsync());
            Assert.Equal(0, reader.GetOrdinal("a"));
            Assert.Throws<IndexOutOfRangeException>(() => reader.GetOrdinal("missing"));
        }
        await using (var reader = await new PgWireCommand("SELECT 1 AS a WHERE false", connection).ExecuteReaderAsync())
        {
            Assert.False(reader.HasRows);
            Assert.Equal(0, reader.GetOrdinal("a"));
            Assert.Equal("a", reader.GetName(0));
        }
    }

    [Fact]
    public async Task An_ordinal_out_of_range_is_IndexOutOfRangeException()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection, "SELECT 1 AS a");
        Assert.Throws<IndexOutOfRangeException>(() => reader.GetName(1));
        Assert.Throws<IndexOutOfRangeException>(() => reader.GetFieldType(-1));
        Assert.Throws<IndexOutOfRangeException>(() => reader.GetDataTypeName(5));
        Assert.Throws<IndexOutOfRangeException>(() => reader.GetInt32(1));
        Assert.Throws<IndexOutOfRangeException>(() => reader.GetValue(1));
        Assert.Throws<IndexOutOfRangeException>(() => reader.IsDBNull(1));
        Assert.Throws<IndexOutOfRangeException>(() => reader[1]);
    }

    [Fact]
    public async Task A_statement_without_rows_has_no_columns_and_a_closed_reader_has_no_FieldCount()
    {
        await using var connection = await OpenAsync();
        await new PgWireCommand("DROP TABLE IF EXISTS conv_norows; CREATE TABLE conv_norows (v int)", connection).ExecuteNonQueryAsync();
        var reader = await new PgWireCommand("INSERT INTO conv_norows VALUES (1)", connection).ExecuteReaderAsync();
        Assert.Equal(0, reader.FieldCount);
        Assert.Throws<InvalidOperationException>(() => reader.GetName(0));
        Assert.Throws<InvalidOperationException>(() => reader.GetFieldType(0));
        Assert.Throws<InvalidOperationException>(() => reader.GetDataTypeName(0));
        Assert.Throws<InvalidOperationException>(() => reader.GetOrdinal("v"));
        Assert.Throws<InvalidOperationException>(() => reader.GetValues(new object[1]));
        Assert.Null(reader.GetSchemaTable());
        Assert.Null(await reader.GetSchemaTableAsync());
        Assert.False(await reader.ReadAsync());
        await reader.CloseAsync();
        Assert.Equal(1, reader.RecordsAffected);
        Assert.Throws<InvalidOperationException>(() => reader.FieldCount);
    }

    [Fact]
    public async Task A_closed_reader_keeps_its_own_results_while_later_commands_run_on_the_connection()
    {
        await using var connection = await OpenAsync();
        await new PgWireCommand("DROP TABLE IF EXISTS conv_later; CREATE TABLE conv_later (v int)", connection).ExecuteNonQueryAsync();
        var first = await new PgWireCommand("INSERT INTO conv_later VALUES (1), (2), (3)", connection).ExecuteReaderAsync();
        await first.CloseAsync();
        var described = first.ToString();

        // The next commands reuse what the session kept from the first: the first reader must not see their state.
        await using (var second = await new PgWireCommand("SELECT v FROM conv_later ORDER BY v; DELETE FROM conv_later WHERE v = 1", connection).ExecuteReaderAsync())
        {
            Assert.True(await second.ReadAsync());
            Assert.Equal(1, second.GetInt32(0));
            Assert.Equal(3, first.RecordsAffected);
            Assert.Equal(described, first.ToString());
            Assert.Throws<InvalidOperationException>(() => first.GetInt32(0));
            Assert.Throws<InvalidOperationException>(() => first.HasRows);
            await Assert.ThrowsAsync<InvalidOperationException>(() => first.ReadAsync());
            while (await second.NextResultAsync()) { }
            await second.CloseAsync();
            Assert.Equal(1, second.RecordsAffected);
        }
        Assert.Equal(3, first.RecordsAffected);
        Assert.Equal(2L, await new PgWireCommand("SELECT count(*) FROM conv_later", connection).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Typed_getters_widen_always_and_narrow_when_the_value_fits()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection,
            "SELECT 7::int2, 70000::int4, 5000000000::int8, 12::int8, 1.5::float4, 2.25::numeric, 300::int2, 3.5::float8, 1e300::float8, 1e39::numeric, 12.0::numeric, 12.5::numeric");
        Assert.Equal(7L, reader.GetInt64(0));
        Assert.Equal(70000L, reader.GetInt64(1));
        Assert.Equal(7m, reader.GetDecimal(0));
        Assert.Equal(70000m, reader.GetDecimal(1));
        Assert.Equal(5000000000m, reader.GetDecimal(2));
        Assert.Equal(70000d, reader.GetDouble(1));
        Assert.Equal(1.5d, reader.GetDouble(4));
        Assert.Equal(2.25d, reader.GetDouble(5));
        Assert.Equal(2.25f, reader.GetFloat(5));
        Assert.Equal(12, reader.GetInt32(3));
        Assert.Equal((short)12, reader.GetInt16(3));
        Assert.Equal((byte)7, reader.GetByte(0));
        Assert.Equal(3.5f, reader.GetFloat(7));
        Assert.Equal(12, reader.GetInt32(10));
        Assert.Equal(12L, reader.GetFieldValue<long?>(10));
        Assert.Equal((short)7, reader.GetFieldValue<short?>(1 - 1));
        Assert.Throws<OverflowException>(() => reader.GetInt32(2));
        Assert.Throws<OverflowException>(() => reader.GetInt16(1));
        Assert.Throws<OverflowException>(() => reader.GetByte(6));
        Assert.Throws<OverflowException>(() => reader.GetFloat(8));
        Assert.Throws<OverflowException>(() => reader.GetFloat(9));
        Assert.Throws<OverflowException>(() => reader.GetFieldValue<int?>(2));
        // Exact types never round: a fraction is not an integer, a binary float is not a decimal.
        Assert.Throws<InvalidCastException>(() => reader.GetInt32(11));
        Assert.Throws<InvalidCastException>(() => reader.GetInt32(7));
        Assert.Throws<InvalidCastException>(() => reader.GetDecimal(4));
    }

    [Fact]
    public async Task GetString_reads_text_types_only()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection,
            "SELECT 1.5::numeric, 1::int4, true, now(), gen_random_uuid(), '\\x01'::bytea, 'x'::text, 'y'::varchar, 'z'::char(3), '{}'::jsonb, 'n'::name");
        for (var i = 0; i <= 5; i++)
        {
            var e = Assert.Throws<InvalidCastException>(() => reader.GetString(i));
            Assert.Contains(reader.GetDataTypeName(i), e.Message);
            Assert.Throws<InvalidCastException>(() => reader.GetFieldValue<string>(i));
        }
        Assert.Equal("x", reader.GetString(6));
        Assert.Equal("y", reader.GetString(7));
        Assert.Equal("z  ", reader.GetString(8));
        Assert.Equal("{}", reader.GetString(9));
        Assert.Equal("n", reader.GetString(10));
    }

    [Fact]
    public async Task GetChar_reads_the_first_character_and_char_1_reads_as_Char()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection, "SELECT 'a'::char(1), 'héllo'::text, ''::text, 'q'::\"char\"");
        Assert.Equal('a', reader.GetChar(0));
        Assert.Equal('a', reader.GetFieldValue<char>(0));
        Assert.Equal('h', reader.GetChar(1));
        Assert.Throws<InvalidCastException>(() => reader.GetChar(2));
        Assert.Equal('q', reader.GetChar(3));
    }

    [Fact]
    public async Task TextReader_and_Stream_read_like_GetTextReader_and_GetStream_and_NULL_is_an_exception()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection, "SELECT 'some text'::text, '\\x010203'::bytea, NULL::text, NULL::bytea");
        Assert.Equal("some text", await reader.GetFieldValue<TextReader>(0).ReadToEndAsync());
        Assert.Equal("some text", await reader.GetTextReader(0).ReadToEndAsync());
        using (var stream = reader.GetFieldValue<Stream>(1))
        {
            var bytes = new byte[10];
            Assert.Equal(3, stream.Read(bytes));
            Assert.Equal(new byte[] { 1, 2, 3 }, bytes[..3]);
        }
        Assert.Equal(3, reader.GetStream(1).Length);
        // NULL is never read as an empty text or stream: that would lose the difference between NULL and ''.
        Assert.Throws<InvalidCastException>(() => reader.GetTextReader(2));
        Assert.Throws<InvalidCastException>(() => reader.GetFieldValue<TextReader>(2));
        Assert.Throws<InvalidCastException>(() => reader.GetStream(3));
        Assert.Throws<InvalidCastException>(() => reader.GetFieldValue<Stream>(3));
    }

    [Fact]
    public async Task Time_24_00_reads_as_TimeSpan_and_an_integer_reads_as_decimal()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection, "SELECT '24:00:00'::time, 42::int4");
        Assert.Equal(TimeSpan.FromDays(1), reader.GetFieldValue<TimeSpan>(0));
        Assert.Throws<InvalidCastException>(() => reader.GetFieldValue<TimeOnly>(0));
        Assert.Equal(42m, reader.GetDecimal(1));
        Assert.Equal(42m, reader.GetFieldValue<decimal>(1));
    }

    [Fact]
    public async Task GetBytes_and_GetChars_name_the_argument_out_of_range()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection, "SELECT '\\x0102030405'::bytea, 'abcde'::text");
        var bytes = new byte[4];
        var chars = new char[4];
        Assert.Equal(2, reader.GetBytes(0, 3, bytes, 0, 4));
        Assert.Equal(0, reader.GetBytes(0, 5, bytes, 0, 4));
        Assert.Equal("dataOffset", Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetBytes(0, 6, bytes, 0, 1)).ParamName);
        Assert.Equal("dataOffset", Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetBytes(0, -1, bytes, 0, 1)).ParamName);
        Assert.Equal("bufferOffset", Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetBytes(0, 0, bytes, 5, 1)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetBytes(0, 0, bytes, 2, 3)).ParamName);
        Assert.Equal(2, reader.GetChars(1, 3, chars, 0, 4));
        Assert.Equal("dataOffset", Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetChars(1, 9, chars, 0, 1)).ParamName);
        Assert.Equal("bufferOffset", Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetChars(1, 0, chars, 9, 1)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetChars(1, 0, chars, 0, 5)).ParamName);
    }

    [Theory]
    [InlineData(CommandBehavior.SingleRow)]
    [InlineData(CommandBehavior.SingleResult)]
    public async Task SingleRow_and_SingleResult_stop_after_the_first_result(CommandBehavior behavior)
    {
        await using var connection = await OpenAsync();
        await using (var reader = await new PgWireCommand("SELECT 1 UNION ALL SELECT 2; SELECT 3", connection).ExecuteReaderAsync(behavior))
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(1, reader.GetInt32(0));
            Assert.False(await reader.NextResultAsync());
            Assert.False(reader.NextResult());
        }
        Assert.Equal(5, await new PgWireCommand("SELECT 5", connection).ExecuteScalarAsync()); // the connection is free
    }

    [Fact]
    public async Task The_numeric_maximum_reads_as_decimal_and_past_it_is_an_overflow()
    {
        await using var connection = await OpenAsync();
        await using var reader = await ReadOneAsync(connection,
            "SELECT 79228162514264337593543950335::numeric, -79228162514264337593543950335::numeric, 79228162514264337593543950336::numeric, 79228162514264337593543950335.000::numeric");
        Assert.Equal(decimal.MaxValue, reader.GetDecimal(0));
        Assert.Equal(decimal.MinValue, reader.GetDecimal(1));
        var e = Assert.Throws<OverflowException>(() => reader.GetDecimal(2));
        Assert.Contains("numeric", e.Message);
        Assert.Equal(decimal.MaxValue, reader.GetDecimal(3));
    }

    [Fact]
    public async Task A_mapped_enum_reads_as_its_NET_enum()
    {
        await using (var setup = await OpenAsync())
            await new PgWireCommand("DROP TYPE IF EXISTS conv_mood CASCADE; CREATE TYPE conv_mood AS ENUM ('happy', 'sad', 'very_sad')", setup).ExecuteNonQueryAsync();
        await using var dataSource = fixture.CreateDataSourceBuilder().MapEnum<ConventionMood>("conv_mood").Build();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var reader = await ReadOneAsync(connection, "SELECT 'very_sad'::conv_mood, ARRAY['sad', 'happy']::conv_mood[]");
        Assert.Equal(typeof(ConventionMood), reader.GetFieldType(0));
        Assert.Equal(ConventionMood.VerySad, reader.GetValue(0));
        Assert.Equal("very_sad", reader.GetString(0));
        Assert.Equal(new[] { ConventionMood.Sad, ConventionMood.Happy }, reader.GetValue(1));
    }

    // ---- Connection ----

    [Fact]
    public async Task The_connection_names_its_factory_and_a_new_one_has_empty_names()
    {
        await using var connection = new PgWireConnection();
        Assert.Same(PgWireFactory.Instance, DbProviderFactories.GetFactory(connection));
        Assert.Equal("", connection.Database);
        Assert.Equal("", connection.DataSource);
        Assert.Equal("", connection.ConnectionString);
    }

    [Fact]
    public async Task OpenAsync_with_a_cancelled_token_throws_and_stays_closed()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await connection.CloseAsync(); // an idle connection waits in the pool: the token must still be honoured
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.OpenAsync(new CancellationToken(canceled: true)));
        Assert.Equal(ConnectionState.Closed, connection.State);
        await connection.OpenAsync();
        Assert.Equal(ConnectionState.Open, connection.State);
    }

    // ---- Command ----

    [Fact]
    public async Task A_command_cannot_change_while_its_reader_is_open()
    {
        await using var connection = await OpenAsync();
        await using var other = await OpenAsync();
        await using var command = new PgWireCommand("SELECT 1", connection);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.Throws<InvalidOperationException>(() => command.CommandText = "SELECT 2");
            Assert.Throws<InvalidOperationException>(() => command.Connection = other);
            Assert.Throws<InvalidOperationException>(() => ((DbCommand)command).Connection = other);
            Assert.Throws<InvalidOperationException>(() => command.Transaction = null);
        }
        command.CommandText = "SELECT 2";
        Assert.Equal(2, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_command_runs_only_in_its_connection_s_current_transaction()
    {
        await using var connection = await OpenAsync();
        await using var other = await OpenAsync();
        await using var otherTransaction = await other.BeginTransactionAsync();
        await using var stranger = new PgWireCommand("SELECT 1", connection) { Transaction = otherTransaction };
        Assert.Throws<InvalidOperationException>(() => stranger.ExecuteScalar());

        await using var transaction = await connection.BeginTransactionAsync();
        await using var without = new PgWireCommand("SELECT 1", connection);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => without.ExecuteScalarAsync());
        Assert.Contains("Transaction", e.Message);
        await using var created = connection.CreateCommand();
        Assert.Same(transaction, created.Transaction);
        created.CommandText = "SELECT 1";
        Assert.Equal(1, await created.ExecuteScalarAsync());
        await transaction.CommitAsync();
        // Once committed the command's Transaction is null again, and it runs outside any.
        Assert.Null(created.Transaction);
        Assert.Equal(1, await created.ExecuteScalarAsync());
    }

    // ---- Parameters ----

    [Fact]
    public async Task Parameters_are_checked_before_anything_is_sent()
    {
        await using var connection = await OpenAsync();
        await using var command = new PgWireCommand("SELECT @a", connection);
        Assert.Throws<ArgumentNullException>(() => command.Parameters.Add(null!));
        Assert.Throws<ArgumentNullException>(() => ((DbParameterCollection)command.Parameters).Add((object)null!));
        Assert.Equal("", new PgWireParameter().SourceColumn);
        Assert.Equal("", new PgWireParameter { SourceColumn = null }.SourceColumn);

        command.Parameters.Add(new PgWireParameter("a", DbType.Int32));
        var unset = await Assert.ThrowsAsync<InvalidOperationException>(() => command.ExecuteScalarAsync());
        Assert.Contains("'a'", unset.Message);

        command.Parameters[0] = new PgWireParameter("a", new Uri("http://example.com"));
        var unknown = await Assert.ThrowsAsync<NotSupportedException>(() => command.ExecuteScalarAsync());
        Assert.Contains("'a'", unknown.Message);
        Assert.Contains("System.Uri", unknown.Message);

        Assert.Equal(7, await new PgWireCommand("SELECT 7", connection).ExecuteScalarAsync()); // nothing was sent
    }

    [Fact]
    public async Task A_Stream_parameter_is_sent_as_bytea_from_its_position_to_its_end()
    {
        await using var connection = await OpenAsync();
        var memory = new MemoryStream([9, 1, 2, 3]) { Position = 1 };
        await using var command = new PgWireCommand("SELECT @s, pg_typeof(@s)::text", connection);
        command.Parameters.AddWithValue("s", memory);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(new byte[] { 1, 2, 3 }, reader.GetFieldValue<byte[]>(0));
        Assert.Equal("bytea", reader.GetString(1));
        await reader.CloseAsync();

        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, [4, 5]);
            await using var file = File.OpenRead(path);
            command.Parameters[0].Value = file;
            Assert.Equal(new byte[] { 4, 5 }, await command.ExecuteScalarAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task DbType_Time_sends_a_time_of_day_from_TimeSpan_or_TimeOnly()
    {
        await using var connection = await OpenAsync();
        await using var command = new PgWireCommand("SELECT @a, @b, pg_typeof(@a)::text", connection);
        command.Parameters.Add(new PgWireParameter("a", DbType.Time) { Value = new TimeSpan(24, 0, 0) });
        command.Parameters.Add(new PgWireParameter("b", DbType.Time) { Value = new TimeOnly(7, 30) });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(TimeSpan.FromDays(1), reader.GetFieldValue<TimeSpan>(0));
        Assert.Equal(new TimeOnly(7, 30), reader.GetFieldValue<TimeOnly>(1));
        Assert.Equal("time without time zone", reader.GetString(2));
    }

    // ---- Transactions ----

    [Fact]
    public async Task A_disposed_transaction_cannot_commit_or_roll_back()
    {
        await using var connection = await OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await transaction.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => transaction.Commit());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => transaction.RollbackAsync());
        var sync = connection.BeginTransaction();
        sync.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sync.Rollback());
    }

    // ---- Column schema ----

    [Fact]
    public async Task Column_schema_is_read_on_the_reader_s_own_connection()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Timeout=3");
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // Created in this uncommitted transaction: no other connection could see it (and the pool has no other).
        await new PgWireCommand("CREATE TABLE conv_schema (id int PRIMARY KEY, name text NOT NULL, note text)", connection) { Transaction = transaction }
            .ExecuteNonQueryAsync();
        await new PgWireCommand("INSERT INTO conv_schema SELECT g, 'n' || g, NULL FROM generate_series(1, 5000) g", connection) { Transaction = transaction }
            .ExecuteNonQueryAsync();
        await using var command = new PgWireCommand("SELECT id, name, note, 1 AS one FROM conv_schema ORDER BY id; SELECT 'second'", connection) { Transaction = transaction };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var columns = await reader.GetColumnSchemaAsync();
        Assert.Equal("conv_schema", columns[0].BaseTableName);
        Assert.True(columns[0].IsKey);
        Assert.False(columns[1].AllowDBNull);
        Assert.True(columns[2].AllowDBNull);
        Assert.Null(columns[3].BaseTableName);
        var table = reader.GetSchemaTable()!;
        Assert.Equal("name", table.Rows[1][SchemaTableColumn.BaseColumnName]);
        // The rows still arriving were kept: every one is read, in order, and then the next result.
        var expected = 1;
        do
        {
            Assert.Equal(expected, reader.GetInt32(0));
            Assert.Equal("n" + expected, reader.GetString(1));
            expected++;
        } while (await reader.ReadAsync());
        Assert.Equal(5001, expected);
        Assert.True(await reader.NextResultAsync());
        Assert.True(await reader.ReadAsync());
        Assert.Equal("second", reader.GetString(0));
    }

    [Fact]
    public async Task One_column_type_describes_a_column_natively_and_to_ADO_NET()
    {
        await using var connection = await OpenAsync();
        await new PgWireCommand("DROP TABLE IF EXISTS conv_coltype; CREATE TABLE conv_coltype (id int PRIMARY KEY, price numeric(10,2))", connection).ExecuteNonQueryAsync();
        await using var reader = await new PgWireCommand("SELECT id, price FROM conv_coltype", connection).ExecuteReaderAsync();
        var native = reader.GetColumns();
        var schema = await reader.GetColumnSchemaAsync();
        var price = Assert.IsType<PgColumn>(schema[1]);
        Assert.Equal(("price", "price", 10, 2, typeof(decimal)), (price.Name, price.ColumnName, price.NumericPrecision, price.NumericScale, price.DataType));
        Assert.Equal("conv_coltype", price.BaseTableName);
        Assert.True(schema[0].IsKey);
        // The reader's own column objects are not changed by loading the schema: they describe only the result.
        Assert.Equal(native[1].TypeOid, price.TypeOid);
        Assert.Null(native[1].BaseTableName);
        Assert.False(native[0].IsKey);
    }

    [Fact]
    public async Task Column_schema_of_a_command_failing_in_a_transaction_leaves_the_error_to_the_reader()
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT g, 10 / (3 - g) AS q FROM generate_series(1, 5) g";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var columns = await reader.GetColumnSchemaAsync();
        Assert.Equal(["g", "q"], columns.Select(c => c.ColumnName));
        Assert.Equal(5, reader.GetInt32(1));
        Assert.True(await reader.ReadAsync());
        Assert.Equal(10, reader.GetInt32(1));
        var e = await Assert.ThrowsAsync<PgWireServerException>(() => reader.ReadAsync());
        Assert.Equal("22012", e.SqlState);
    }

    // ---- Data adapter and command builder ----

    [Fact]
    public async Task A_data_adapter_fills_a_table_and_its_command_builder_writes_edits_back()
    {
        await using (var setup = await OpenAsync())
            await new PgWireCommand("""
                DROP TABLE IF EXISTS "conv adapter";
                CREATE TABLE "conv adapter" (id int PRIMARY KEY, "Name" text NOT NULL, note text, price numeric(10,2));
                INSERT INTO "conv adapter" VALUES (1, 'one', NULL, 1.50), (2, 'two', 'x', 2.00), (3, 'three', NULL, NULL);
                """, setup).ExecuteNonQueryAsync();
        var factory = DbProviderFactories.GetFactory(new PgWireConnection())!;
        Assert.True(factory.CanCreateDataAdapter);
        Assert.True(factory.CanCreateCommandBuilder);

        using var connection = new PgWireConnection(fixture.ConnectionString);
        using var adapter = (PgWireDataAdapter)factory.CreateDataAdapter()!;
        adapter.SelectCommand = new PgWireCommand("SELECT id, \"Name\", note, price FROM \"conv adapter\" ORDER BY id", connection);
        using var builder = (PgWireCommandBuilder)factory.CreateCommandBuilder()!;
        builder.DataAdapter = adapter;
        Assert.Contains("\"conv adapter\"", builder.GetUpdateCommand().CommandText);
        Assert.Contains("\"Name\"", builder.GetInsertCommand().CommandText);

        var table = new DataTable();
        Assert.Equal(3, adapter.Fill(table));
        Assert.Equal(ConnectionState.Closed, connection.State); // Fill opened and closed it
        Assert.Equal(typeof(int), table.Columns["id"]!.DataType);
        Assert.Equal("two", table.Rows[1]["Name"]);
        Assert.Equal(DBNull.Value, table.Rows[0]["note"]);

        table.Rows[0]["note"] = "edited";
        table.Rows[1]["price"] = 9.99m;
        table.Rows[2].Delete();
        table.Rows.Add(4, "four", DBNull.Value, 4.25m);
        Assert.Equal(4, adapter.Update(table));

        await using var check = await OpenAsync();
        await using (var reader = await new PgWireCommand("SELECT id, \"Name\", note, price FROM \"conv adapter\" ORDER BY id", check).ExecuteReaderAsync())
        {
            var rows = new List<string>();
            while (await reader.ReadAsync())
                rows.Add($"{reader.GetInt32(0)} {reader.GetString(1)} {(reader.IsDBNull(2) ? "null" : reader.GetString(2))} {(reader.IsDBNull(3) ? "null" : reader.GetDecimal(3))}");
            Assert.Equal(["1 one edited 1.50", "2 two x 9.99", "4 four null 4.25"], rows);
        }

        // Optimistic concurrency: a row changed by someone else since it was read is not overwritten.
        var stale = new DataTable();
        adapter.Fill(stale);
        await new PgWireCommand("UPDATE \"conv adapter\" SET note = 'theirs' WHERE id = 1", check).ExecuteNonQueryAsync();
        stale.Rows[0]["note"] = "mine";
        Assert.Throws<DBConcurrencyException>(() => adapter.Update(stale));
        Assert.Equal("theirs", await new PgWireCommand("SELECT note FROM \"conv adapter\" WHERE id = 1", check).ExecuteScalarAsync());
    }
}
