using Dapper;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.AdoNet;

public sealed class Product
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public decimal? UnitPrice { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed record Tag(int Id, string Label);

[Collection(ServerCollection.Name)]
public class DapperTests(ServerFixture fixture)
{
    private async Task<PgWireConnection> OpenAsync()
    {
        var connection = new PgWireConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync("""
            DROP TABLE IF EXISTS dapper_products;
            CREATE TABLE dapper_products (id int PRIMARY KEY, name text NOT NULL, unit_price numeric, created_at timestamp NOT NULL, tag_id int);
            """);
        return connection;
    }

    [Fact]
    public async Task Query_execute_and_parameters_of_core_types()
    {
        await using var connection = await OpenAsync();
        var created = new DateTime(2024, 5, 6, 7, 8, 9);
        var inserted = await connection.ExecuteAsync(
            "INSERT INTO dapper_products (id, name, unit_price, created_at) VALUES (@Id, @Name, @UnitPrice, @CreatedAt)",
            new[]
            {
                new Product { Id = 1, Name = "apple", UnitPrice = 1.25m, CreatedAt = created },
                new Product { Id = 2, Name = "pear", UnitPrice = null, CreatedAt = created },
                new Product { Id = 3, Name = "plum \ud83d\ude00", UnitPrice = 3m, CreatedAt = created },
            });
        Assert.Equal(3, inserted);

        DefaultTypeMap.MatchNamesWithUnderscores = true;
        try
        {
            var products = (await connection.QueryAsync<Product>("SELECT * FROM dapper_products WHERE id >= @min ORDER BY id", new { min = 1 })).ToList();
            Assert.Equal(["apple", "pear", "plum \ud83d\ude00"], products.Select(p => p.Name));
            Assert.Null(products[1].UnitPrice);
            Assert.Equal(1.25m, products[0].UnitPrice);
            Assert.Equal(created, products[2].CreatedAt);

            var single = await connection.QuerySingleAsync<Product>("SELECT * FROM dapper_products WHERE id = @id", new { id = 2 });
            Assert.Equal("pear", single.Name);
            Assert.Null(await connection.QueryFirstOrDefaultAsync<Product>("SELECT * FROM dapper_products WHERE id = 99"));
            await Assert.ThrowsAsync<InvalidOperationException>(() => connection.QuerySingleAsync<Product>("SELECT * FROM dapper_products"));
        }
        finally
        {
            DefaultTypeMap.MatchNamesWithUnderscores = false;
        }

        Assert.Equal(3L, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM dapper_products"));
        var bytes = new byte[] { 0, 1, 2, 255 };
        var guid = Guid.NewGuid();
        var row = await connection.QuerySingleAsync<(byte[] B, Guid G, string? N, bool F, double D, long L, DateOnly Day)>(
            "SELECT @b, @g, @n, @f, @d, @l, @day",
            new { b = bytes, g = guid, n = (string?)null, f = true, d = 0.5, l = long.MaxValue, day = new DateOnly(2024, 2, 29) });
        var more = await connection.QuerySingleAsync<(short S, float R, DateTimeOffset O, int? Missing, decimal M)>(
            "SELECT @s, @r, @o, @missing, @m",
            new { s = (short)-7, r = 1.5f, o = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), missing = (int?)null, m = -12.345m });
        Assert.Equal((short)-7, more.S);
        Assert.Equal(1.5f, more.R);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 1, 4, 5, TimeSpan.Zero), more.O);
        Assert.Null(more.Missing);
        Assert.Equal(-12.345m, more.M);
        Assert.Equal(bytes, row.B);
        Assert.Equal(guid, row.G);
        Assert.Null(row.N);
        Assert.True(row.F);
        Assert.Equal(long.MaxValue, row.L);
        Assert.Equal(new DateOnly(2024, 2, 29), row.Day);
    }

    [Fact]
    public async Task Records_multi_mapping_multiple_results_unbuffered_and_transactions()
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync("""
            DROP TABLE IF EXISTS dapper_tags; CREATE TABLE dapper_tags (id int PRIMARY KEY, label text NOT NULL);
            INSERT INTO dapper_tags VALUES (10, 'fruit');
            INSERT INTO dapper_products VALUES (1, 'apple', 1, now(), 10), (2, 'kiwi', 2, now(), 10);
            """);

        var tags = (await connection.QueryAsync<Tag>("SELECT id, label FROM dapper_tags")).ToList();
        Assert.Equal(new Tag(10, "fruit"), Assert.Single(tags));

        var pairs = (await connection.QueryAsync<Product, Tag, (Product, Tag)>(
            "SELECT p.id, p.name, t.id, t.label FROM dapper_products p JOIN dapper_tags t ON t.id = p.tag_id ORDER BY p.id",
            (p, t) => (p, t), splitOn: "id")).ToList();
        Assert.Equal(2, pairs.Count);
        Assert.Equal("kiwi", pairs[1].Item1.Name);
        Assert.Equal("fruit", pairs[1].Item2.Label);

        await using (var multi = await connection.QueryMultipleAsync("SELECT count(*) FROM dapper_products; SELECT label FROM dapper_tags"))
        {
            Assert.Equal(2L, await multi.ReadSingleAsync<long>());
            Assert.Equal(["fruit"], await multi.ReadAsync<string>());
        }

        var streamed = 0;
        foreach (var id in connection.Query<int>("SELECT g FROM generate_series(1, 10000) g", buffered: false)) streamed += id > 0 ? 1 : 0;
        Assert.Equal(10000, streamed);

        await using (var tx = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync("DELETE FROM dapper_products", transaction: tx);
            await tx.RollbackAsync();
        }
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM dapper_products"));
    }
}

