using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class QueryTests(ServerFixture fixture)
{
    [Fact]
    public async Task Query_returns_rows_and_columns_and_execute_counts()
    {
        await using var dataSource = fixture.CreateDataSource();
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS q_users; CREATE TABLE q_users (id int PRIMARY KEY, name text)");
        Assert.Equal(3, await dataSource.ExecuteAsync("INSERT INTO q_users SELECT g, 'user ' || g FROM generate_series(1, 3) g"));
        Assert.Equal(1, await dataSource.ExecuteAsync("UPDATE q_users SET name = $1 WHERE id = $2", "x", 1));

        using var rows = await dataSource.QueryAsync("SELECT id, name FROM q_users WHERE id > $1 ORDER BY id", 0);
        Assert.Equal(3, rows.Count);
        Assert.Equal(["id", "name"], rows.Columns.Select(c => c.Name));
        Assert.Equal(["integer", "text"], rows.Columns.Select(c => c.TypeName));
        Assert.Equal([23u, 25u], rows.Columns.Select(c => c.TypeOid));
        Assert.Equal([1, 2, 3], rows.Select(r => r.Get<int>("id")));
        Assert.Equal(["x", "user 2", "user 3"], rows.Select(r => r.Get<string>(1)));
        Assert.Equal(3, rows.RowsAffected);
    }

    [Fact]
    public async Task A_script_of_several_statements_runs_over_the_simple_protocol()
    {
        await using var dataSource = fixture.CreateDataSource();
        var affected = await dataSource.ExecuteAsync(
            "DROP TABLE IF EXISTS q_script; CREATE TABLE q_script (v int); INSERT INTO q_script VALUES (1), (2); UPDATE q_script SET v = v + 1");
        Assert.Equal(4, affected);
        using var rows = await dataSource.QueryAsync("SELECT sum(v)::int FROM q_script");
        Assert.Equal(5, rows[0].Get<int>(0));
    }

    [Fact]
    public async Task A_type_without_a_codec_reads_as_its_text()
    {
        await using var dataSource = fixture.CreateDataSource();
        await dataSource.ExecuteAsync("DROP TYPE IF EXISTS q_mood CASCADE; CREATE TYPE q_mood AS ENUM ('sad', 'happy')");
        // A fresh data source loads the catalog after the type exists.
        await using var fresh = fixture.CreateDataSource();
        using var rows = await fresh.QueryAsync(
            "SELECT 'a:1 b:2'::tsvector AS i, point(1, 2) AS p, 'happy'::q_mood AS m, box(point(0, 0), point(1, 1)) AS a");
        var row = rows[0];
        Assert.Equal("'a':1 'b':2", row.Get<string>("i"));
        Assert.Equal("(1,2)", row.Get<string>("p"));
        Assert.Equal("happy", row.Get<string>("m"));
        Assert.Equal("(1,1),(0,0)", row.Get<object>("a"));
        Assert.Equal("q_mood", rows.Columns[2].TypeName);
        Assert.Equal("tsvector", rows.Columns[0].TypeName);
    }

    [Fact]
    public async Task Asking_for_the_wrong_CLR_type_names_column_and_both_types()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync("SELECT 42 AS answer");
        var e = Assert.Throws<InvalidCastException>(() => rows[0].Get<Guid>("answer"));
        Assert.Contains("answer", e.Message);
        Assert.Contains("integer", e.Message);
        Assert.Contains("System.Guid", e.Message);
        Assert.Equal(42L, rows[0].Get<long>(0)); // widening is allowed
        Assert.Equal(42, rows[0].Get<int?>(0));
        Assert.Equal(42, rows[0].Get<object>(0));
    }

    [Fact]
    public async Task Unknown_columns_and_ordinals_are_clear_errors()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync("SELECT 1 AS \"Mixed\"");
        Assert.Equal(1, rows[0].Get<int>("mixed")); // case-insensitive fallback
        Assert.Contains("nope", Assert.Throws<IndexOutOfRangeException>(() => rows[0].Get<int>("nope")).Message);
        Assert.Throws<IndexOutOfRangeException>(() => rows[0].Get<int>(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => rows[1]);
    }

    [Fact]
    public async Task A_parameter_of_an_unsupported_type_fails_before_anything_is_sent()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        var e = await Assert.ThrowsAsync<NotSupportedException>(async () => await dataSource.QueryAsync("SELECT $1", new Uri("http://x")));
        Assert.Contains("$1", e.Message);
        Assert.Contains("System.Uri", e.Message);
        using var rows = await dataSource.QueryAsync("SELECT 1");
        Assert.Equal(1, rows[0].Get<int>(0));
    }

    [Fact]
    public async Task Server_errors_carry_every_field_and_leave_the_connection_usable()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await dataSource.ExecuteAsync(
            "DROP TABLE IF EXISTS q_err; CREATE TABLE q_err (id int CONSTRAINT q_err_pk PRIMARY KEY); INSERT INTO q_err VALUES (1)");
        var syntax = await Assert.ThrowsAsync<PgWireServerException>(async () => await dataSource.QueryAsync("SELEC 1"));
        Assert.Equal("42601", syntax.SqlState);
        Assert.Equal("ERROR", syntax.Severity);
        Assert.Equal(1, syntax.Position);

        var duplicate = await Assert.ThrowsAsync<PgWireServerException>(async () => await dataSource.ExecuteAsync("INSERT INTO q_err VALUES ($1)", 1));
        Assert.Equal("23505", duplicate.SqlState);
        Assert.Equal("q_err", duplicate.TableName);
        Assert.Equal("q_err_pk", duplicate.ConstraintName);
        Assert.Equal("public", duplicate.SchemaName);
        Assert.Contains("(id)=(1)", duplicate.Detail);
        Assert.NotNull(duplicate.File);
        Assert.NotNull(duplicate.Routine);

        var runtime = await Assert.ThrowsAsync<PgWireServerException>(async () => await dataSource.QueryAsync("SELECT 1 / $1", 0));
        Assert.Equal("22012", runtime.SqlState);

        using var rows = await dataSource.QueryAsync("SELECT count(*)::int FROM q_err");
        Assert.Equal(1, rows[0].Get<int>(0));
        Assert.Equal(1, dataSource.OpenConnectionCount);
    }

    [Fact]
    public async Task Notices_reach_the_data_source_s_handler()
    {
        var notices = new List<PgErrorFields>();
        await using var dataSource = fixture.CreateDataSourceBuilder().UseNoticeHandler((_, e) => { lock (notices) notices.Add(e.Notice); }).Build();
        await dataSource.ExecuteAsync("DO $$ BEGIN RAISE NOTICE 'hello %', 42 USING HINT = 'a hint'; RAISE WARNING 'careful'; END $$");
        Assert.Equal(2, notices.Count);
        Assert.Equal("hello 42", notices[0].MessageText);
        Assert.Equal("NOTICE", notices[0].Severity);
        Assert.Equal("a hint", notices[0].Hint);
        Assert.Equal("WARNING", notices[1].Severity);
    }

    [Fact]
    public async Task An_empty_result_has_columns_and_no_rows()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync("SELECT 1 AS a, 'x'::text AS b WHERE false");
        Assert.Empty(rows);
        Assert.Equal(2, rows.Columns.Count);
        using var none = await dataSource.QueryAsync("SET application_name = 'x'");
        Assert.Empty(none);
        Assert.Empty(none.Columns);
    }

    [Fact]
    public async Task The_same_text_with_changed_result_types_still_decodes_right()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS q_alter; CREATE TABLE q_alter (v int); INSERT INTO q_alter VALUES (7)");
        using (var rows = await dataSource.QueryAsync("SELECT v FROM q_alter")) Assert.Equal(7, rows[0].Get<int>(0));
        await dataSource.ExecuteAsync("ALTER TABLE q_alter ALTER COLUMN v TYPE text USING 'seven'");
        using (var rows = await dataSource.QueryAsync("SELECT v FROM q_alter")) Assert.Equal("seven", rows[0].Get<string>(0));
    }

    [Fact]
    public async Task Fifty_thousand_rows_read_back_exactly()
    {
        await using var dataSource = fixture.CreateDataSource();
        using var rows = await dataSource.QueryAsync(
            "SELECT g, g::int8 * 1000000, 'row ' || g, g / 7.0, g % 2 = 0, (g / 7.0)::text FROM generate_series(1, $1) g", 50_000);
        Assert.Equal(50_000, rows.Count);
        long sum = 0;
        var index = 0;
        foreach (var row in rows)
        {
            index++;
            Assert.Equal(index, row.Get<int>(0));
            sum += row.Get<long>(1);
            Assert.Equal($"row {index}", row.Get<string>(2));
            Assert.Equal(index % 2 == 0, row.Get<bool>(4));
            Assert.Equal(decimal.Parse(row.Get<string>(5), System.Globalization.CultureInfo.InvariantCulture), row.Get<decimal>(3));
        }
        Assert.Equal(50_000L * 50_001 / 2 * 1_000_000, sum);
    }
}

