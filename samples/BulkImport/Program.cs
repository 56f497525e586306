using System.Diagnostics;
using PgWire;
using PgWire.Testing;

// Bulk movement with COPY: a binary import of generated rows, a CSV export to a file, and that file imported again.
// Uses PGWIRE_CONNECTION when set; otherwise starts a throwaway local PostgreSQL and says so.
await using var server = await PgTestServer.FromEnvironmentOrStartAsync("PGWIRE_CONNECTION");
var connectionString = server.ConnectionString;

var csvFile = Path.Combine(Path.GetTempPath(), $"pgwire-bulk-{Environment.ProcessId}.csv");
try
{
    await using var dataSource = PgWireDataSource.Create(connectionString);
    await dataSource.ExecuteAsync("""
        DROP TABLE IF EXISTS bulk_readings, bulk_readings_copy;
        CREATE TABLE bulk_readings (id int PRIMARY KEY, sensor text NOT NULL, value float8, taken timestamptz NOT NULL);
        CREATE TABLE bulk_readings_copy (LIKE bulk_readings);
        """);
    await using var connection = await dataSource.OpenConnectionAsync();

    // 1. Binary import: typed values, checked against the columns' types before they are sent.
    const int rows = 200_000;
    var clock = Stopwatch.StartNew();
    var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    await using (var importer = await connection.BeginBinaryImportAsync("COPY bulk_readings (id, sensor, value, taken) FROM STDIN (FORMAT BINARY)"))
    {
        for (var i = 1; i <= rows; i++)
        {
            await importer.StartRowAsync();
            importer.Write(i);
            importer.Write($"sensor-{i % 50}");
            if (i % 7 == 0) importer.WriteNull(); else importer.Write(Math.Sin(i) * 100);
            importer.Write(start.AddSeconds(i));
        }
        var imported = await importer.CompleteAsync(); // without this, disposing the importer would keep nothing
        Console.WriteLine($"Binary import: {imported:N0} rows in {clock.Elapsed.TotalMilliseconds:N0} ms");
    }

    // 1b. The same in one call, from records whose members match the columns (Sensor is sensor, TakenAt is taken_at).
    await dataSource.ExecuteAsync("DROP TABLE IF EXISTS bulk_events; CREATE TABLE bulk_events (id int PRIMARY KEY, sensor text NOT NULL, taken_at timestamptz NOT NULL)");
    clock.Restart();
    var events = Enumerable.Range(1, rows).Select(i => new SensorEvent(i, $"sensor-{i % 50}", start.AddSeconds(i)));
    // With a progress bar: PgWire reports rows, bytes and time at most every 100 ms, and once when committed.
    var inserted = await connection.BulkInsertAsync("bulk_events", ["id", "sensor", "taken_at"], events, new ProgressBar(rows));
    Console.WriteLine($"BulkInsertAsync of records: {inserted:N0} rows in {clock.Elapsed.TotalMilliseconds:N0} ms");

    // 2. CSV export to a file, through a TextReader.
    clock.Restart();
    using (var reader = await connection.BeginTextExportAsync("COPY bulk_readings TO STDOUT (FORMAT CSV, HEADER)"))
    await using (var file = File.CreateText(csvFile))
    {
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0) await file.WriteAsync(buffer.AsMemory(0, read));
    }
    Console.WriteLine($"CSV export: {new FileInfo(csvFile).Length:N0} bytes to {csvFile} in {clock.Elapsed.TotalMilliseconds:N0} ms");

    // 3. The file imported again as raw bytes: a stream copy.
    clock.Restart();
    await using (var file = File.OpenRead(csvFile))
    await using (var copy = await connection.BeginRawCopyAsync("COPY bulk_readings_copy FROM STDIN (FORMAT CSV, HEADER)"))
    {
        await file.CopyToAsync(copy);
        await copy.DisposeAsync(); // commits; the row count is known afterwards
        Console.WriteLine($"CSV import from the file: {copy.Rows:N0} rows in {clock.Elapsed.TotalMilliseconds:N0} ms");
    }

    // 4. A binary export read back as typed values.
    await using (var exporter = await connection.BeginBinaryExportAsync(
        "COPY (SELECT sensor, count(*), avg(value) FROM bulk_readings_copy GROUP BY sensor ORDER BY sensor LIMIT 3) TO STDOUT (FORMAT BINARY)"))
    {
        while (await exporter.StartRowAsync() != -1)
            Console.WriteLine($"  {exporter.Read<string>()}: {exporter.Read<long>():N0} readings, average {exporter.Read<double?>():F3}");
    }

    using var check = await dataSource.QueryAsync(
        "SELECT (SELECT count(*) FROM bulk_readings_copy), (SELECT sum(hashtext(r::text)) FROM bulk_readings r) = (SELECT sum(hashtext(r::text)) FROM bulk_readings_copy r)");
    Console.WriteLine($"Copied table: {check[0].Get<long>(0):N0} rows, identical to the original: {check[0].Get<bool>(1)}");
}
finally
{
    File.Delete(csvFile);
}

/// <summary>A row for BulkInsertAsync: members match the table's columns by name.</summary>
internal sealed record SensorEvent(int Id, string Sensor, DateTime TakenAt);

/// <summary>A console progress bar for a known number of rows, redrawn in place on each report.</summary>
internal sealed class ProgressBar(long total) : IProgress<PgProgress>
{
    private const int Width = 40;

    public void Report(PgProgress value)
    {
        var done = total > 0 ? Math.Clamp((double)Math.Max(value.Rows, 0) / total, 0, 1) : 0;
        var filled = (int)(done * Width);
        var line = $"\r  [{new string('#', filled)}{new string('.', Width - filled)}] {value.Rows,9:N0} rows  {value.RowsPerSecond,10:N0} rows/s  {value.Bytes / 1048576.0,6:N1} MiB";
        // Redrawn in place on a terminal; one line per report where output is redirected (a log keeps every report).
        if (Console.IsOutputRedirected) Console.WriteLine(line.TrimStart('\r'));
        else Console.Write(line);
        if (value.IsCompleted && !Console.IsOutputRedirected) Console.WriteLine();
    }
}