public enum DapperMood { Happy, Sad, VerySad }

public sealed class DapperDocument
{
    public int Id { get; set; }
    public string[] Tags { get; set; } = [];
    public List<int> Scores { get; set; } = [];
    public string Body { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public DapperMood Mood { get; set; }
    public DapperMood[] History { get; set; } = [];
}

/// <summary>The PostgreSQL idioms through Dapper, with PgWire.Dapper's handlers registered (issue 13).</summary>
[Collection(ServerCollection.Name)]
public class DapperPostgresIdiomTests(ServerFixture fixture)
{
    private async Task<(PgWireDataSource, PgWireConnection)> OpenAsync()
    {
        PgWire.Dapper.PgWireDapper.AddTypeHandlers();
        PgWire.Dapper.PgWireDapper.AddEnumArrays<DapperMood>();
        await using (var setup = new PgWireConnection(fixture.ConnectionString))
        {
            await setup.OpenAsync();
            await setup.ExecuteAsync("""
                DROP TABLE IF EXISTS dapper_docs; DROP TYPE IF EXISTS dapper_mood;
                CREATE TYPE dapper_mood AS ENUM ('happy', 'sad', 'very_sad');
                CREATE TABLE dapper_docs (id int PRIMARY KEY, tags text[], scores int[], body jsonb, at timestamptz, mood dapper_mood, history dapper_mood[]);
                """);
        }
        var dataSource = fixture.CreateDataSourceBuilder().MapEnum<DapperMood>("dapper_mood").Build();
        return (dataSource, await dataSource.OpenConnectionAsync());
    }

