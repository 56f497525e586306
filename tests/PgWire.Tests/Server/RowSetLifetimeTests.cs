using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class RowSetLifetimeTests(ServerFixture fixture)
{
    [Fact]
    public async Task Every_access_after_dispose_throws_ObjectDisposedException()
    {
        await using var dataSource = fixture.CreateDataSource();
        var rows = await dataSource.QueryAsync("SELECT g, 'v' || g FROM generate_series(1, 10) g");
        var row = rows[3];
        Assert.Equal(4, row.Get<int>(0));
        rows.Dispose();
        Assert.Throws<ObjectDisposedException>(() => rows.Count);
        Assert.Throws<ObjectDisposedException>(() => rows[0]);
        Assert.Throws<ObjectDisposedException>(() => rows.Columns);
        Assert.Throws<ObjectDisposedException>(() => rows.GetEnumerator());
        Assert.Throws<ObjectDisposedException>(() => row.Get<int>(0));
        Assert.Throws<ObjectDisposedException>(() => row.IsNull(0));
        Assert.Throws<ObjectDisposedException>(() => row.FieldCount);
        rows.Dispose(); // idempotent
    }

    [Fact]
    public async Task A_stale_row_still_throws_when_its_memory_serves_a_later_query()
    {
        await using var dataSource = fixture.CreateDataSource();
        var first = await dataSource.QueryAsync("SELECT 111");
        var staleRow = first[0];
        first.Dispose();
        // Later queries rent pooled buffers, very likely the very one the first set released.
        var later = new List<PgRowSet>();
        for (var i = 0; i < 50; i++) later.Add(await dataSource.QueryAsync("SELECT 222"));
        Assert.Throws<ObjectDisposedException>(() => staleRow.Get<int>(0));
        Assert.All(later, set => Assert.Equal(222, set[0].Get<int>(0)));
        foreach (var set in later) set.Dispose();
    }

    [Fact]
    public async Task Enumerating_after_dispose_mid_loop_throws()
    {
        await using var dataSource = fixture.CreateDataSource();
        var rows = await dataSource.QueryAsync("SELECT generate_series(1, 5)");
        var seen = 0;
        Assert.Throws<ObjectDisposedException>(() =>
        {
            foreach (var row in rows)
            {
                seen += row.Get<int>(0);
                rows.Dispose();
            }
        });
        Assert.Equal(1, seen);
    }
}
