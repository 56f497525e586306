using System.Data;
using System.Data.Common;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.AdoNet;

[Collection(ServerCollection.Name)]
public class AdoNetTests(ServerFixture fixture)
{
    private async Task<PgWireConnection> OpenAsync(string extra = "")
    {
        var connection = new PgWireConnection(fixture.ConnectionString + (extra.Length > 0 ? ";" + extra : ""));
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task Open_close_state_and_server_facts()
    {
        var connection = new PgWireConnection(fixture.ConnectionString);
        var changes = new List<(ConnectionState, ConnectionState)>();
        connection.StateChange += (_, e) => changes.Add((e.OriginalState, e.CurrentState));
        Assert.Equal(ConnectionState.Closed, connection.State);
        Assert.Throws<InvalidOperationException>(() => connection.ServerVersion);
        connection.Open();
        Assert.Equal(ConnectionState.Open, connection.State);
        // The server's own answer (the test server may run any major version: PGWIRE_TEST_PG_VERSION).
        await using (var show = new PgWireCommand("SHOW server_version", connection))
            Assert.Equal((string)(await show.ExecuteScalarAsync())!, connection.ServerVersion);
        if (fixture.Server.MajorVersion is { } major) Assert.StartsWith($"{major}.", connection.ServerVersion);
        Assert.Equal("postgres", connection.Database);
        Assert.Equal(fixture.Server.Host, connection.DataSource);
        Assert.Throws<InvalidOperationException>(() => connection.Open());
        await connection.CloseAsync();
        Assert.Equal(ConnectionState.Closed, connection.State);
        Assert.Equal([(ConnectionState.Closed, ConnectionState.Open), (ConnectionState.Open, ConnectionState.Closed)], changes);
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task Named_and_positional_parameters_scalar_and_nonquery()
    {
        await using var connection = await OpenAsync();
        await using var create = new PgWireCommand("DROP TABLE IF EXISTS ado_items; CREATE TABLE ado_items (id int PRIMARY KEY, name text, price numeric, seen timestamptz)", connection);
        Assert.Equal(-1, await create.ExecuteNonQueryAsync());

        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO ado_items VALUES (@id, @name, :price, @seen), (@id + 1, @name || '!', NULL, NULL)";
        insert.Parameters.AddWithValue("id", 1);
        insert.Parameters.AddWithValue("@name", "first");
        insert.Parameters.Add(new PgWireParameter("price", DbType.Decimal) { Value = 9.5 });
        insert.Parameters.Add(new PgWireParameter<DateTime>("seen", new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc)));
        Assert.Equal(2, insert.ExecuteNonQuery());

        await using var scalar = new PgWireCommand("SELECT count(*) FROM ado_items WHERE id >= $1", connection);
        scalar.Parameters.AddWithValue(1);
        Assert.Equal(2L, await scalar.ExecuteScalarAsync());

        await using var nullScalar = new PgWireCommand("SELECT price FROM ado_items WHERE id = 2", connection);
        Assert.Equal(DBNull.Value, nullScalar.ExecuteScalar());
        await using var noRow = new PgWireCommand("SELECT price FROM ado_items WHERE id = 99", connection);
        Assert.Null(noRow.ExecuteScalar());
    }

    [Fact]
    public async Task Reader_getters_schema_and_several_results()
    {
        await using var connection = await OpenAsync();
        await using var command = new PgWireCommand(
            "SELECT 1::int2 AS s, 2 AS i, 3::int8 AS l, 1.5::float4 AS f, 2.5::float8 AS d, 12.5::numeric AS n, true AS b, 'x' AS t, " +
            "'\\x0102'::bytea AS bytes, '00112233-4455-6677-8899-aabbccddeeff'::uuid AS g, '2024-01-02 03:04:05'::timestamp AS ts, NULL::int AS nothing; " +
            "CREATE TEMP TABLE ado_tmp (v int); " +
            "SELECT v FROM generate_series(1, 3) v", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(reader.HasRows);
        Assert.Equal(12, reader.FieldCount);
        Assert.True(await reader.ReadAsync());
        Assert.Equal((short)1, reader.GetInt16(0));
        Assert.Equal(2, reader.GetInt32(reader.GetOrdinal("I")));
        Assert.Equal(3L, reader.GetInt64(2));
        Assert.Equal(1.5f, reader.GetFloat(3));
        Assert.Equal(2.5, reader.GetDouble(4));
        Assert.Equal(12.5m, reader.GetDecimal(5));
        Assert.True(reader.GetBoolean(6));
        Assert.Equal("x", reader.GetString(7));
        Assert.Equal('x', reader.GetChar(7));
        Assert.Equal(new byte[] { 1, 2 }, (byte[])reader["bytes"]);
        Assert.Equal(2, reader.GetBytes(8, 0, null, 0, 0));
        Assert.Equal(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), reader.GetGuid(9));
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5), reader.GetDateTime(10));
        Assert.True(reader.IsDBNull(11));
        Assert.Equal(DBNull.Value, reader.GetValue(11));
        Assert.Null(reader.GetFieldValue<int?>(11));
        Assert.Throws<InvalidCastException>(() => reader.GetInt32(11));
        Assert.Equal("integer", reader.GetDataTypeName(1));
        Assert.Equal(typeof(long), reader.GetFieldType(2));
        Assert.Equal("nothing", reader.GetName(11));
        var values = new object[12];
        Assert.Equal(12, reader.GetValues(values));
        Assert.False(await reader.ReadAsync());