    [Fact]
    public async Task ANY_takes_arrays_and_lists_of_every_common_element_type()
    {
        var (dataSource, connection) = await OpenAsync();
        await using (dataSource)
        await using (connection)
        {
            Assert.Equal([2, 4], await connection.QueryAsync<int>("SELECT g FROM generate_series(1, 5) g WHERE g = ANY(@ids) ORDER BY g", new { ids = new[] { 2, 4, 9 } }));
            Assert.Equal([2, 4], await connection.QueryAsync<int>("SELECT g FROM generate_series(1, 5) g WHERE g = ANY(@ids) ORDER BY g", new { ids = new List<int> { 4, 2 } }));
            Assert.Equal([3L], await connection.QueryAsync<long>("SELECT g FROM generate_series(1::int8, 5) g WHERE g = ANY(@ids)", new { ids = new[] { 3L, 30L } }));
            var guid = Guid.NewGuid();
            Assert.Equal([guid], await connection.QueryAsync<Guid>("SELECT u FROM unnest(@all) u WHERE u = ANY(@ids)", new { all = new[] { guid, Guid.NewGuid() }, ids = new List<Guid> { guid } }));
            Assert.Equal(["b"], await connection.QueryAsync<string>("SELECT s FROM unnest(ARRAY['a', 'b']) s WHERE s = ANY(@names)", new { names = new[] { "b", "z" } }));
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM unnest(@values) v WHERE v IS NULL", new { values = new int?[] { 1, null, 3 } }));
            // IN @ids, the form Dapper users also write: an array parameter (with the handlers), or Dapper's own expansion.
            Assert.Equal([1, 5], await connection.QueryAsync<int>("SELECT g FROM generate_series(1, 5) g WHERE g IN @ids ORDER BY g", new { ids = new[] { 5, 1 } }));
            Assert.Equal([2, 3, 4], await connection.QueryAsync<int>("SELECT g FROM generate_series(1, 5) g WHERE g NOT IN @ids ORDER BY g", new { ids = new List<int> { 5, 1 } }));
            Assert.Equal([1, 5], await connection.QueryAsync<int>("SELECT g FROM generate_series(1, 5) g WHERE g IN @ids ORDER BY g", new { ids = new[] { 5, 1, 7 }.Where(i => i < 7) }));
            Assert.Empty(await connection.QueryAsync<int>("SELECT g FROM generate_series(1, 5) g WHERE g IN @ids", new { ids = Array.Empty<int>() }));
        }
    }

    [Fact]
    public async Task Dapper_s_commands_run_in_the_connection_s_transaction_even_when_it_is_not_passed()
    {
        var (dataSource, connection) = await OpenAsync();
        await using (dataSource)
        await using (connection)
        {
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                // Dapper makes its commands with CreateCommand, which sets the connection's current transaction.
                await connection.ExecuteAsync("INSERT INTO dapper_docs (id) VALUES (@id)", new { id = 9 });
                Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM dapper_docs"));
                await transaction.RollbackAsync();
            }
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM dapper_docs"));
        }
    }

    [Fact]
    public async Task Arrays_jsonb_DateTimeOffset_and_enums_go_in_and_come_back()
    {
        var (dataSource, connection) = await OpenAsync();
        await using (dataSource)
        await using (connection)
        {
            var at = new DateTimeOffset(2024, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));
            var inserted = await connection.ExecuteAsync(
                "INSERT INTO dapper_docs VALUES (@Id, @Tags, @Scores, @Body::jsonb, @At, @Label::dapper_mood, @History)",
                new { Id = 1, Tags = new[] { "a", "b c" }, Scores = new List<int> { 3, 1 }, Body = """{"k": [1, 2]}""", At = at, Label = "very_sad", History = new[] { DapperMood.Sad, DapperMood.Happy } });
            Assert.Equal(1, inserted);
            await connection.ExecuteAsync("INSERT INTO dapper_docs (id, body) VALUES (@id, @body)",
                new { id = 2, body = System.Text.Json.JsonDocument.Parse("""{"from": "document"}""") });

            var document = await connection.QuerySingleAsync<DapperDocument>("SELECT * FROM dapper_docs WHERE id = 1");
            Assert.Equal(["a", "b c"], document.Tags);
            Assert.Equal([3, 1], document.Scores);
            Assert.Equal("""{"k": [1, 2]}""", document.Body);
            Assert.Equal(at, document.At);
            Assert.Equal(DapperMood.VerySad, document.Mood);
            Assert.Equal([DapperMood.Sad, DapperMood.Happy], document.History);
            Assert.Equal(at, await connection.QuerySingleAsync<DateTimeOffset>("SELECT at FROM dapper_docs WHERE id = 1"));
            Assert.Equal(DapperMood.VerySad, await connection.QuerySingleAsync<DapperMood>("SELECT mood FROM dapper_docs WHERE id = 1"));
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM dapper_docs WHERE mood = ANY(@moods)", new { moods = new[] { DapperMood.VerySad } }));
            using var body = await connection.QuerySingleAsync<System.Text.Json.JsonDocument>("SELECT body FROM dapper_docs WHERE id = 2");
            Assert.Equal("document", body.RootElement.GetProperty("from").GetString());
        }
    }
}
