using System.Diagnostics;
using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class StreamingTests(ServerFixture fixture)
{
    [Fact]
    public async Task Rows_stream_in_order_and_the_connection_is_free_at_the_end()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Timeout=2");
        await using (var reader = await dataSource.QueryStreamingAsync("SELECT g, 'row ' || g AS name, NULLIF(g % 3, 0) AS m FROM generate_series(1, $1) g", 100_000))
        {
            Assert.Equal(3, reader.FieldCount);
            Assert.Equal(["g", "name", "m"], reader.Columns.Select(c => c.Name));
            var expected = 0;
            while (await reader.ReadAsync())
            {
                expected++;
                Assert.Equal(expected, reader.Get<int>(0));
                Assert.Equal($"row {expected}", reader.Get<string>("name"));
                Assert.Equal(expected % 3 == 0, reader.IsNull(2));
                Assert.Equal(expected % 3 == 0 ? null : expected % 3, reader.Get<int?>("m"));
            }
            Assert.Equal(100_000, expected);
            Assert.Equal(100_000, reader.RowsAffected);
            Assert.False(await reader.ReadAsync());
            Assert.Throws<InvalidOperationException>(() => reader.Get<int>(0));
        }
        using var next = await dataSource.QueryAsync("SELECT 1");
        Assert.Equal(1, next[0].Get<int>(0));
    }

    [Fact]
    public async Task A_large_result_streams_in_bounded_memory()
    {
        // About 10 million rows of ~40 bytes on the wire (~400 MB): the managed heap must stay small throughout.
        const int rows = 10_000_000;
        await using var dataSource = fixture.CreateDataSource();
        await using var reader = await dataSource.QueryStreamingAsync("SELECT g, 'some text of a row' FROM generate_series(1, $1) g", rows);
        long count = 0, sum = 0, peak = 0;
        var before = GC.GetTotalMemory(true);
        while (await reader.ReadAsync())
        {
            count++;
            sum += reader.Get<int>(0);
            if (count % 500_000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(false) - before);
        }
        Assert.Equal(rows, count);
        Assert.Equal((long)rows * (rows + 1) / 2, sum);
        Assert.True(peak < 64L * 1024 * 1024, $"the heap grew by {peak / 1024 / 1024} MB while streaming");
    }

    [Fact]
    public async Task Disposing_early_discards_the_rest_and_frees_the_connection()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Timeout=5");
        await using (var reader = await dataSource.QueryStreamingAsync("SELECT g FROM generate_series(1, 200000) g"))
        {
            for (var i = 1; i <= 10; i++)
            {
                Assert.True(await reader.ReadAsync());
                Assert.Equal(i, reader.Get<int>(0));
            }
        }
        using var next = await dataSource.QueryAsync("SELECT pg_backend_pid() > 0");
        Assert.True(next[0].Get<bool>(0));
        Assert.Equal(1, dataSource.OpenConnectionCount);
    }

    [Fact]
    public async Task An_error_partway_is_thrown_by_ReadAsync_and_the_connection_stays_usable()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await using (var reader = await dataSource.QueryStreamingAsync("SELECT 1 / (50000 - g) FROM generate_series(1, 100000) g"))
        {
            var read = 0;
            var e = await Assert.ThrowsAsync<PgWireServerException>(async () =>
            {
                while (await reader.ReadAsync()) read++;
            });
            Assert.Equal("22012", e.SqlState);
            Assert.True(read < 50_000);
        }
        using var next = await dataSource.QueryAsync("SELECT 2");
        Assert.Equal(2, next[0].Get<int>(0));
        Assert.Equal(1, dataSource.OpenConnectionCount);
    }

    [Fact]
    public async Task Errors_before_the_first_row_come_from_QueryStreamingAsync()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        var e = await Assert.ThrowsAsync<PgWireServerException>(async () => await dataSource.QueryStreamingAsync("SELECT * FROM no_such_table_here"));
        Assert.Equal("42P01", e.SqlState);
        using var next = await dataSource.QueryAsync("SELECT 3");
        Assert.Equal(3, next[0].Get<int>(0));
    }

    [Fact]
    public async Task Cancelling_a_wait_for_rows_cancels_on_the_server()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await using (var reader = await dataSource.QueryStreamingAsync(
            "SELECT g, CASE WHEN g = 5 THEN pg_sleep(30) END FROM generate_series(1, 10) g"))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var watch = Stopwatch.StartNew();
            var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                while (await reader.ReadAsync(cts.Token)) { }
            });
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
            Assert.Equal("57014", Assert.IsType<PgWireServerException>(e.InnerException).SqlState);
        }
        using var next = await dataSource.QueryAsync("SELECT 4");
        Assert.Equal(4, next[0].Get<int>(0));
    }

    [Fact]
    public async Task Streaming_and_buffered_reads_agree_on_every_type()
    {
        const string sql = "SELECT 1::int2, 2::int4, 3::int8, 1.5::float4, 2.5::float8, 12.34::numeric, true, 'text', '\\x0102'::bytea, " +
            "'00112233-4455-6677-8899-aabbccddeeff'::uuid, '2024-02-29'::date, '2024-02-29 12:34:56.789'::timestamp, " +
            "'2024-02-29 12:34:56.789+00'::timestamptz, '{\"a\": 1}'::jsonb, '1 day'::interval, NULL::int";
        await using var dataSource = fixture.CreateDataSource();
        using var set = await dataSource.QueryAsync(sql);
        await using var reader = await dataSource.QueryStreamingAsync(sql);
        Assert.True(await reader.ReadAsync());
        for (var i = 0; i < set.Columns.Count; i++)
        {
            Assert.Equal(set[0].Get<object>(i), reader.Get<object>(i));
            Assert.Equal(set.Columns[i].TypeName, reader.Columns[i].TypeName);
        }
        Assert.False(await reader.ReadAsync());
    }
}