        Assert.True(await reader.NextResultAsync()); // the CREATE TEMP TABLE in between returns no result set
        Assert.Equal(1, reader.FieldCount);
        var seen = new List<int>();
        while (reader.Read()) seen.Add(reader.GetInt32(0));
        Assert.Equal([1, 2, 3], seen);
        Assert.False(reader.NextResult());
        Assert.Equal(-1, reader.RecordsAffected);
    }

    [Fact]
    public async Task Misuse_gets_the_exceptions_ADO_NET_documents()
    {
        var closed = new PgWireConnection(fixture.ConnectionString);
        await using var onClosed = new PgWireCommand("SELECT 1", closed);
        Assert.Throws<InvalidOperationException>(() => onClosed.ExecuteScalar());

        await using var connection = await OpenAsync();
        await using var reader = await new PgWireCommand("SELECT 1", connection).ExecuteReaderAsync();
        Assert.Throws<InvalidOperationException>(() => reader.GetInt32(0)); // no Read yet
        var busy = Assert.Throws<InvalidOperationException>(() => new PgWireCommand("SELECT 2", connection).ExecuteScalar());
        Assert.Contains("reader", busy.Message);
        await reader.CloseAsync();
        Assert.Throws<InvalidOperationException>(() => reader.Read());
        Assert.Equal(2, new PgWireCommand("SELECT 2", connection).ExecuteScalar());

        var missing = new PgWireCommand("SELECT @nope", connection);
        missing.Parameters.AddWithValue("other", 1);
        Assert.Contains("@nope", Assert.Throws<InvalidOperationException>(() => missing.ExecuteScalar()).Message);

        var output = new PgWireCommand("SELECT @x", connection);
        output.Parameters.Add(new PgWireParameter("x", 1) { Direction = ParameterDirection.Output });
        Assert.Throws<NotSupportedException>(() => output.ExecuteScalar());

        var badType = new PgWireCommand("SELECT @x", connection);
        badType.Parameters.Add(new PgWireParameter("x", "not a number") { DataTypeName = "int4" });
        Assert.Throws<InvalidCastException>(() => badType.ExecuteScalar());
        Assert.Equal(3, new PgWireCommand("SELECT 3", connection).ExecuteScalar());
    }

    [Fact]
    public async Task Transactions_commit_rollback_savepoints_and_dispose()
    {
        await using var connection = await OpenAsync();
        await new PgWireCommand("DROP TABLE IF EXISTS ado_tx; CREATE TABLE ado_tx (v int)", connection).ExecuteNonQueryAsync();
        async Task<long> Count() => (long)(await new PgWireCommand("SELECT count(*) FROM ado_tx", connection).ExecuteScalarAsync())!;

        await using (var tx = await connection.BeginTransactionAsync(IsolationLevel.Serializable))
        {
            Assert.Throws<InvalidOperationException>(() => connection.BeginTransaction());
            await new PgWireCommand("INSERT INTO ado_tx VALUES (1)", connection) { Transaction = tx }.ExecuteNonQueryAsync();
            Assert.Equal("serializable", await new PgWireCommand("SHOW transaction_isolation", connection) { Transaction = tx }.ExecuteScalarAsync());
            await tx.SaveAsync("s1");
            var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO ado_tx VALUES (2)";
            await insert.ExecuteNonQueryAsync();
            await tx.RollbackAsync("s1");
            await tx.CommitAsync();
            Assert.True(tx.IsCompleted);
        }
        Assert.Equal(1, await Count());

        using (var tx = connection.BeginTransaction())
        {
            new PgWireCommand("INSERT INTO ado_tx VALUES (3)", connection) { Transaction = tx }.ExecuteNonQuery();
        } // disposed without commit: rolled back
        Assert.Equal(1, await Count());

        var failed = connection.BeginTransaction();
        await Assert.ThrowsAsync<PgWireServerException>(() => new PgWireCommand("SELECT 1/0", connection) { Transaction = failed }.ExecuteScalarAsync());
        var e = await Assert.ThrowsAsync<PgWireServerException>(() => new PgWireCommand("SELECT 1", connection) { Transaction = failed }.ExecuteScalarAsync());
        Assert.Equal("25P02", e.SqlState); // the failed transaction is reported clearly
        var commit = Assert.Throws<PgWireException>(() => failed.Commit());
        Assert.Contains("rolled it back", commit.Message);
        Assert.Equal(1, await Count());
    }

    [Fact]
    public async Task CommandTimeout_and_cancellation_leave_the_connection_usable()
    {
        await using var connection = await OpenAsync();
        await using var slow = new PgWireCommand("SELECT pg_sleep(10)", connection) { CommandTimeout = 1 };
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => slow.ExecuteNonQueryAsync());
        Assert.Equal("57014", Assert.IsType<PgWireServerException>(timeout.InnerException).SqlState);
        Assert.Equal(1, new PgWireCommand("SELECT 1", connection).ExecuteScalar());

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new PgWireCommand("SELECT pg_sleep(10)", connection).ExecuteScalarAsync(cts.Token));
        Assert.Equal(2, new PgWireCommand("SELECT 2", connection).ExecuteScalar());
    }

    [Fact]
    public async Task Stored_procedures_run_with_CALL()
    {
        await using var connection = await OpenAsync();
        await new PgWireCommand(
            "DROP TABLE IF EXISTS ado_proc; CREATE TABLE ado_proc (v int); " +
            "CREATE OR REPLACE PROCEDURE ado_insert(x int) LANGUAGE sql AS $$ INSERT INTO ado_proc VALUES (x) $$", connection).ExecuteNonQueryAsync();
        await using var call = new PgWireCommand("ado_insert", connection) { CommandType = CommandType.StoredProcedure };
        call.Parameters.AddWithValue("x", 42);
        await call.ExecuteNonQueryAsync();
        Assert.Equal(42, await new PgWireCommand("SELECT v FROM ado_proc", connection).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Factory_and_data_source_create_working_objects()
    {
        DbProviderFactories.RegisterFactory("PgWire", PgWireFactory.Instance);
        var factory = DbProviderFactories.GetFactory("PgWire");
        await using var connection = factory.CreateConnection()!;
        connection.ConnectionString = fixture.ConnectionString;
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT @a + 1";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "a";
        parameter.Value = 41;
        command.Parameters.Add(parameter);
        Assert.Equal(42, await command.ExecuteScalarAsync());

        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=2");
        await using var fromSource = await dataSource.OpenConnectionAsync();
        await using var sourceCommand = fromSource.CreateCommand();
        sourceCommand.CommandText = "SELECT 'ok'";
        Assert.Equal("ok", await sourceCommand.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_large_result_through_the_reader_is_streamed()
    {
        await using var connection = await OpenAsync();
        await using var command = new PgWireCommand("SELECT g FROM generate_series(1, 1000000) g", connection);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess);
        long sum = 0;
        var before = GC.GetTotalMemory(true);
        long peak = 0;
        var rows = 0;
        while (await reader.ReadAsync())
        {
            sum += reader.GetInt32(0);
            if (++rows % 100_000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(false) - before);
        }
        Assert.Equal(1_000_000L * 1_000_001 / 2, sum);
        Assert.True(peak < 32L * 1024 * 1024, $"heap grew by {peak / 1024 / 1024} MB");
    }
}

[Collection(ServerCollection.Name)]
public class BatchTests(ServerFixture fixture)
{
    private async Task<PgWireConnection> OpenAsync()
    {
        var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await new PgWireCommand("DROP TABLE IF EXISTS batch_t; CREATE TABLE batch_t (id int PRIMARY KEY, v text)", connection).ExecuteNonQueryAsync();
        return connection;
    }

    private static async Task<long> Count(PgWireConnection connection) =>
        (long)(await new PgWireCommand("SELECT count(*) FROM batch_t", connection).ExecuteScalarAsync())!;

    [Fact]
    public async Task A_batch_runs_in_one_round_trip_with_per_command_counts_and_results()
    {
        await using var connection = await OpenAsync();
        await using var batch = connection.CreateBatch();
        for (var i = 1; i <= 3; i++)
        {
            var insert = new PgWireBatchCommand("INSERT INTO batch_t VALUES (@id, @v)");
            insert.Parameters.AddWithValue("id", i);
            insert.Parameters.AddWithValue("v", "value " + i);
            batch.BatchCommands.Add(insert);
        }
        batch.BatchCommands.Add(new PgWireBatchCommand("UPDATE batch_t SET v = upper(v) WHERE id >= 2"));
        batch.BatchCommands.Add(new PgWireBatchCommand("SELECT id, v FROM batch_t ORDER BY id"));
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            var rows = new List<string>();
            while (await reader.ReadAsync()) rows.Add($"{reader.GetInt32(0)}:{reader.GetString(1)}");
            Assert.Equal(["1:value 1", "2:VALUE 2", "3:VALUE 3"], rows);
            Assert.False(await reader.NextResultAsync());
            Assert.Equal(5, reader.RecordsAffected);
        }
        Assert.Equal([1, 1, 1, 2, -1], batch.BatchCommands.Items.Select(c => c.RecordsAffected));
    }

    [Fact]
    public async Task Batch_ExecuteNonQuery_counts_per_command_and_falls_back_when_a_command_needs_an_earlier_one()
    {
        await using var connection = await OpenAsync();
        await using var batch = connection.CreateBatch();
        for (var i = 1; i <= 3; i++)
            batch.BatchCommands.Add(new PgWireBatchCommand("INSERT INTO batch_t VALUES ($1, $2)") { Parameters = { new PgWireParameter { Value = i }, new PgWireParameter { Value = "v" + i } } });
        batch.BatchCommands.Add(new PgWireBatchCommand("UPDATE batch_t SET v = upper(v) WHERE id >= 2"));
        batch.BatchCommands.Add(new PgWireBatchCommand("SELECT id FROM batch_t"));
        Assert.Equal(5, await batch.ExecuteNonQueryAsync());
        Assert.Equal([1, 1, 1, 2, -1], batch.BatchCommands.Items.Select(c => c.RecordsAffected));
        Assert.Equal(3, await Count(connection));

        await using var ddl = connection.CreateBatch();
        ddl.BatchCommands.Add(new PgWireBatchCommand("CREATE TEMP TABLE batch_later (v int)"));
        ddl.BatchCommands.Add(new PgWireBatchCommand("INSERT INTO batch_later VALUES (1), (2)"));
        Assert.Equal(2, await ddl.ExecuteNonQueryAsync());
        Assert.Equal(2L, await new PgWireCommand("SELECT count(*) FROM batch_later", connection).ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_error_in_command_k_names_it_and_rolls_the_whole_batch_back()
    {
        await using var connection = await OpenAsync();
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new PgWireBatchCommand("INSERT INTO batch_t VALUES (1, 'a')"));
        batch.BatchCommands.Add(new PgWireBatchCommand("INSERT INTO batch_t VALUES (2, 'b')"));
        var failing = new PgWireBatchCommand("INSERT INTO batch_t VALUES (1, 'duplicate')");
        batch.BatchCommands.Add(failing);
        batch.BatchCommands.Add(new PgWireBatchCommand("INSERT INTO batch_t VALUES (4, 'd')"));
        var e = await Assert.ThrowsAsync<PgWireServerException>(() => batch.ExecuteNonQueryAsync());
        Assert.Equal("23505", e.SqlState);
        Assert.Same(failing, e.BatchCommand);
        Assert.Equal(2, e.StatementIndex);
        Assert.Equal(0, await Count(connection));
    }

    [Fact]
    public async Task A_multi_statement_command_is_all_or_nothing_in_both_execution_paths()
    {
        await using var connection = await OpenAsync();
        // Every statement can be prepared up front: one round trip.
        var e = await Assert.ThrowsAsync<PgWireServerException>(() =>
            new PgWireCommand("INSERT INTO batch_t VALUES (1, 'a'); INSERT INTO batch_t VALUES (1, 'again')", connection).ExecuteNonQueryAsync());
        Assert.Equal(1, e.StatementIndex);
        Assert.Equal(0, await Count(connection));

        // The second statement needs the first one's table: statement by statement, still all or nothing.
        var fallback = await Assert.ThrowsAsync<PgWireServerException>(() => new PgWireCommand(
            "CREATE TABLE batch_new (v int); INSERT INTO batch_new VALUES (1); INSERT INTO batch_t VALUES (1, 'x'), (1, 'y')", connection).ExecuteNonQueryAsync());
        Assert.Equal("23505", fallback.SqlState);
        Assert.Equal(2, fallback.StatementIndex);
        var exists = await new PgWireCommand("SELECT to_regclass('batch_new') IS NOT NULL", connection).ExecuteScalarAsync();
        Assert.Equal(false, exists);

        Assert.Equal(2, await new PgWireCommand(
            "CREATE TABLE batch_new (v int); INSERT INTO batch_new VALUES (1), (2); SELECT 1", connection).ExecuteNonQueryAsync());
        Assert.Equal(2L, await new PgWireCommand("SELECT count(*) FROM batch_new; DROP TABLE batch_new", connection).ExecuteScalarAsync());
    }
}

[Collection(ServerCollection.Name)]
public class FallbackReadTests(ServerFixture fixture)
{
    [Fact]
    public async Task An_error_while_reading_in_the_fallback_rolls_back_and_leaves_the_connection_usable()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        // The error may come from ExecuteReader (which reads the first row ahead for HasRows) or from Read.
        var e = await Assert.ThrowsAsync<PgWireServerException>(async () =>
        {
            await using var reader = await new PgWireCommand(
                "CREATE TABLE fallback_t (v int); INSERT INTO fallback_t VALUES (1); SELECT 1 / (v - 1) FROM fallback_t", connection).ExecuteReaderAsync();
            while (await reader.ReadAsync()) { }
        });
        Assert.Equal("22012", e.SqlState);
        Assert.Equal(2, e.StatementIndex);
        Assert.Equal(false, await new PgWireCommand("SELECT to_regclass('fallback_t') IS NOT NULL", connection).ExecuteScalarAsync());
    }
}

[Collection(ServerCollection.Name)]
public class AdoNetMoreTests(ServerFixture fixture)
{
    [Fact]
    public async Task Column_schema_has_base_table_key_nullability_and_numeric_facts()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await new PgWireCommand("""
            DROP TABLE IF EXISTS schema_t;
            CREATE TABLE schema_t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code varchar(12) NOT NULL UNIQUE, price numeric(10, 2), note text);
            """, connection).ExecuteNonQueryAsync();
        await using var reader = await new PgWireCommand("SELECT id, code AS c, price, note, 1 + 1 AS expr FROM schema_t", connection)
            .ExecuteReaderAsync(CommandBehavior.KeyInfo);
        var columns = reader.GetColumnSchema();
        Assert.Equal(5, columns.Count);
        var id = columns[0];
        Assert.True(id.IsKey);
        Assert.True(id.IsIdentity);
        Assert.True(id.IsAutoIncrement);
        Assert.False(id.AllowDBNull);
        Assert.Equal("schema_t", id.BaseTableName);
        Assert.Equal("public", id.BaseSchemaName);
        Assert.Equal("postgres", id.BaseCatalogName);
        Assert.Equal(typeof(int), id.DataType);
        var code = columns[1];
        Assert.Equal("c", code.ColumnName);
        Assert.Equal("code", code.BaseColumnName);
        Assert.True(code.IsAliased);
        Assert.True(code.IsUnique);
        Assert.Equal(12, code.ColumnSize);
        Assert.Equal("character varying", code.DataTypeName);
        Assert.Equal(10, columns[2].NumericPrecision);
        Assert.Equal(2, columns[2].NumericScale);
        Assert.True(columns[3].AllowDBNull);
        Assert.True(columns[4].IsExpression);
        Assert.Null(columns[4].BaseTableName);

        var table = reader.GetSchemaTable()!;
        Assert.Equal(5, table.Rows.Count);
        Assert.Equal("id", table.Rows[0][SchemaTableColumn.ColumnName]);
        Assert.Equal(true, table.Rows[0][SchemaTableColumn.IsKey]);
        Assert.Equal("schema_t", table.Rows[1][SchemaTableColumn.BaseTableName]);
    }

    [Fact]
    public async Task A_batch_run_statement_by_statement_that_loses_its_connection_reports_the_server_s_error()
    {
        // The second statement needs the table the first creates, so the batch runs one statement at a time inside a
        // transaction of its own; the third ends the session. The caller gets the server's goodbye, not a complaint
        // about cleaning up on a broken connection.
        await using var connection = new PgWireConnection(fixture.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new PgWireBatchCommand("CREATE TEMP TABLE seq_break (v int)"));
        batch.BatchCommands.Add(new PgWireBatchCommand("INSERT INTO seq_break VALUES (1)"));
        batch.BatchCommands.Add(new PgWireBatchCommand("SELECT pg_terminate_backend(pg_backend_pid()) FROM seq_break"));
        var e = await Assert.ThrowsAnyAsync<Exception>(async () => await batch.ExecuteNonQueryAsync());
        Assert.True(e is PgWireServerException { SqlState: "57P01" } || (e is PgWireException && e.Message.Contains("closed", StringComparison.Ordinal)), e.ToString());
        Assert.Equal(System.Data.ConnectionState.Broken, connection.State);
    }

    [Fact]
    public async Task Cancel_from_another_thread_stops_a_running_command()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new PgWireCommand("SELECT pg_sleep(20), 'cancel-from-another-thread'", connection);
        var running = command.ExecuteScalarAsync();
        await fixture.WaitUntilRunningAsync("'cancel-from-another-thread'");
        command.Cancel();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => running);
        Assert.True(e is OperationCanceledException or PgWireServerException { SqlState: "57014" }, e.ToString());
        Assert.Equal(1, new PgWireCommand("SELECT 1", connection).ExecuteScalar());
    }

    [Fact]
    public async Task ChangeDatabase_and_private_connections()
    {
        await using var admin = new PgWireConnection(fixture.ConnectionString);
        await admin.OpenAsync();
        await new PgWireCommand("DROP DATABASE IF EXISTS pgwire_other", admin).ExecuteNonQueryAsync();
        await new PgWireCommand("CREATE DATABASE pgwire_other", admin).ExecuteNonQueryAsync();
        await admin.ChangeDatabaseAsync("pgwire_other");
        Assert.Equal("pgwire_other", admin.Database);
        Assert.Equal("pgwire_other", await new PgWireCommand("SELECT current_database()::text", admin).ExecuteScalarAsync());

        await using var first = new PgWireConnection(fixture.ConnectionString + ";Pooling=false");
        await first.OpenAsync();
        var pid = await new PgWireCommand("SELECT pg_backend_pid()", first).ExecuteScalarAsync();
        await first.CloseAsync();
        await first.OpenAsync();
        Assert.NotEqual(pid, await new PgWireCommand("SELECT pg_backend_pid()", first).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Chunked_bytes_and_chars_streams_and_readers()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var reader = await new PgWireCommand("SELECT '\\x000102030405'::bytea, 'héllo wörld'", connection).ExecuteReaderAsync();
        Assert.True(reader.Read());
        var buffer = new byte[4];
        Assert.Equal(6, reader.GetBytes(0, 0, null, 0, 0));
        Assert.Equal(4, reader.GetBytes(0, 2, buffer, 0, 4));
        Assert.Equal(new byte[] { 2, 3, 4, 5 }, buffer);
        var chars = new char[5];
        Assert.Equal(5, reader.GetChars(1, 6, chars, 0, 5));
        Assert.Equal("wörld", new string(chars));
        using var stream = reader.GetStream(0);
        Assert.Equal(6, stream.Length);
        using var text = reader.GetTextReader(1);
        Assert.Equal("héllo wörld", text.ReadToEnd());
    }

    [Fact]
    public async Task The_data_source_creates_commands_and_batches_that_open_their_own_connections()
    {
        await using var dataSource = fixture.CreateDataSource();
        await using var command = dataSource.CreateCommand("SELECT 40 + 2");
        Assert.Equal(42, await command.ExecuteScalarAsync());
        await using var batch = dataSource.CreateBatch();
        var one = batch.CreateBatchCommand();
        one.CommandText = "SELECT 1";
        batch.BatchCommands.Add(one);
        Assert.Equal(1, await batch.ExecuteScalarAsync());
    }
}

