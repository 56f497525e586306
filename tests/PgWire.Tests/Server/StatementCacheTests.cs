using System.Data;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>The per-connection statement cache: thresholds, LRU, the unnamed-only mode, and resets.</summary>
[Collection(ServerCollection.Name)]
public class StatementCacheTests(ServerFixture fixture)
{
    /// <summary>This session's named statements (PgWire's names start with _pgw), by statement text.</summary>
    private static async Task<string[]> PreparedAsync(PgWireDataSource dataSource)
    {
        // Through the simple protocol, so that asking does not itself prepare anything.
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new PgWireCommand("SELECT statement FROM pg_prepared_statements WHERE name LIKE '\\_pgw%' AND statement NOT LIKE '%pg_prepared_statements%' ORDER BY statement", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var texts = new List<string>();
        while (await reader.ReadAsync()) texts.Add(reader.GetString(0));
        return [.. texts];
    }

    [Fact]
    public async Task Texts_are_prepared_after_the_threshold_and_the_least_recently_used_is_closed_beyond_the_limit()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Max Auto Prepare=2;Auto Prepare Min Usages=3");
        for (var run = 1; run <= 3; run++)
        {
            using var rows = await dataSource.QueryAsync("SELECT $1::int * 10 AS a", run);
            Assert.Equal(run * 10, rows[0].Get<int>(0));
            if (run == 2) Assert.Empty(await PreparedAsync(dataSource)); // twice: still the unnamed statement
        }
        Assert.Equal(["SELECT $1::int * 10 AS a"], await PreparedAsync(dataSource));
        foreach (var text in new[] { "SELECT $1::int * 20 AS b", "SELECT $1::int * 30 AS c" })
            for (var run = 1; run <= 3; run++)
                using (var rows = await dataSource.QueryAsync(text, run)) Assert.Equal(run, rows[0].Get<int>(0) / (text.Contains("20") ? 20 : 30));
        // Three prepared texts, room for two: the least recently used (a) was closed with the next request.
        Assert.Equal(["SELECT $1::int * 20 AS b", "SELECT $1::int * 30 AS c"], await PreparedAsync(dataSource));
        using (var again = await dataSource.QueryAsync("SELECT $1::int * 10 AS a", 4)) Assert.Equal(40, again[0].Get<int>(0));
    }

