using PgWire.Testing;
using Xunit;

namespace PgWire.Tests.Poolers;

/// <summary>A test server behind two PgBouncers: one in session mode, one in transaction mode (each with 3 server sessions).</summary>
public sealed class BouncerFixture : IAsyncLifetime
{
    public PgTestServer Server { get; private set; } = null!;
    public PgTestBouncer Session { get; private set; } = null!;
    public PgTestBouncer Transaction { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PgTestServer.StartAsync(environmentVariable: null);
        Session = await PgTestBouncer.StartAsync(Server, "session");
        Transaction = await PgTestBouncer.StartAsync(Server, "transaction");
    }

    public async Task DisposeAsync()
    {
        if (Transaction is not null) await Transaction.DisposeAsync();
        if (Session is not null) await Session.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
    }
}

/// <summary>
/// What a service does through PgBouncer: queries with parameters from concurrent callers, ADO.NET commands, batches,
/// pipelines, COPY, transactions and streaming reads; in transaction mode with Max Auto Prepare=0, in session mode with
/// the defaults; and the error named statements meet in transaction mode without that setting.
/// </summary>
public sealed class PgBouncerTests(BouncerFixture fixture) : IClassFixture<BouncerFixture>
{
    [Fact]
    public Task Everything_works_through_transaction_mode_with_Max_Auto_Prepare_0() =>
        ExerciseAsync(fixture.Transaction.ConnectionString + ";Max Auto Prepare=0", "through_transaction_mode");

    [Fact]
    public Task Everything_works_through_session_mode_with_the_defaults() =>
        ExerciseAsync(fixture.Session.ConnectionString, "through_session_mode");

    [Theory]
    [InlineData("transaction", ";Max Auto Prepare=0")]
    [InlineData("session", "")]
    public async Task Multiplexing_and_prepared_statements_through_PgBouncer(string mode, string settings)
    {
        var bouncer = mode == "session" ? fixture.Session : fixture.Transaction;
        await using var dataSource = PgWireDataSource.Create(bouncer.ConnectionString + settings + ";Multiplexing=true;Maximum Pool Size=4");
        await Parallel.ForEachAsync(Enumerable.Range(0, 16), async (caller, _) =>
        {
            for (var i = 0; i < 20; i++)
            {
                using var rows = await dataSource.QueryAsync("SELECT $1::int * 3 + $2::int", caller, i);
                Assert.Equal(caller * 3 + i, rows[0].Get<int>(0));
            }
        });
        var prepared = dataSource.Prepare("SELECT $1::int - 1");
        for (var i = 0; i < 10; i++)
        {
            using var rows = await prepared.QueryAsync(i);
            Assert.Equal(i - 1, rows[0].Get<int>(0));
        }
    }

    [Fact]
    public async Task Named_statements_through_transaction_mode_fail_with_an_error_that_names_the_fix()
    {
        await using var dataSource = PgWireDataSource.Create(fixture.Transaction.ConnectionString + ";Maximum Pool Size=2");
        await using var first = await dataSource.OpenConnectionAsync();
        await using var second = await dataSource.OpenConnectionAsync();
        async Task<int> RunAsync()
        {
            await using var command = first.CreateCommand();
            command.CommandText = "SELECT $1::int * 2";
            command.Parameters.Add(new PgWireParameter { Value = 21 });
            return (int)(await command.ExecuteScalarAsync())!;
        }
        // Used twice, the statement is prepared as a named statement on the server session PgBouncer gave those transactions.
        for (var i = 0; i < 3; i++) Assert.Equal(42, await RunAsync());
        // Another client's open transaction takes that server session (PgBouncer reuses the last one used first), so
        // the next transaction of the first client runs on another server session, which lacks the statement.
        await using var hold = await second.BeginTransactionAsync();
        await using (var busy = second.CreateCommand())
        {
            busy.CommandText = "SELECT 1";
            await busy.ExecuteScalarAsync();
        }
        var e = await Assert.ThrowsAsync<PgWireException>(RunAsync);
        Assert.Contains("pool_mode=transaction", e.Message, StringComparison.Ordinal);
        Assert.Contains("Max Auto Prepare=0", e.Message, StringComparison.Ordinal);
        var server = Assert.IsType<PgWireServerException>(e.InnerException);
        Assert.Equal("26000", server.SqlState);
        await hold.RollbackAsync();
    }