[Collection(ServerCollection.Name)]
public class SchemaOnlyTests(ServerFixture fixture)
{
    [Fact]
    public async Task SchemaOnly_describes_every_result_without_running_anything()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await new PgWireCommand("DROP TABLE IF EXISTS schema_only_t; CREATE TABLE schema_only_t (id int, v text)", connection).ExecuteNonQueryAsync();
        await using (var reader = await new PgWireCommand(
            "INSERT INTO schema_only_t VALUES (1, 'x'); SELECT id, v FROM schema_only_t; SELECT now() AS t", connection).ExecuteReaderAsync(CommandBehavior.SchemaOnly))
        {
            Assert.Equal(2, reader.FieldCount);
            Assert.Equal("v", reader.GetName(1));
            Assert.Equal("text", reader.GetDataTypeName(1));
            Assert.False(reader.HasRows);
            Assert.False(await reader.ReadAsync());
            Assert.True(await reader.NextResultAsync());
            Assert.Equal("t", reader.GetName(0));
            Assert.Equal(typeof(DateTime), reader.GetFieldType(0));
            Assert.False(await reader.NextResultAsync());
        }
        Assert.Equal(0L, await new PgWireCommand("SELECT count(*) FROM schema_only_t", connection).ExecuteScalarAsync());
    }
}

