using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// Issue 5's pipeline workload: <c>SELECT id, name FROM bench_users LIMIT $1</c> with 10, 5, 1 repeated, 999 queries
/// a round, every row read. Npgsql runs it as one NpgsqlBatch (its pipelined path); PgWire as one PipelineAsync and as
/// one ADO.NET DbBatch. Compare with libpq's pipeline mode: <c>src/PgWire.Benchmarks/pgbench/pipeline.sh</c>.
/// </summary>
public class PipelineBenchmarks : DriverPair
{
    public const int Queries = 999;
    private const string Sql = "SELECT id, name FROM bench_users LIMIT $1";
    private static readonly int[] s_limits = [10, 5, 1];
    private static readonly object?[][] s_sets = [.. Enumerable.Range(0, Queries).Select(i => new object?[] { s_limits[i % 3] })];

    [Benchmark(Baseline = true, OperationsPerInvoke = Queries)]
    public Task<long> Npgsql() => NpgsqlBatch(NpgsqlSource);

    [Benchmark(OperationsPerInvoke = Queries)]
    public Task<long> NpgsqlTuned() => NpgsqlBatch(NpgsqlTunedSource);

    [Benchmark(OperationsPerInvoke = Queries)]
    public async Task<long> PgWirePipeline()
    {
        using var results = await PgWireSource.PipelineAsync(Sql, s_sets);
        long check = 0;
        for (var q = 0; q < results.Count; q++)
            foreach (var row in results[q])
                check += row.Get<int>(0) + row.Get<string>(1).Length;
        return check;
    }

    [Benchmark(OperationsPerInvoke = Queries)]
    public async Task<long> PgWireDbBatch()
    {
        await using var connection = await PgWireSource.OpenConnectionAsync();
        await using var batch = connection.CreateBatch();
        for (var q = 0; q < Queries; q++)
            batch.BatchCommands.Add(new PgWireBatchCommand(Sql) { Parameters = { new PgWireParameter<int> { TypedValue = s_limits[q % 3] } } });
        await using var reader = await batch.ExecuteReaderAsync();
        long check = 0;
        do
        {
            while (await reader.ReadAsync()) check += reader.GetInt32(0) + reader.GetString(1).Length;
        }
        while (await reader.NextResultAsync());
        return check;
    }

    private static async Task<long> NpgsqlBatch(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        for (var q = 0; q < Queries; q++)
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Sql) { Parameters = { new NpgsqlParameter<int> { TypedValue = s_limits[q % 3] } } });
        await using var reader = await batch.ExecuteReaderAsync();
        long check = 0;
        do
        {
            while (await reader.ReadAsync()) check += reader.GetInt32(0) + reader.GetString(1).Length;
        }
        while (await reader.NextResultAsync());
        return check;
    }
}

/// <summary>1,000 single-row INSERTs as one batch (rows/s = 1,000 / time). The table is emptied between iterations.</summary>
public class InsertBatchBenchmarks : DriverPair
{
    public const int Rows = 1000;
    private const string Sql = "INSERT INTO bench_inserts (id, name, amount) VALUES ($1, $2, $3)";

    public override void Setup()
    {
        base.Setup();
        PgWireSource.ExecuteAsync("CREATE UNLOGGED TABLE IF NOT EXISTS bench_inserts (id int NOT NULL, name text NOT NULL, amount numeric NOT NULL)").AsTask().GetAwaiter().GetResult();
    }

    [IterationSetup]
    public void Empty() => PgWireSource.ExecuteAsync("TRUNCATE bench_inserts").AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public Task<int> Npgsql() => NpgsqlInsert(NpgsqlSource);

    [Benchmark(OperationsPerInvoke = Rows)]
    public Task<int> NpgsqlTuned() => NpgsqlInsert(NpgsqlTunedSource);

    [Benchmark(OperationsPerInvoke = Rows)]
    public async Task<int> PgWireDbBatch()
    {
        await using var connection = await PgWireSource.OpenConnectionAsync();
        await using var batch = connection.CreateBatch();
        for (var i = 0; i < Rows; i++)
        {
            batch.BatchCommands.Add(new PgWireBatchCommand(Sql)
            {
                Parameters = { new PgWireParameter<int> { TypedValue = i }, new PgWireParameter<string> { TypedValue = "name " + i }, new PgWireParameter<decimal> { TypedValue = i * 1.5m } },
            });
        }
        return await batch.ExecuteNonQueryAsync();
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public async Task<int> PgWirePipeline()
    {
        var sets = new object?[Rows][];
        for (var i = 0; i < Rows; i++) sets[i] = [i, "name " + i, i * 1.5m];
        using var results = await PgWireSource.PipelineAsync(Sql, sets);
        return results.Count;
    }

    private static async Task<int> NpgsqlInsert(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        for (var i = 0; i < Rows; i++)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Sql)
            {
                Parameters = { new NpgsqlParameter<int> { TypedValue = i }, new NpgsqlParameter<string> { TypedValue = "name " + i }, new NpgsqlParameter<decimal> { TypedValue = i * 1.5m } },
            });
        }
        return await batch.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// 1,000 single-row INSERTs one after another in a transaction, through an explicitly prepared ADO.NET command (a round
/// trip each: the latency-bound way many services write). The table is emptied between iterations.
/// </summary>
public class SequentialInsertBenchmarks : DriverPair
{
    private const string Sql = "INSERT INTO bench_inserts (id, name, amount) VALUES ($1, $2, $3)";

    public override void Setup()
    {
        base.Setup();
        PgWireSource.ExecuteAsync("CREATE UNLOGGED TABLE IF NOT EXISTS bench_inserts (id int NOT NULL, name text NOT NULL, amount numeric NOT NULL)").AsTask().GetAwaiter().GetResult();
    }

    [IterationSetup]
    public void Empty() => PgWireSource.ExecuteAsync("TRUNCATE bench_inserts").AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = InsertBatchBenchmarks.Rows)]
    public Task<int> Npgsql() => NpgsqlInserts(NpgsqlSource);

    [Benchmark(OperationsPerInvoke = InsertBatchBenchmarks.Rows)]
    public Task<int> NpgsqlTuned() => NpgsqlInserts(NpgsqlTunedSource);

    [Benchmark(OperationsPerInvoke = InsertBatchBenchmarks.Rows)]
    public async Task<int> PgWire()
    {
        await using var connection = await PgWireSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new PgWireCommand(Sql, connection, transaction);
        var id = new PgWireParameter<int>();
        var name = new PgWireParameter<string>();
        var amount = new PgWireParameter<decimal>();
        command.Parameters.Add(id);
        command.Parameters.Add(name);
        command.Parameters.Add(amount);
        await command.PrepareAsync();
        var total = 0;
        for (var i = 0; i < InsertBatchBenchmarks.Rows; i++)
        {
            id.TypedValue = i;
            name.TypedValue = "name " + i;
            amount.TypedValue = i * 1.5m;
            total += await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return total;
    }

    private static async Task<int> NpgsqlInserts(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        var id = new NpgsqlParameter<int>();
        var name = new NpgsqlParameter<string>();
        var amount = new NpgsqlParameter<decimal>();
        command.Parameters.Add(id);
        command.Parameters.Add(name);
        command.Parameters.Add(amount);
        await command.PrepareAsync();
        var total = 0;
        for (var i = 0; i < InsertBatchBenchmarks.Rows; i++)
        {
            id.TypedValue = i;
            name.TypedValue = "name " + i;
            amount.TypedValue = i * 1.5m;
            total += await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return total;
    }
}