    [Fact]
    public async Task Max_Auto_Prepare_0_never_creates_a_named_statement_and_stays_correct_when_columns_change()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Max Auto Prepare=0");
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS cache_unnamed; CREATE TABLE cache_unnamed (v int); INSERT INTO cache_unnamed VALUES (7)");
        for (var i = 0; i < 5; i++)
        {
            using var rows = await dataSource.QueryAsync("SELECT v + $1 FROM cache_unnamed", i);
            Assert.Equal(7 + i, rows[0].Get<int>(0));
            await using var reader = await dataSource.QueryStreamingAsync("SELECT v, $1::text FROM cache_unnamed", "s");
            Assert.Equal(2, reader.FieldCount);
            Assert.True(await reader.ReadAsync());
            Assert.Equal(7, reader.Get<int>(0));
        }
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var batch = connection.CreateBatch())
        {
            for (var i = 0; i < 3; i++) batch.BatchCommands.Add(new PgWireBatchCommand("INSERT INTO cache_unnamed VALUES ($1)") { Parameters = { new PgWireParameter { Value = i } } });
            Assert.Equal(3, await batch.ExecuteNonQueryAsync());
        }
        Assert.Empty(await PreparedAsync(dataSource));

        // The learnt result formats no longer fit after another session's ALTER TABLE: text keeps working; a type
        // PgWire reads only as text is asked for as text from the next run on.
        await using var other = fixture.CreateDataSource();
        await other.ExecuteAsync("ALTER TABLE cache_unnamed ALTER COLUMN v TYPE text USING 'seven'");
        using (var rows = await dataSource.QueryAsync("SELECT v FROM cache_unnamed LIMIT $1", 1)) Assert.Equal("seven", rows[0].Get<string>(0));
        await other.ExecuteAsync("ALTER TABLE cache_unnamed ALTER COLUMN v TYPE point USING point(1, 2)");
        using (var rows = await dataSource.QueryAsync("SELECT v FROM cache_unnamed LIMIT $1", 1))
        {
            // The run right after the change got binary for a type without a codec: a clear error, never wrong text.
            var error = Assert.Throws<InvalidCastException>(() => rows[0].Get<string>(0));
            Assert.Contains("run", error.Message);
        }
        using (var rows = await dataSource.QueryAsync("SELECT v FROM cache_unnamed LIMIT $1", 1)) Assert.Equal("(1,2)", rows[0].Get<string>(0));
    }

    [Fact]
    public async Task DISCARD_ALL_and_DEALLOCATE_reset_the_cache_so_a_later_transaction_does_not_fail()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Auto Prepare Min Usages=1");
        foreach (var reset in new[] { "DISCARD ALL", "DEALLOCATE ALL" })
        {
            using (var rows = await dataSource.QueryAsync("SELECT $1::int AS reset_probe", 1)) Assert.Equal(1, rows[0].Get<int>(0));
            Assert.Contains("SELECT $1::int AS reset_probe", await PreparedAsync(dataSource));
            using (await dataSource.QueryAsync(reset)) { } // extended protocol: seen by its CommandComplete tag
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            // Inside a transaction a stale statement could not be prepared again transparently: the cache must know.
            await using var command = new PgWireCommand("SELECT $1::int AS reset_probe", connection) { Transaction = transaction };
            command.Parameters.Add(new PgWireParameter { Value = 2 });
            Assert.Equal(2, await command.ExecuteScalarAsync());
            await transaction.CommitAsync();
        }
    }

    [Fact]
    public async Task Explicit_preparation_names_the_statement_at_once_natively_and_through_ADO_NET()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        var statement = dataSource.Prepare("SELECT $1::int * 3 AS tripled");
        using (var rows = await statement.QueryAsync(2)) Assert.Equal(6, rows[0].Get<int>("tripled"));
        Assert.Contains("SELECT $1::int * 3 AS tripled", await PreparedAsync(dataSource)); // after one run, not two
        using (var results = await statement.PipelineAsync([[1], [2], [3]])) Assert.Equal([3, 6, 9], results.Select(r => r[0].Get<int>(0)));

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new PgWireCommand("SELECT @x::text || '!' AS shout", connection);
        command.Parameters.Add(new PgWireParameter("x", "hi"));
        await command.PrepareAsync();
        await using (var probe = new PgWireCommand("SELECT count(*)::int FROM pg_prepared_statements WHERE statement = 'SELECT $1::text || ''!'' AS shout'", connection))
            Assert.Equal(1, await probe.ExecuteScalarAsync()); // prepared before it ever ran
        Assert.Equal("hi!", await command.ExecuteScalarAsync());

        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new PgWireBatchCommand("SELECT $1::int - 1 AS batch_prepared") { Parameters = { new PgWireParameter { Value = 5 } } });
        await batch.PrepareAsync();
        await using (var probe = new PgWireCommand("SELECT count(*)::int FROM pg_prepared_statements WHERE statement LIKE '%batch_prepared'", connection))
            Assert.Equal(1, await probe.ExecuteScalarAsync());
        Assert.Equal(4, await batch.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Explicit_preparation_in_the_unnamed_only_mode_creates_no_server_statement()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Max Auto Prepare=0");
        var statement = dataSource.Prepare("SELECT $1::int + 100 AS unnamed_prepared");
        using (var rows = await statement.QueryAsync(1)) Assert.Equal(101, rows[0].Get<int>(0));
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var command = new PgWireCommand("SELECT $1::int + 200", connection) { Parameters = { new PgWireParameter { Value = 1 } } })
        {
            await command.PrepareAsync();
            Assert.Equal(201, await command.ExecuteScalarAsync());
        }
        Assert.Empty(await PreparedAsync(dataSource));
    }
}