[Collection(ServerCollection.Name)]
public class AdoNetUserTypeTests(ServerFixture fixture)
{
    [Fact]
    public async Task DataTypeName_names_user_types_and_unknown_lets_the_server_decide()
    {
        await using (var setup = fixture.CreateDataSource())
            await setup.ExecuteAsync("DROP TABLE IF EXISTS ado_ut; DROP TYPE IF EXISTS ado_mood; CREATE TYPE ado_mood AS ENUM ('calm', 'storm'); CREATE TABLE ado_ut (m ado_mood, j jsonb)");
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using (var insert = new PgWireCommand("INSERT INTO ado_ut VALUES (@m, @j)", connection))
        {
            insert.Parameters.Add(new PgWireParameter("m", "storm") { DataTypeName = "ado_mood" });
            insert.Parameters.Add(new PgWireParameter("j", "[1, {\"a\": null}]") { DataTypeName = "unknown" });
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }
        await using var select = new PgWireCommand("SELECT @m, pg_typeof(@m)::text, (SELECT j FROM ado_ut) = @j::jsonb", connection);
        select.Parameters.Add(new PgWireParameter("m", "calm") { DataTypeName = "ado_mood" });
        select.Parameters.Add(new PgWireParameter("j", "[1, {\"a\": null}]"));
        await using (var reader = await select.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal("calm", reader.GetString(0));
            Assert.Equal("ado_mood", reader.GetString(1));
            Assert.Equal("ado_mood", reader.GetDataTypeName(0));
            Assert.True(reader.GetBoolean(2));
        }

        await using var missing = new PgWireCommand("SELECT @x", connection);
        missing.Parameters.Add(new PgWireParameter("x", "v") { DataTypeName = "no_such_type" });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => missing.ExecuteScalarAsync());
        Assert.Contains("'no_such_type'", error.Message);
        Assert.Equal(ConnectionState.Open, connection.State);
        await using var still = new PgWireCommand("SELECT 1", connection);
        Assert.Equal(1, await still.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Schema_only_batches_name_types_created_after_the_catalog_was_loaded()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using (var create = new PgWireCommand("DROP TYPE IF EXISTS ado_late; CREATE TYPE ado_late AS ENUM ('x', 'y')", connection))
            await create.ExecuteNonQueryAsync();
        await using var command = new PgWireCommand("SELECT 1 AS one; SELECT @v AS late", connection);
        command.Parameters.Add(new PgWireParameter("v", "y") { DataTypeName = "ado_late" });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly);
        Assert.Equal("one", reader.GetName(0));
        Assert.True(await reader.NextResultAsync());
        Assert.Equal("late", reader.GetName(0));
        Assert.Equal("ado_late", reader.GetDataTypeName(0));
    }

    [Fact]
    public async Task Batches_read_types_created_after_the_catalog_was_loaded_as_those_types()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using (var create = new PgWireCommand("DROP TYPE IF EXISTS ado_late_pair; CREATE TYPE ado_late_pair AS (n int4, label text)", connection))
            await create.ExecuteNonQueryAsync();
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new PgWireBatchCommand("SELECT 1"));
        batch.BatchCommands.Add(new PgWireBatchCommand("SELECT ROW(7, 'x')::ado_late_pair AS pair"));
        await using var reader = await batch.ExecuteReaderAsync();
        Assert.True(await reader.NextResultAsync());
        Assert.True(await reader.ReadAsync());
        Assert.Equal("ado_late_pair", reader.GetDataTypeName(0));
        Assert.Equal(new object?[] { 7, "x" }, reader.GetValue(0));
    }

    [Fact]
    public async Task Typed_parameters_of_every_fixed_type_reach_the_server_as_their_type_and_value()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        async Task Check<T>(T value, string type, string text)
        {
            await using var command = new PgWireCommand("SELECT pg_typeof($1)::text, $1::text", connection);
            command.Parameters.Add(new PgWireParameter<T> { TypedValue = value });
            // Twice: the second run uses the prepared statement and the same parameter object.
            for (var run = 0; run < 2; run++)
            {
                await using var reader = await command.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal(type, reader.GetString(0));
                Assert.Equal(text, reader.GetString(1));
            }
        }
        await Check(true, "boolean", "true");
        await Check((short)-12, "smallint", "-12");
        await Check(int.MinValue, "integer", "-2147483648");
        await Check(long.MaxValue, "bigint", "9223372036854775807");
        await Check(1.5f, "real", "1.5");
        await Check(-2.25, "double precision", "-2.25");
        await Check(12345.6789m, "numeric", "12345.6789");
        await Check(4000000000u, "oid", "4000000000");
        await Check(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), "uuid", "00112233-4455-6677-8899-aabbccddeeff");
        await Check(new DateOnly(2024, 2, 29), "date", "2024-02-29");
        await Check(new TimeOnly(13, 14, 15), "time without time zone", "13:14:15");
        await Check(TimeSpan.FromHours(-30.5), "interval", "-1 days -06:30:00");
        await Check(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), "timestamp with time zone", "2024-01-02 03:04:05+00");
        await Check(new PgDate(0, 12, 31), "date", "0001-12-31 BC");
        // A DateTime's PostgreSQL type follows its Kind, an int? its value: both keep working through the boxed path.
        await Check(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Unspecified), "timestamp without time zone", "2024-01-02 03:04:05");
        await Check<int?>(7, "integer", "7");

        await using var nulls = new PgWireCommand("SELECT $1::int IS NULL", connection) { Parameters = { new PgWireParameter<int?> { TypedValue = null } } };
        Assert.Equal(true, await nulls.ExecuteScalarAsync());
        // DbType set by the caller still decides the PostgreSQL type of a typed parameter.
        await using var asText = new PgWireCommand("SELECT pg_typeof($1)::text", connection) { Parameters = { new PgWireParameter<int> { TypedValue = 5, DbType = DbType.Int64 } } };
        Assert.Equal("bigint", await asText.ExecuteScalarAsync());

        // A value converted to the chosen type is converted checked: whole numbers fit, a fraction is never rounded.
        await using var whole = new PgWireCommand("SELECT $1::text", connection) { Parameters = { new PgWireParameter { Value = 2.0, DbType = DbType.Int32 } } };
        Assert.Equal("2", await whole.ExecuteScalarAsync());
        await using var fraction = new PgWireCommand("SELECT $1::text", connection) { Parameters = { new PgWireParameter { Value = 2.5, DbType = DbType.Int32 } } };
        var refused = await Assert.ThrowsAsync<InvalidCastException>(() => fraction.ExecuteScalarAsync());
        Assert.Contains("fractional", refused.Message);
        await using var overflow = new PgWireCommand("SELECT $1::text", connection) { Parameters = { new PgWireParameter { Value = 70_000, DbType = DbType.Int16 } } };
        await Assert.ThrowsAsync<InvalidCastException>(() => overflow.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Batch_parameters_changed_while_the_reader_is_open_do_not_change_what_the_batch_sends()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var batch = connection.CreateBatch();
        var parameters = new List<PgWireParameter<int>>();
        // Enough answers that the server is still waiting for the client to read when the reader is handed out: the
        // last Binds are then written while the caller already has the reader.
        for (var i = 0; i < 400_000; i++)
        {
            var parameter = new PgWireParameter<int> { TypedValue = i };
            parameters.Add(parameter);
            batch.BatchCommands.Add(new PgWireBatchCommand("SELECT $1::int, repeat('z', 400)") { Parameters = { parameter } });
        }
        await using var reader = await batch.ExecuteReaderAsync();
        foreach (var parameter in parameters) parameter.TypedValue = -1;
        var results = 0;
        do
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(results, reader.GetInt32(0));
            results++;
        }
        while (await reader.NextResultAsync());
        Assert.Equal(400_000, results);
    }

    [Fact]
    public async Task A_closed_reader_never_shows_a_later_command_s_rows_and_a_reused_command_sends_its_new_values()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var first = new PgWireCommand("SELECT @v::int AS v", connection);
        var parameter = new PgWireParameter<int>("v", 1);
        first.Parameters.Add(parameter);
        var old = await first.ExecuteReaderAsync();
        Assert.True(await old.ReadAsync());
        Assert.Equal(1, old.GetInt32(0));
        await old.DisposeAsync();

        await using var second = new PgWireCommand("SELECT 'other' AS x, 2 AS y", connection);
        await using (var reader = await second.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            // The first reader's internals serve this command now: the closed reader must not see them.
            Assert.Throws<InvalidOperationException>(() => old.GetInt32(0));
            Assert.Throws<InvalidOperationException>(() => old.GetName(0));
            Assert.Throws<InvalidOperationException>(() => old.FieldCount);
            Assert.Equal("other", reader.GetString(0));
        }
        for (var value = 10; value < 13; value++)
        {
            parameter.TypedValue = value;
            Assert.Equal(value, await first.ExecuteScalarAsync());
        }
    }
}

[Collection(ServerCollection.Name)]
public class AdoNetLargeBatchTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_batch_whose_answers_outgrow_the_socket_buffers_does_not_stall()
    {
        await using var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var batch = connection.CreateBatch();
        // 400,000 statements (about 20 MB of Bind messages) answered with about 170 MB: sending must go on while the
        // first answers are read, or both sides would stall on full socket buffers.
        for (var i = 0; i < 400_000; i++)
            batch.BatchCommands.Add(new PgWireBatchCommand("SELECT $1::int, repeat('z', 400)") { Parameters = { new PgWireParameter<int> { TypedValue = i } } });
        var run = Task.Run(async () =>
        {
            await using var reader = await batch.ExecuteReaderAsync();
            var results = 0;
            do
            {
                while (await reader.ReadAsync()) Assert.Equal(results, reader.GetInt32(0));
                results++;
            }
            while (await reader.NextResultAsync());
            return results;
        });
        Assert.Equal(400_000, await run.WaitAsync(TimeSpan.FromSeconds(60)));
    }
}
