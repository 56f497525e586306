using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class PipelineTests(ServerFixture fixture)
{
    private async Task<PgWireDataSource> UsersAsync(string extra = "")
    {
        var dataSource = fixture.CreateDataSource(extra);
        await dataSource.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS pipe_users (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO pipe_users SELECT g, 'user ' || g FROM generate_series(1, 1000) g ON CONFLICT DO NOTHING
            """);
        return dataSource;
    }

    [Theory]
    [InlineData("")]
    [InlineData("Max Auto Prepare=0")]
    public async Task A_999_query_pipeline_returns_every_result_in_order(string extra)
    {
        await using var dataSource = await UsersAsync(extra);
        var sets = Enumerable.Range(0, 999).Select(i => new object?[] { new[] { 10, 5, 1 }[i % 3] }).ToArray();
        for (var round = 0; round < 2; round++)
        {
            using var results = await dataSource.PipelineAsync("SELECT id, name FROM pipe_users ORDER BY id LIMIT $1", sets);
            Assert.Equal(999, results.Count);
            Assert.Equal(0, results.FailedCount);
            for (var i = 0; i < 999; i++)
            {
                var rows = results[i];
                Assert.Equal((int)sets[i][0]!, rows.Count);
                Assert.Equal(rows.Count, rows.RowsAffected);
                Assert.Equal(rows.Count, rows[rows.Count - 1].Get<int>(0));
                Assert.Equal($"user {rows.Count}", rows[rows.Count - 1].Get<string>("name"));
            }
        }
    }

    [Fact]
    public async Task Concurrent_pipelines_on_a_small_pool_each_get_their_own_answers()
    {
        await using var dataSource = await UsersAsync("Maximum Pool Size=2");
        var tasks = Enumerable.Range(0, 16).Select(async caller =>
        {
            var sets = Enumerable.Range(0, 200).Select(i => new object?[] { caller * 1000 + i, (caller + i) % 1000 + 1 }).ToArray();
            using var results = await dataSource.PipelineAsync("SELECT $1::int AS tag, name FROM pipe_users WHERE id = $2", sets);
            for (var i = 0; i < sets.Length; i++)
            {
                Assert.Equal(caller * 1000 + i, results[i][0].Get<int>("tag"));
                Assert.Equal($"user {(caller + i) % 1000 + 1}", results[i][0].Get<string>("name"));
            }
        });
        await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task An_error_mid_pipeline_fails_it_all_and_names_the_query_and_the_connection_carries_on()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS pipe_t; CREATE TABLE pipe_t (v int)");
        var sets = Enumerable.Range(0, 10).Select(i => new object?[] { i == 6 ? 0 : i + 1 }).ToArray();
        var error = await Assert.ThrowsAsync<PgWireServerException>(async () =>
            await dataSource.PipelineAsync("INSERT INTO pipe_t VALUES (100 / $1)", sets));
        Assert.Equal("22012", error.SqlState);
        Assert.Equal(6, error.StatementIndex);
        using (var count = await dataSource.QueryAsync("SELECT count(*)::int FROM pipe_t")) Assert.Equal(0, count[0].Get<int>(0)); // all rolled back
        using var again = await dataSource.PipelineAsync("SELECT $1::int", [[1], [2]]);
        Assert.Equal(2, again[1][0].Get<int>(0));
    }

    [Fact]
    public async Task With_a_Sync_per_query_one_failure_leaves_the_others_committed()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS pipe_i; CREATE TABLE pipe_i (v int)");
        var sets = Enumerable.Range(0, 10).Select(i => new object?[] { i == 3 || i == 7 ? 0 : i + 1 }).ToArray();
        using var results = await dataSource.PipelineAsync("INSERT INTO pipe_i VALUES (100 / $1) RETURNING v", sets, independentQueries: true);
        Assert.Equal(2, results.FailedCount);
        Assert.Equal("22012", results.GetError(3)!.SqlState);
        Assert.Equal(7, results.GetError(7)!.StatementIndex);
        Assert.Null(results.GetError(4));
        Assert.Equal(100 / 5, results[4][0].Get<int>(0));
        Assert.Equal(1, results[4].RowsAffected);
        Assert.Throws<PgWireServerException>(() => results[3]);
        using var count = await dataSource.QueryAsync("SELECT count(*)::int FROM pipe_i");
        Assert.Equal(8, count[0].Get<int>(0));
    }

    [Fact]
    public async Task Mixed_statements_commands_and_a_long_pipeline_whose_answers_outgrow_the_socket_buffers()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        // Every statement is described before the first runs: a table the pipeline uses exists beforehand.
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS pipe_tmp; CREATE TABLE pipe_tmp (v text)");
        using (var mixed = await dataSource.PipelineAsync([
            ("TRUNCATE pipe_tmp", []),
            ("INSERT INTO pipe_tmp SELECT 'x' || g FROM generate_series(1, $1) g", [3]),
            ("SELECT v FROM pipe_tmp ORDER BY v", []),
            ("SELECT $1::text || $2::text AS joined", ["a", "b"]),
        ]))
        {
            Assert.Equal(3, mixed[1].RowsAffected);
            Assert.Equal(["x1", "x2", "x3"], mixed[2].Select(r => r.Get<string>(0)));
            Assert.Equal("ab", mixed[3][0].Get<string>("joined"));
        }
        // About 40 MB of answers to 4,000 queries: sending and reading must overlap or both sides would stall.
        var sets = Enumerable.Range(0, 4000).Select(i => new object?[] { i }).ToArray();
        using var results = await dataSource.PipelineAsync("SELECT $1::int AS i, repeat('y', 10000) AS pad", sets).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(3999, results[3999][0].Get<int>(0));
        Assert.Equal(10000, results[1234][0].Get<string>(1).Length);
        // Disposing the results invalidates the sets taken from them.
        var kept = results[0];
        results.Dispose();
        Assert.Throws<ObjectDisposedException>(() => kept[0].Get<int>(0));
    }

    [Fact]
    public async Task A_deferred_constraint_failing_at_commit_is_the_pipeline_s_error_and_the_connection_stays_usable()
    {
        // The error arrives after the last query's CommandComplete, at the Sync's commit: it used to be a protocol error
        // that closed the connection.
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await dataSource.ExecuteAsync("""
            DROP TABLE IF EXISTS pipe_child, pipe_parent;
            CREATE TABLE pipe_parent (id int PRIMARY KEY);
            CREATE TABLE pipe_child (parent int REFERENCES pipe_parent DEFERRABLE INITIALLY DEFERRED)
            """);
        var e = await Assert.ThrowsAsync<PgWireServerException>(async () =>
        {
            using var _ = await dataSource.PipelineAsync("INSERT INTO pipe_child VALUES ($1)", [[1], [2]]);
        });
        Assert.Equal("23503", e.SqlState);
        Assert.Equal(1, e.StatementIndex); // the last query: the commit of the pipeline's implicit transaction

        // A Sync per query: the commit of each query fails on its own.
        using (var each = await dataSource.PipelineAsync(
            [("INSERT INTO pipe_parent VALUES ($1)", [5]), ("INSERT INTO pipe_child VALUES ($1)", [9]), ("INSERT INTO pipe_child VALUES ($1)", [5])],
            independentQueries: true))
        {
            Assert.Null(each.GetError(0));
            Assert.Equal("23503", each.GetError(1)!.SqlState);
            Assert.Null(each.GetError(2));
        }
        using var count = await dataSource.QueryAsync("SELECT count(*)::int FROM pipe_child");
        Assert.Equal(1, count[0].Get<int>(0));
        Assert.Equal(1, dataSource.OpenConnectionCount);
    }
}