[Collection(ServerCollection.Name)]
public class PreparedStatementTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_statement_is_prepared_once_per_session_and_reused()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        for (var i = 0; i < 3; i++)
        {
            using var rows = await dataSource.QueryAsync("SELECT $1::int + 1 AS v", i);
            Assert.Equal(i + 1, rows[0].Get<int>(0));
        }
        using var prepared = await dataSource.QueryAsync("SELECT count(*)::int FROM pg_prepared_statements WHERE statement = 'SELECT $1::int + 1 AS v'");
        Assert.Equal(1, prepared[0].Get<int>(0));
    }

    [Fact]
    public async Task A_result_type_changed_by_another_session_is_handled_transparently()
    {
        // Prepared at first use, so the second run meets the server's 0A000 for the named statement.
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Auto Prepare Min Usages=1");
        await using var other = fixture.CreateDataSource();
        await other.ExecuteAsync("DROP TABLE IF EXISTS q_stale; CREATE TABLE q_stale (v int); INSERT INTO q_stale VALUES (7)");
        using (var rows = await dataSource.QueryAsync("SELECT * FROM q_stale WHERE $1", true)) Assert.Equal(7, rows[0].Get<int>(0));
        await other.ExecuteAsync("ALTER TABLE q_stale ALTER COLUMN v TYPE text USING 'seven'");
        using (var rows = await dataSource.QueryAsync("SELECT * FROM q_stale WHERE $1", true)) Assert.Equal("seven", rows[0].Get<string>(0));
    }

    [Fact]
    public async Task Statements_deallocated_behind_the_driver_s_back_are_prepared_again()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Auto Prepare Min Usages=1");
        using (var rows = await dataSource.QueryAsync("SELECT $1::text", "a")) Assert.Equal("a", rows[0].Get<string>(0));
        using (await dataSource.QueryAsync("DEALLOCATE ALL")) { }
        using (var rows = await dataSource.QueryAsync("SELECT $1::text", "b")) Assert.Equal("b", rows[0].Get<string>(0));
    }
}

