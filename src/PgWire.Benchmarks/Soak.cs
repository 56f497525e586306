using System.Collections.Concurrent;
using System.Diagnostics;

namespace PgWire.Benchmarks;

/// <summary>
/// A soak run (by hand, not CI): many callers on a small pool for a long time, mixing point queries, streaming
/// reads, pipelines, transactions, COPY and cancellations, every answer checked. Prints throughput, p50/p99 per
/// operation, errors by type, the server's connection count and the managed heap before and after.
/// <c>dotnet run -c Release --project src/PgWire.Benchmarks -- --soak [minutes] [callers] [pool]</c>.
/// </summary>
public static class Soak
{
    private const string Application = "pgwire-soak";

    /// <summary>An operation's latencies in a histogram of 10 us buckets up to 5 s (allocated before the heap is measured).</summary>
    private sealed class Operation(string name)
    {
        private const double BucketMs = 0.01;
        private readonly long[] _buckets = new long[500_001];
        private long _maxTicks;

        public string Name { get; } = name;
        public long Count;

        public void Record(long startTimestamp)
        {
            var elapsed = Stopwatch.GetElapsedTime(startTimestamp);
            Interlocked.Increment(ref _buckets[Math.Min(_buckets.Length - 1, (int)(elapsed.TotalMilliseconds / BucketMs))]);
            Interlocked.Increment(ref Count);
            long seen;
            while (elapsed.Ticks > (seen = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, elapsed.Ticks, seen) != seen) { }
        }

        public double MaxMs => TimeSpan.FromTicks(Interlocked.Read(ref _maxTicks)).TotalMilliseconds;

        public double Percentile(double q)
        {
            var total = Interlocked.Read(ref Count);
            if (total == 0) return 0;
            var target = (long)Math.Ceiling(q * total);
            long seen = 0;
            for (var i = 0; i < _buckets.Length; i++)
            {
                seen += _buckets[i];
                if (seen >= target) return (i + 1) * BucketMs;
            }
            return MaxMs;
        }
    }

