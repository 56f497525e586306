using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Tests.Faults;

/// <summary>
/// Mutated backend responses (see <see cref="ResponseFuzzer"/>) with fixed seeds: a few thousand cases here; set
/// PGWIRE_FUZZ_CASES (cases per workload) and PGWIRE_FUZZ_SEED for a long run (scripts/fuzz.sh).
/// </summary>
[Collection(SerialCollection.Name)]
public class ResponseFuzzTests(ITestOutputHelper output)
{
    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("PGWIRE_FUZZ_CASES"), out var n) ? n : 1200;

    private static int SeedBase => int.TryParse(Environment.GetEnvironmentVariable("PGWIRE_FUZZ_SEED"), out var n) ? n : 12_000;

    /// <summary>Runs a workload; returns the rows it got.</summary>
    private static readonly Dictionary<string, Func<PgWireDataSource, Task<long>>> s_workloads = new()
    {
        ["buffered"] = async d =>
        {
            using var rows = await d.QueryAsync("SELECT a, b FROM t WHERE $1", true);
            foreach (var row in rows)
            {
                _ = row.Get<object>(0);
                _ = row.Get<object>(1);
            }
            return rows.Count;
        },
        ["streaming"] = async d =>
        {
            await using var reader = await d.QueryStreamingAsync("SELECT a, b FROM t");
            long n = 0;
            while (await reader.ReadAsync())
            {
                _ = reader.Get<object>(0);
                _ = reader.Get<object>(1);
                n++;
            }
            return n;
        },
        ["ado.net"] = async d =>
        {
            await using var connection = await d.OpenConnectionAsync();
            await using var command = new PgWireCommand("SELECT a, b FROM t", connection);
            await using var reader = await command.ExecuteReaderAsync();
            long n = 0;
            while (await reader.ReadAsync())
            {
                _ = reader.GetValue(0);
                _ = reader.GetValue(1);
                n++;
            }
            return n;
        },
    };

    [Theory]
    [InlineData("buffered")]
    [InlineData("streaming")]
    [InlineData("ado.net")]
    public async Task Mutated_responses_end_in_a_result_or_a_PgWire_exception_and_never_in_a_wrong_row_count(string workload)
    {
        await using var fuzzer = new ResponseFuzzer();
        await using var dataSource = PgWireDataSource.Create(
            $"Host=127.0.0.1;Port={fuzzer.Port};Username=u;SSL Mode=Disable;Pooling=false;Timeout=5;Command Timeout=5;Cancellation Timeout=500;Max Message Size=65536");
        var act = s_workloads[workload];
        Assert.Equal(3, await act(dataSource)); // the faithful server, which also loads the (empty) type catalog
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var heapBefore = GC.GetTotalMemory(true);
        long heapPeak = 0;
        var seedBase = SeedBase + workload.Length * 1_000_000;
        for (var i = 0; i < Cases; i++)
        {
            var seed = seedBase + i;
            fuzzer.LastScan = ExecuteScan.NotFuzzed;
            fuzzer.NextSeed = seed;
            var run = act(dataSource);
            if (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20))) != run)
            {
                failures.Add($"seed {seed}: no answer within 20 s");
                break;
            }
            try
            {
                var rows = await run;
                var scan = fuzzer.LastScan;
                // Success is allowed only with the row count the frames the client read agree on.
                if (scan.Known && (!scan.Consistent || scan.Rows != rows))
                    failures.Add($"seed {seed}: {rows} rows returned as success, but the response {(scan.Consistent ? $"had {scan.Rows}" : "was inconsistent")}: {Convert.ToHexString(fuzzer.LastExecuteAnswer)}");
                Count(outcomes, "success");
            }
            catch (PgWireException e)
            {
                Count(outcomes, e.GetType().Name);
            }
            catch (TimeoutException)
            {
                // Command Timeout: only when the (fake) server was starved of CPU for seconds; the documented outcome.
                Count(outcomes, nameof(TimeoutException));
            }
            catch (InvalidCastException e)
            {
                // A mutated type OID or format: the column's value cannot be read as asked; the message names the column.
                if (!e.Message.Contains("column", StringComparison.OrdinalIgnoreCase)) failures.Add($"seed {seed}: {e.GetType().Name} without the column: {e.Message}");
                Count(outcomes, nameof(InvalidCastException));
                if (Environment.GetEnvironmentVariable("PGWIRE_FUZZ_VERBOSE") is not null) Console.Error.WriteLine($"seed {seed}: {e.Message}");
            }
            catch (Exception e)
            {
                failures.Add($"seed {seed}: unexpected {e.GetType().Name}: {e.Message}");
            }
            if (i % 100 == 0) heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(false));
        }
        var heapAfter = GC.GetTotalMemory(true);
        output.WriteLine($"{workload}: {Cases} cases in {clock.Elapsed.TotalSeconds:F1} s; {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}; heap {heapBefore / 1024} KB before, peak {heapPeak / 1024} KB, {heapAfter / 1024} KB after");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(heapAfter - heapBefore < 64 << 20, $"the heap grew by {(heapAfter - heapBefore) >> 20} MB");
        Assert.Equal(3, await act(dataSource)); // and the client works as before
    }

    private static void Count(Dictionary<string, int> outcomes, string key) => outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
}

/// <summary>Tests that measure the whole process (its heap) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