[Collection(ServerCollection.Name)]
public class ScriptCacheTests(ServerFixture fixture)
{
    private static async Task<int> PreparedCount(PgWireDataSource dataSource)
    {
        using var rows = await dataSource.QueryAsync("SELECT count(*)::int FROM pg_prepared_statements WHERE statement = 'SELECT $1::int AS kept'");
        return rows[0].Get<int>(0);
    }

    [Fact]
    public async Task A_data_only_script_keeps_prepared_statements_and_DDL_drops_them()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS s_cache; CREATE TABLE s_cache (v int)");
        using (await dataSource.QueryAsync("SELECT $1::int AS kept", 1)) { }
        Assert.Equal(0, await PreparedCount(dataSource)); // run once: the unnamed statement (Auto Prepare Min Usages=2)
        using (await dataSource.QueryAsync("SELECT $1::int AS kept", 2)) { }
        await dataSource.ExecuteAsync("INSERT INTO s_cache VALUES (1); UPDATE s_cache SET v = 2");
        Assert.Equal(1, await PreparedCount(dataSource));
        await dataSource.ExecuteAsync("-- a comment\n ALTER TABLE s_cache ADD COLUMN w int");
        using (await dataSource.QueryAsync("SELECT 1")) { } // the next request closes what the cache dropped
        Assert.Equal(0, await PreparedCount(dataSource));
    }
}
