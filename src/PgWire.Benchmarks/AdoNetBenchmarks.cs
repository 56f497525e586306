using System.Data;
using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// A point query on a connection that stays open: a new command per query (unprepared), and one command prepared
/// once and executed with a new parameter value each time.
/// </summary>
public class AdoPointQueryBenchmarks
{
    private const string Sql = "SELECT id, name FROM bench_users WHERE id = @id";
    private NpgsqlConnection _npgsql = null!;
    private NpgsqlConnection _npgsqlTuned = null!;
    private PgWireConnection _pgwire = null!;
    private NpgsqlCommand _npgsqlPrepared = null!;
    private PgWireCommand _pgwirePrepared = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkServer.EnsureStartedAsync().GetAwaiter().GetResult();
        _npgsql = new NpgsqlConnection(BenchmarkServer.Npgsql());
        _npgsql.Open();
        _npgsqlTuned = new NpgsqlConnection(BenchmarkServer.Npgsql(Tuning.Npgsql));
        _npgsqlTuned.Open();
        _pgwire = new PgWireConnection(BenchmarkServer.ConnectionString);
        _pgwire.Open();
        _npgsqlPrepared = new NpgsqlCommand(Sql, _npgsql);
        _npgsqlPrepared.Parameters.Add(new NpgsqlParameter<int>("id", 1));
        _npgsqlPrepared.Prepare();
        _pgwirePrepared = new PgWireCommand(Sql, _pgwire);
        _pgwirePrepared.Parameters.Add(new PgWireParameter<int>("id", 1));
        _pgwirePrepared.Prepare();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _npgsqlPrepared.Dispose();
        _pgwirePrepared.Dispose();
        _npgsql.Dispose();
        _npgsqlTuned.Dispose();
        _pgwire.Dispose();
    }

    private int NextId() => _next = _next % BenchmarkServer.UserCount + 1;

    [Benchmark(Baseline = true)]
    public async Task<string> Npgsql()
    {
        await using var command = new NpgsqlCommand(Sql, _npgsql);
        command.Parameters.Add(new NpgsqlParameter<int>("id", NextId()));
        return await ReadAsync(command);
    }

    [Benchmark]
    public async Task<string> NpgsqlTuned()
    {
        await using var command = new NpgsqlCommand(Sql, _npgsqlTuned);
        command.Parameters.Add(new NpgsqlParameter<int>("id", NextId()));
        return await ReadAsync(command);
    }

    [Benchmark]
    public Task<string> NpgsqlPrepared()
    {
        ((NpgsqlParameter<int>)_npgsqlPrepared.Parameters[0]).TypedValue = NextId();
        return ReadAsync(_npgsqlPrepared);
    }

    [Benchmark]
    public async Task<string> PgWire()
    {
        await using var command = new PgWireCommand(Sql, _pgwire);
        command.Parameters.Add(new PgWireParameter<int>("id", NextId()));
        return await ReadAsync(command);
    }

    [Benchmark]
    public Task<string> PgWirePrepared()
    {
        ((PgWireParameter<int>)_pgwirePrepared.Parameters[0]).TypedValue = NextId();
        return ReadAsync(_pgwirePrepared);
    }

    private static async Task<string> ReadAsync(System.Data.Common.DbCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetString(1);
    }
}

/// <summary>50,000 rows x 9 columns through DbDataReader, every value read.</summary>
public class AdoReadBenchmarks
{
    private const string Sql = NineColumns.Sql;
    private NpgsqlConnection _npgsql = null!;
    private PgWireConnection _pgwire = null!;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkServer.EnsureStartedAsync().GetAwaiter().GetResult();
        _npgsql = new NpgsqlConnection(BenchmarkServer.Npgsql());
        _npgsql.Open();
        _pgwire = new PgWireConnection(BenchmarkServer.ConnectionString);
        _pgwire.Open();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _npgsql.Dispose();
        _pgwire.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<long> Npgsql()
    {
        await using var command = new NpgsqlCommand(Sql, _npgsql);
        return await NineColumns.ReadAllAsync(command);
    }

    [Benchmark]
    public async Task<long> PgWire()
    {
        await using var command = new PgWireCommand(Sql, _pgwire);
        return await NineColumns.ReadAllAsync(command);
    }
}

/// <summary>Taking a connection from the pool and giving it back, with nothing in between.</summary>
public class AdoOpenCloseBenchmarks : DriverPair
{

    [Benchmark(Baseline = true)]
    public async Task<ConnectionState> Npgsql()
    {
        await using var connection = await NpgsqlSource.OpenConnectionAsync();
        return connection.State;
    }

    [Benchmark]
    public async Task<ConnectionState> PgWire()
    {
        await using var connection = await PgWireSource.OpenConnectionAsync();
        return connection.State;
    }
}

/// <summary>64 concurrent callers, each opening a connection, running a point query and closing, through ADO.NET.</summary>
public class AdoConcurrentBenchmarks : DriverPair
{
    private const int Callers = 64;
    private const int QueriesPerCaller = 20;
    private const string Sql = "SELECT id, name FROM bench_users WHERE id = @id";

    [Benchmark(Baseline = true, OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task Npgsql() => Run(NpgsqlSource);

    [Benchmark(OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task NpgsqlTuned() => Run(NpgsqlTunedSource);

    [Benchmark(OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task PgWire() => Run(PgWireSource);

    private static Task Run(System.Data.Common.DbDataSource dataSource)
    {
        var tasks = new Task[Callers];
        for (var c = 0; c < Callers; c++)
        {
            var caller = c;
            tasks[c] = Task.Run(async () =>
            {
                for (var q = 0; q < QueriesPerCaller; q++)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var command = connection.CreateCommand();
                    command.CommandText = Sql;
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = "id";
                    parameter.Value = (caller * 31 + q) % BenchmarkServer.UserCount + 1;
                    command.Parameters.Add(parameter);
                    await using var reader = await command.ExecuteReaderAsync();
                    await reader.ReadAsync();
                    _ = reader.GetString(1);
                }
            });
        }
        return Task.WhenAll(tasks);
    }
}