    [Fact]
    public async Task A_direct_connection_is_not_taken_for_a_pooler_when_its_statements_go_stale()
    {
        // The session's statements deallocated where PgWire cannot see it (inside a DO block): the next use meets 26000
        // for its own name, the backend PID shows no pooler, and the statement is prepared again.
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionString + ";Maximum Pool Size=1");
        for (var i = 0; i < 3; i++) (await dataSource.QueryAsync("SELECT $1::int + 40", i)).Dispose();
        using (var before = await dataSource.QueryAsync("SELECT count(*)::int FROM pg_prepared_statements"))
            Assert.True(before[0].Get<int>(0) > 0);
        await dataSource.ExecuteAsync("DO $$DECLARE n text; BEGIN FOR n IN SELECT name FROM pg_prepared_statements LOOP EXECUTE format('DEALLOCATE %I', n); END LOOP; END$$");
        using var again = await dataSource.QueryAsync("SELECT $1::int + 40", 2);
        Assert.Equal(42, again[0].Get<int>(0));
    }

    private static async Task ExerciseAsync(string connectionString, string table)
    {
        await using var dataSource = PgWireDataSource.Create(connectionString + ";Maximum Pool Size=8");
        await dataSource.ExecuteAsync($"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id int PRIMARY KEY, name text NOT NULL)");

        // Queries with parameters, each run far more often than Auto Prepare Min Usages, by more callers than server sessions.
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), async (caller, _) =>
        {
            for (var i = 0; i < 25; i++)
            {
                using var rows = await dataSource.QueryAsync("SELECT $1::int * 2 + $2::int, $3::text", caller, i, "caller " + caller);
                Assert.Equal(caller * 2 + i, rows[0].Get<int>(0));
                Assert.Equal("caller " + caller, rows[0].Get<string>(1));
            }
        });

        // ADO.NET commands with parameters, and a batch.
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            for (var i = 0; i < 5; i++)
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = $"INSERT INTO {table} VALUES ($1, $2)";
                insert.Parameters.Add(new PgWireParameter { Value = i });
                insert.Parameters.Add(new PgWireParameter { Value = "row " + i });
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }
            await using var batch = connection.CreateBatch();
            foreach (var sql in (string[])[$"SELECT count(*) FROM {table}", $"SELECT max(id) FROM {table}"])
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = sql;
                batch.BatchCommands.Add(command);
            }
            await using var reader = await batch.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(5L, reader.GetInt64(0));
            Assert.True(await reader.NextResultAsync());
            Assert.True(await reader.ReadAsync());
            Assert.Equal(4, reader.GetInt32(0));
        }

        // A pipeline of inserts, all or nothing.
        using (var results = await dataSource.PipelineAsync($"INSERT INTO {table} VALUES ($1, $2)", [.. Enumerable.Range(10, 20).Select(i => new object?[] { i, "piped " + i })]))
            Assert.Equal(20, results.Count);

        // COPY in (binary bulk insert) and a streaming read of everything.
        Assert.Equal(100UL, await dataSource.BulkInsertAsync(table, ["id", "name"], Enumerable.Range(100, 100).Select(i => (i, "copied " + i))));
        await using (var stream = await dataSource.QueryStreamingAsync($"SELECT id, name FROM {table} ORDER BY id"))
        {
            var count = 0;
            while (await stream.ReadAsync()) count++;
            Assert.Equal(125, count);
        }

        // COPY out, binary and text.
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using (var exporter = await connection.BeginBinaryExportAsync($"COPY (SELECT id FROM {table} WHERE id >= 100) TO STDOUT (FORMAT BINARY)"))
            {
                var sum = 0;
                while (await exporter.StartRowAsync() != -1) sum += exporter.Read<int>();
                Assert.Equal(Enumerable.Range(100, 100).Sum(), sum);
            }
            using var text = await connection.BeginTextExportAsync($"COPY (SELECT name FROM {table} WHERE id = 150) TO STDOUT");
            Assert.Equal("copied 150", (await text.ReadToEndAsync()).TrimEnd('\n'));
        }

        // Transactions: a rollback leaves nothing, a commit keeps its rows.
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = $"INSERT INTO {table} VALUES (1000, 'rolled back')";
                await insert.ExecuteNonQueryAsync();
                await transaction.RollbackAsync();
            }
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = $"INSERT INTO {table} VALUES (1001, 'committed')";
                await insert.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }
        }
        using var final = await dataSource.QueryAsync($"SELECT count(*)::int, count(*) FILTER (WHERE id = 1000)::int, count(*) FILTER (WHERE id = 1001)::int FROM {table}");
        Assert.Equal((126, 0, 1), (final[0].Get<int>(0), final[0].Get<int>(1), final[0].Get<int>(2)));
    }
}

/// <summary>
/// Protocol 3.2 through PgBouncer 1.18, which knows only 3.0 and answers a 3.2 login with "08P01 bad packet header":
/// the default login falls back to 3.0 once and remembers it for the host; Max Protocol Version=3.2 set explicitly is
/// refused with a message that says what to do.
/// </summary>
public sealed class PgBouncerProtocolTests(BouncerFixture fixture) : IClassFixture<BouncerFixture>
{
    [Fact]
    public async Task A_3_2_login_falls_back_to_3_0_once_and_the_host_is_asked_for_3_0_afterwards()
    {
        var log = new Observability.CapturingLoggerFactory();
        await using var dataSource = new PgWireDataSourceBuilder(fixture.Session.ConnectionString + ";Pooling=false").UseLoggerFactory(log).Build();
        for (var i = 0; i < 4; i++)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            Assert.Equal(new Version(3, 0), connection.ProtocolVersion);
            Assert.Equal(1, await new PgWireCommand("SELECT 1", connection).ExecuteScalarAsync());
        }
        var fallback = Assert.Single(log.WithId(1010)); // once, not once per connection
        Assert.Contains("08P01", fallback.Message);
        Assert.Empty(log.WithId(1001)); // no failed open was logged
    }

    [Fact]
    public async Task An_explicit_Max_Protocol_Version_3_2_is_refused_with_what_to_do()
    {
        await using var dataSource = PgWireDataSource.Create(fixture.Session.ConnectionString + ";Pooling=false;Max Protocol Version=3.2;Timeout=5");
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await (await dataSource.OpenConnectionAsync()).DisposeAsync());
        Assert.Contains("Max Protocol Version", e.Message);
        Assert.Contains("3.0", e.Message);
        Assert.Equal("08P01", Assert.IsType<PgWireServerException>(e.InnerException).SqlState);
    }
}
