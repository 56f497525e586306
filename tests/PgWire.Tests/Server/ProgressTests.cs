using System.Collections.Concurrent;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>Records every report at once, on the reporting thread (Progress&lt;T&gt; would post them elsewhere).</summary>
public sealed class RecordedProgress : IProgress<PgProgress>
{
    private readonly ConcurrentQueue<PgProgress> _reports = new();

    public IReadOnlyList<PgProgress> Reports => [.. _reports];

    public void Report(PgProgress value) => _reports.Enqueue(value);
}

[Collection(ServerCollection.Name)]
public class ProgressTests(ServerFixture fixture)
{
    private static void AssertWellFormed(IReadOnlyList<PgProgress> reports, long rows)
    {
        Assert.NotEmpty(reports);
        var last = reports[^1];
        Assert.True(last.IsCompleted, "the last report says the operation completed");
        Assert.Equal(rows, last.Rows);
        Assert.True(last.Bytes > 0);
        Assert.Single(reports, r => r.IsCompleted);
        for (var i = 1; i < reports.Count; i++)
        {
            Assert.True(reports[i].Elapsed >= reports[i - 1].Elapsed);
            Assert.True(reports[i].Bytes >= reports[i - 1].Bytes);
            if (reports[i - 1].Rows >= 0) Assert.True(reports[i].Rows >= reports[i - 1].Rows);
        }
        // A bounded rate: never more than one report per 100 ms, plus the last.
        Assert.True(reports.Count <= last.Elapsed.TotalMilliseconds / 100 + 2, $"{reports.Count} reports in {last.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_bulk_insert_reports_rows_and_bytes_as_it_goes_and_once_at_the_end()
    {
        await using var dataSource = fixture.CreateDataSource();
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS progress_rows; CREATE TABLE progress_rows (id int, label text)");
        var progress = new RecordedProgress();
        const int count = 300_000;
        var inserted = await dataSource.BulkInsertAsync("progress_rows", ["id", "label"], Rows(), progress);
        Assert.Equal((ulong)count, inserted);
        var reports = progress.Reports;
        AssertWellFormed(reports, count);
        Assert.True(reports[^1].RowsPerSecond > 0);
        // Reports came while the rows were still being sent (300,000 rows take well over 100 ms).
        Assert.Contains(reports, r => !r.IsCompleted && r.Rows > 0 && r.Rows < count);

        static IEnumerable<(int, string)> Rows()
        {
            for (var i = 0; i < count; i++) yield return (i, "row number " + i);
        }
    }

    [Fact]
    public async Task Exports_report_the_rows_read()
    {
        await using var dataSource = fixture.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        var binary = new RecordedProgress();
        await using (var exporter = await connection.BeginBinaryExportAsync("COPY (SELECT n FROM generate_series(1, 50000) AS n) TO STDOUT (FORMAT BINARY)", binary))
            while (await exporter.StartRowAsync() != -1) exporter.Read<int>();
        AssertWellFormed(binary.Reports, 50_000);

        var text = new RecordedProgress();
        using (var reader = await connection.BeginTextExportAsync("COPY (SELECT n FROM generate_series(1, 20000) AS n) TO STDOUT", text))
            Assert.Equal(20_000, (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        AssertWellFormed(text.Reports, 20_000);
    }

    [Fact]
    public async Task A_text_import_reports_bytes_and_the_rows_the_server_counted()
    {
        await using var dataSource = fixture.CreateDataSource();
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS progress_text; CREATE TABLE progress_text (id int)");
        await using var connection = await dataSource.OpenConnectionAsync();
        var progress = new RecordedProgress();
        await using (var writer = await connection.BeginTextImportAsync("COPY progress_text FROM STDIN", progress))
            for (var i = 0; i < 30000; i++) await writer.WriteAsync($"{i}\n");
        AssertWellFormed(progress.Reports, 30_000);
        Assert.All(progress.Reports.Where(r => !r.IsCompleted), r => Assert.Equal(-1, r.Rows)); // not known before the end
    }

    [Fact]
    public async Task A_pipeline_reports_the_queries_answered()
    {
        await using var dataSource = fixture.CreateDataSource();
        var progress = new RecordedProgress();
        var sets = Enumerable.Range(0, 5000).Select(i => new object?[] { i }).ToList();
        using var results = await dataSource.PipelineAsync("SELECT $1::int", sets, independentQueries: false, progress);
        Assert.Equal(5000, results.Count);
        AssertWellFormed(progress.Reports, 5000);
    }
}