    public static async Task RunAsync(int minutes, int callers, int pool)
    {
        var connectionString = BenchmarkServer.ConnectionString + $";Application Name={Application};Maximum Pool Size={pool};Timeout=60;Command Timeout=30";
        await using var dataSource = PgWireDataSource.Create(connectionString);
        await using var admin = PgWireDataSource.Create(BenchmarkServer.ConnectionString + ";Pooling=false");
        await dataSource.ExecuteAsync("""
            CREATE UNLOGGED TABLE IF NOT EXISTS soak_items (id int PRIMARY KEY, name text NOT NULL, hits bigint NOT NULL DEFAULT 0);
            INSERT INTO soak_items (id, name) SELECT g, 'item ' || g FROM generate_series(1, 10000) g ON CONFLICT DO NOTHING;
            CREATE UNLOGGED TABLE IF NOT EXISTS soak_copy (caller int NOT NULL, n int NOT NULL, note text);
            TRUNCATE soak_copy
            """);

        var operations = new[] { "point query", "streaming 200 rows", "pipeline of 10", "transaction", "COPY 50 rows", "cancelled sleep" }
            .Select(n => new Operation(n)).ToArray();
        var errors = new ConcurrentDictionary<string, long>();
        var cancelledAsAsked = 0L;
        var wrong = 0L;

        // Warm up, then measure the heap.
        for (var i = 0; i < 100; i++) using (var rows = await dataSource.QueryAsync("SELECT 1")) { }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heapBefore = GC.GetTotalMemory(true);
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(minutes);
        var serverConnections = new List<int>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                try
                {
                    using var count = await admin.QueryAsync("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $1", Application);
                    lock (serverConnections) serverConnections.Add(count[0].Get<int>(0));
                    await Task.Delay(TimeSpan.FromSeconds(10), sampling.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            for (var iteration = 0; iteration < 10_000_000 && DateTime.UtcNow < deadline; iteration++)
            {
                var pick = random.Next(100);
                var operation = operations[pick < 50 ? 0 : pick < 60 ? 1 : pick < 70 ? 2 : pick < 85 ? 3 : pick < 90 ? 4 : 5];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    if (!await RunOneAsync(dataSource, operation.Name, caller, iteration, random)) Interlocked.Increment(ref wrong);
                    operation.Record(started);
                }
                catch (OperationCanceledException) when (operation.Name == "cancelled sleep")
                {
                    Interlocked.Increment(ref cancelledAsAsked);
                    operation.Record(started);
                }
                catch (Exception e)
                {
                    errors.AddOrUpdate($"{operation.Name}: {e.GetType().Name}{(e is PgWireServerException p ? " " + p.SqlState : "")}", 1, (_, n) => n + 1);
                }
            }
        })));
        var elapsed = clock.Elapsed;
        var cpu = process.TotalProcessorTime - cpuBefore;
        await sampling.CancelAsync();
        await sampler;
        using (var final = await admin.QueryAsync("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $1", Application))
            lock (serverConnections) serverConnections.Add(final[0].Get<int>(0));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heapAfter = GC.GetTotalMemory(true);

        var total = operations.Sum(o => Interlocked.Read(ref o.Count));
        Console.WriteLine($"Soak: {callers} callers, Maximum Pool Size={pool}, {elapsed.TotalMinutes:F1} min, {total:N0} operations, {total / elapsed.TotalSeconds:N0} ops/s, client CPU {cpu.TotalSeconds / elapsed.TotalSeconds:F2} cores");
        Console.WriteLine($"{"operation",-22} {"count",12} {"p50 ms",9} {"p99 ms",9} {"max ms",9}");
        foreach (var operation in operations)
            Console.WriteLine($"{operation.Name,-22} {operation.Count,12:N0} {operation.Percentile(0.50),9:F2} {operation.Percentile(0.99),9:F2} {operation.MaxMs,9:F1}");
        Console.WriteLine($"cancelled sleeps cancelled (the rest finished first): {cancelledAsAsked:N0}; wrong answers: {wrong}");
        Console.WriteLine(errors.IsEmpty ? "errors: none" : "errors: " + string.Join("; ", errors.OrderBy(e => e.Key).Select(e => $"{e.Key} x{e.Value}")));
        lock (serverConnections)
            Console.WriteLine($"server connections ({Application}): max {serverConnections.Max()}, at the end {serverConnections[^1]}; pool open {dataSource.OpenConnectionCount}");
        Console.WriteLine($"managed heap: {heapBefore / 1024.0 / 1024:F1} MB before, {heapAfter / 1024.0 / 1024:F1} MB after");
    }

    /// <summary>Runs one operation; false when an answer was wrong (never expected).</summary>
    private static async Task<bool> RunOneAsync(PgWireDataSource dataSource, string operation, int caller, int iteration, Random random)
    {
        switch (operation)
        {
            case "point query":
            {
                var id = random.Next(1, 10_001);
                using var rows = await dataSource.QueryAsync("SELECT id, name FROM soak_items WHERE id = $1", id);
                return rows.Count == 1 && rows[0].Get<int>(0) == id && rows[0].Get<string>(1) == "item " + id;
            }
            case "streaming 200 rows":
            {
                var from = random.Next(1, 9_800);
                await using var reader = await dataSource.QueryStreamingAsync("SELECT id FROM soak_items WHERE id >= $1 ORDER BY id LIMIT 200", from);
                var expected = from;
                while (await reader.ReadAsync())
                    if (reader.Get<int>(0) != expected++) return false;
                return expected == from + 200;
            }
            case "pipeline of 10":
            {
                var sets = Enumerable.Range(0, 10).Select(i => new object?[] { random.Next(1, 10_001) }).ToArray();
                using var results = await dataSource.PipelineAsync("SELECT id FROM soak_items WHERE id = $1", sets);
                for (var i = 0; i < 10; i++)
                    if (results[i].Count != 1 || results[i][0].Get<int>(0) != (int)sets[i][0]!) return false;
                return true;
            }
            case "transaction":
            {
                var id = random.Next(1, 10_001);
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await using var update = new PgWireCommand("UPDATE soak_items SET hits = hits + 1 WHERE id = @id", connection) { Transaction = transaction, Parameters = { new PgWireParameter("id", id) } };
                if (await update.ExecuteNonQueryAsync() != 1) return false;
                await using var read = new PgWireCommand("SELECT name FROM soak_items WHERE id = @id", connection) { Transaction = transaction, Parameters = { new PgWireParameter("id", id) } };
                if ((string?)await read.ExecuteScalarAsync() != "item " + id) return false;
                if (random.Next(4) == 0) await transaction.RollbackAsync();
                else await transaction.CommitAsync();
                return true;
            }
            case "COPY 50 rows":
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                var rows = Enumerable.Range(0, 50).Select(n => (caller, n, "note " + iteration));
                return await connection.BulkInsertAsync("soak_copy", ["caller", "n", "note"], rows) == 50;
            }
            default:
            {
                // The token starts once the connection is held, so it cancels the statement (or loses the race with
                // its end), not the wait for the pool; the next statement on the session checks nothing leaked.
                await using var connection = await dataSource.OpenConnectionAsync();
                using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(0, 60))))
                {
                    await using var sleep = new PgWireCommand("SELECT pg_sleep(0.03)::text || @i", connection) { Parameters = { new PgWireParameter("i", iteration) } };
                    try
                    {
                        if ((string?)await sleep.ExecuteScalarAsync(cancel.Token) != iteration.ToString(System.Globalization.CultureInfo.InvariantCulture)) return false;
                    }
                    catch (OperationCanceledException)
                    {
                        await using var marker = new PgWireCommand("SELECT @i::int", connection) { Parameters = { new PgWireParameter("i", iteration) } };
                        if ((int)(await marker.ExecuteScalarAsync())! != iteration) return false;
                        throw;
                    }
                }
                await using var after = new PgWireCommand("SELECT @i::int", connection) { Parameters = { new PgWireParameter("i", iteration) } };
                return (int)(await after.ExecuteScalarAsync())! == iteration;
            }
        }
    }
}
