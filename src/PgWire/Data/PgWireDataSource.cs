using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Diagnostics;
using PgWire.Connection;
using PgWire.Diagnostics;
using PgWire.Pooling;
using PgWire.Types;

namespace PgWire;

/// <summary>
/// The entry point to a PostgreSQL database: owns a connection pool and runs queries. Safe to use from many threads
/// at once; create one per database and keep it for the application's lifetime.
/// </summary>
/// <remarks>
/// Everything that configures a data source is set before it exists, on a <see cref="PgWireDataSourceBuilder"/>
/// (type mappings, the notice handler); <see cref="Create(string)"/> is the shortcut for a connection string alone. A
/// data source never changes once built.
/// </remarks>
/// <example>
/// <code>
/// await using var dataSource = PgWireDataSource.Create("Host=127.0.0.1;Username=app;Password=...;Database=app");
/// using PgRowSet rows = await dataSource.QueryAsync("SELECT id, name FROM users WHERE id > $1", 10);
/// foreach (PgRow row in rows) { int id = row.Get&lt;int&gt;(0); string name = row.Get&lt;string&gt;("name"); }
/// </code>
/// </example>
public sealed class PgWireDataSource : DbDataSource
{
    private readonly DataSourceShared _shared;
    private readonly IConnectorSource _source;
    private readonly string _publicConnectionString;
    private readonly bool _isView;
    private readonly Multiplexer? _multiplexer;
    private readonly DataSourceRequests _requests;

    /// <summary>
    /// A data source with the builder's settings (as given, and as completed from the environment and defaults), type
    /// mappings and notice handler (see <see cref="PgWireDataSourceBuilder.Build"/>).
    /// </summary>
    internal PgWireDataSource(
        PgWireConnectionStringBuilder given, PgWireConnectionStringBuilder settings, IReadOnlyList<(Type ClrType, string PgTypeName, Func<PgCodec>? EnumCodec)> mappings,
        EventHandler<PgNoticeEventArgs>? notice, DataSourceTelemetry telemetry, PasswordSource passwords, string? initializer)
    {
        _shared = new DataSourceShared(settings, mappings, notice, telemetry, passwords, initializer) { Owner = this };
        TargetSession = settings.TargetSessionAttributes;
        _source = _shared.Hosts.For(TargetSession);
        // The connection string as given (what the environment, a service file or the defaults added is not shown).
        _publicConnectionString = given.WithoutPassword();
        FullConnectionString = given.ConnectionString;
        PersistSecurityInfo = settings.PersistSecurityInfo;
        (_multiplexer, _requests) = CreateRequests(settings.Multiplexing, settings.MaxPoolSize);
    }

    /// <summary>A view of <paramref name="root"/> that opens sessions fitting <paramref name="target"/>, on the same pools.</summary>
    private PgWireDataSource(PgWireDataSource root, TargetSession target)
    {
        _isView = true;
        _shared = root._shared;
        TargetSession = target;
        _source = _shared.Hosts.For(target);
        var settings = new PgWireConnectionStringBuilder(root.FullConnectionString) { TargetSessionAttributes = target };
        _publicConnectionString = settings.WithoutPassword();
        FullConnectionString = settings.ConnectionString;
        PersistSecurityInfo = root.PersistSecurityInfo;
        (_multiplexer, _requests) = CreateRequests(settings.Multiplexing, settings.MaxPoolSize);
    }

    private (Multiplexer?, DataSourceRequests) CreateRequests(bool multiplexing, int maxPoolSize)
    {
        Multiplexer? multiplexer = null;
        if (multiplexing)
        {
            multiplexer = new Multiplexer(_source, maxPoolSize, ReloadCatalogAsync);
            // The gauge of queued multiplexed requests reads the first pool's (one multiplexer per data source or view).
            var pool = _shared.Hosts.Pools[0];
            if (pool.MultiplexInFlight is null) pool.MultiplexInFlight = () => multiplexer.InFlight;
        }
        return (multiplexer, new DataSourceRequests(_source, multiplexer, Telemetry, _shared.First.CommandTimeout));
    }

    /// <summary>
    /// The sessions this data source hands out: from its Target Session Attributes, or the one given to
    /// <see cref="WithTargetSession"/>.
    /// </summary>
    public TargetSession TargetSession { get; }

    /// <summary>
    /// A data source on the same hosts and pools that hands out only sessions fitting <paramref name="target"/>: with
    /// <c>Host=primary,replica1,replica2</c>, <c>WithTargetSession(TargetSession.Standby)</c> reads from the replicas and
    /// <c>WithTargetSession(TargetSession.Primary)</c> writes to the primary, with one configuration and one set of
    /// connections. Disposing the view does nothing; disposing this data source closes the pools of every view.
    /// </summary>
    /// <param name="target">What a session must be.</param>
    /// <returns>The view; views of the same target are interchangeable.</returns>
    public PgWireDataSource WithTargetSession(TargetSession target)
    {
        if (!Enum.IsDefined(target)) throw new ArgumentOutOfRangeException(nameof(target), target, "Not a TargetSession value.");
        ObjectDisposedException.ThrowIf(_shared.IsDisposed, this);
        return new PgWireDataSource(_shared.Owner!, target);
    }

    /// <summary>The data source's loggers, span and metric attributes.</summary>
    internal DataSourceTelemetry Telemetry => _shared.Telemetry;

    /// <summary>Reloads the type catalog (on a connector of its own; renting one reloads a stale catalog).</summary>
    private async ValueTask ReloadCatalogAsync(CancellationToken cancellationToken)
    {
        var connector = await RentAsync(cancellationToken).ConfigureAwait(false);
        await _source.ReturnAsync(connector).ConfigureAwait(false);
    }

    /// <summary>Connections shared by multiplexed callers now (0 without Multiplexing); for diagnostics.</summary>
    internal int MultiplexedConnectionCount => _multiplexer?.SessionCount ?? 0;

    /// <summary>The most multiplexed requests seen in flight at once on one connection; for tests.</summary>
    internal int MultiplexedDeepestPipeline => _multiplexer?.DeepestPipeline ?? 0;

    /// <summary>Creates a data source from a connection string (<see cref="PgWireDataSourceBuilder"/> for more settings).</summary>
    /// <param name="connectionString">Npgsql-style keywords: Host, Port, Username, Password, Database, Maximum Pool Size, ...</param>
    /// <exception cref="ArgumentException">An unknown keyword, a bad value, or no Host.</exception>
    public static PgWireDataSource Create(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return new PgWireDataSourceBuilder(connectionString).Build();
    }

    /// <summary>Creates a data source from a connection string builder.</summary>
    /// <param name="settings">The settings; copied, so later changes to the builder have no effect.</param>
    public static PgWireDataSource Create(PgWireConnectionStringBuilder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new PgWireDataSourceBuilder(settings.ConnectionString).Build();
    }

    /// <summary>The connection string, without the password.</summary>
    public override string ConnectionString => _publicConnectionString;

    /// <summary>Physical connections open now (idle and in use); for diagnostics.</summary>
    public int OpenConnectionCount => _shared.Hosts.TotalCount;

    /// <summary>Runs a query and returns all of its rows, held in pooled memory.</summary>
    /// <param name="sql">One SQL statement with positional parameters <c>$1</c>, <c>$2</c>, ...</param>
    /// <param name="parameters">The parameter values, in order; null or <see cref="DBNull"/> sends NULL.</param>
    /// <returns>The rows. The connection is back in the pool before this returns; dispose the set when done.</returns>
    public ValueTask<PgRowSet> QueryAsync(string sql, params object?[] parameters) =>
        QueryAsync(sql, (IReadOnlyList<object?>)parameters, CancellationToken.None);

    /// <summary>Runs a query and returns all of its rows, held in pooled memory.</summary>
    /// <param name="sql">One SQL statement with positional parameters <c>$1</c>, <c>$2</c>, ...</param>
    /// <param name="parameters">The parameter values, in order; null or <see cref="DBNull"/> sends NULL.</param>
    /// <param name="cancellationToken">Cancels the query on the server; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The rows. The connection is back in the pool before this returns; dispose the set when done.</returns>
    /// <exception cref="PgWireServerException">The server rejected the statement.</exception>
    /// <exception cref="TimeoutException">The statement ran past Command Timeout and was cancelled on the server.</exception>
    public ValueTask<PgRowSet> QueryAsync(string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        return _requests.QueryAsync(sql, ParameterBinder.ResolveTyped(parameters), cancellationToken);
    }

    /// <summary>
    /// Runs one statement with many parameter sets as a pipeline: every execution is sent at once (the statement
    /// prepared once, on the first pipeline of this text on a connection) and the answers are read as they come,
    /// without waiting for each before sending the next; one round trip in all.
    /// </summary>
    /// <remarks>Statements new to the connection are described (in one round trip) before the pipeline runs, so a
    /// statement cannot use a table that an earlier statement of the same pipeline creates.</remarks>
    /// <param name="sql">One SQL statement with positional parameters <c>$1</c>, <c>$2</c>, ...</param>
    /// <param name="parameterSets">The parameter values of each execution, in order.</param>
    /// <param name="independentQueries">False (the default): one Sync for the pipeline, so it runs as one implicit
    /// transaction and the first failure fails it all (thrown, with <see cref="PgWireServerException.StatementIndex"/>).
    /// True: a Sync after each execution, so each commits on its own and a failure is reported for its index only
    /// (outside an explicit transaction).</param>
    /// <param name="cancellationToken">Cancels the pipeline on the server.</param>
    /// <returns>One result per parameter set; dispose them when done. The connection is back in the pool before this returns.</returns>
    /// <exception cref="PgWireServerException">With one Sync: a query failed; nothing of the pipeline was committed.</exception>
    public ValueTask<PgPipelineResults> PipelineAsync(
        string sql, IReadOnlyList<object?[]> parameterSets, bool independentQueries = false, CancellationToken cancellationToken = default) =>
        PipelineAsync(sql, parameterSets, independentQueries, null, cancellationToken);

    /// <summary>
    /// Runs one statement with many parameter sets as a pipeline (see
    /// <see cref="PipelineAsync(string, IReadOnlyList{object?[]}, bool, CancellationToken)"/>), reporting the queries
    /// answered and bytes received so far to <paramref name="progress"/> at most every 100 ms and once at the end.
    /// </summary>
    /// <param name="sql">One SQL statement with positional parameters <c>$1</c>, <c>$2</c>, ...</param>
    /// <param name="parameterSets">The parameter values of each execution, in order.</param>
    /// <param name="independentQueries">One Sync for all (false: all or nothing) or one per query (true).</param>
    /// <param name="progress">Receives the pipeline's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels the pipeline on the server.</param>
    public ValueTask<PgPipelineResults> PipelineAsync(
        string sql, IReadOnlyList<object?[]> parameterSets, bool independentQueries, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameterSets);
        var queries = new (string, object?[])[parameterSets.Count];
        for (var i = 0; i < queries.Length; i++)
        {
            var set = parameterSets[i] ?? throw new ArgumentException($"Parameter set {i} is null.", nameof(parameterSets));
            queries[i] = (sql, (object?[])ParameterBinder.ResolveTyped(set));
        }
        return _requests.PipelineAsync(queries, independentQueries, progress, cancellationToken);
    }

    /// <summary>
    /// Runs several statements, each with its own parameters, as one pipeline (see
    /// <see cref="PipelineAsync(string, IReadOnlyList{object?[]}, bool, CancellationToken)"/>).
    /// </summary>
    /// <param name="queries">The statements and their parameter values, in order.</param>
    /// <param name="independentQueries">One Sync for all (false: all or nothing) or one per query (true).</param>
    /// <param name="cancellationToken">Cancels the pipeline on the server.</param>
    public ValueTask<PgPipelineResults> PipelineAsync(
        IReadOnlyList<(string Sql, object?[] Parameters)> queries, bool independentQueries = false, CancellationToken cancellationToken = default) =>
        PipelineAsync(queries, independentQueries, null, cancellationToken);

    /// <summary>
    /// Runs several statements as one pipeline (see <see cref="PipelineAsync(IReadOnlyList{ValueTuple{string, object?[]}}, bool, CancellationToken)"/>),
    /// reporting the queries answered and bytes received so far to <paramref name="progress"/> at most every 100 ms and
    /// once at the end.
    /// </summary>
    /// <param name="queries">The statements and their parameter values, in order.</param>
    /// <param name="independentQueries">One Sync for all (false: all or nothing) or one per query (true).</param>
    /// <param name="progress">Receives the pipeline's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels the pipeline on the server.</param>
    public ValueTask<PgPipelineResults> PipelineAsync(
        IReadOnlyList<(string Sql, object?[] Parameters)> queries, bool independentQueries, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var resolved = new (string, object?[])[queries.Count];
        for (var i = 0; i < resolved.Length; i++)
        {
            var (sql, parameters) = queries[i];
            if (sql is null) throw new ArgumentException($"Query {i} has no SQL.", nameof(queries));
            resolved[i] = (sql, (object?[])ParameterBinder.ResolveTyped(parameters ?? []));
        }
        return _requests.PipelineAsync(resolved, independentQueries, progress, cancellationToken);
    }

    /// <summary>
    /// Prepares a statement for repeated use: it runs as a named server statement from its first use on every
    /// connection of this data source (without waiting for Auto Prepare Min Usages), and the handle runs it with one
    /// parameter set or many (a pipeline).
    /// </summary>
    /// <param name="sql">One SQL statement with positional parameters <c>$1</c>, <c>$2</c>, ...</param>
    /// <returns>The handle; it holds no connection and may be used from any thread.</returns>
    public PgPreparedStatement Prepare(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        MarkPrepared(sql);
        return new PgPreparedStatement(this, sql);
    }

    /// <summary>Marks a SQL text for preparation as a named statement from its first use on every connection.</summary>
    internal void MarkPrepared(string sql) => _shared.AlwaysPrepare.TryAdd(sql, 0);

    /// <summary>
    /// Runs a query and streams its rows: they are decoded from the connection's receive buffer as they are read,
    /// so memory stays bounded however large the result. The connection is held until the reader finished or was
    /// disposed. Prefer <see cref="QueryAsync(string, object?[])"/> for results that fit in memory.
    /// </summary>
    /// <param name="sql">One SQL statement with positional parameters <c>$1</c>, <c>$2</c>, ...</param>
    /// <param name="parameters">The parameter values, in order; null or <see cref="DBNull"/> sends NULL.</param>
    public ValueTask<PgRowReader> QueryStreamingAsync(string sql, params object?[] parameters) =>
        QueryStreamingAsync(sql, (IReadOnlyList<object?>)parameters, CancellationToken.None);

    /// <summary>
    /// Runs a query and streams its rows: they are decoded from the connection's receive buffer as they are read,
    /// so memory stays bounded however large the result. The connection is held until the reader finished or was
    /// disposed. Prefer <see cref="QueryAsync(string, IReadOnlyList{object?}, CancellationToken)"/> for results that fit in memory.
    /// </summary>
    /// <param name="sql">One SQL statement with positional parameters <c>$1</c>, <c>$2</c>, ...</param>
    /// <param name="parameters">The parameter values, in order; null or <see cref="DBNull"/> sends NULL.</param>
    /// <param name="cancellationToken">Cancels the statement on the server until it has been bound.</param>
    /// <exception cref="PgWireServerException">The server rejected the statement.</exception>
    public ValueTask<PgRowReader> QueryStreamingAsync(string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        return _requests.QueryStreamingAsync(sql, ParameterBinder.ResolveTyped(parameters), cancellationToken);
    }

    /// <summary>
    /// Runs a statement and returns the number of rows it affected. With no parameters the text may hold several
    /// statements (the simple protocol) and the counts are added up.
    /// </summary>
    /// <param name="sql">SQL with positional parameters <c>$1</c>, <c>$2</c>, ...</param>
    /// <param name="parameters">The parameter values, in order; null or <see cref="DBNull"/> sends NULL.</param>
    public ValueTask<long> ExecuteAsync(string sql, params object?[] parameters) =>
        ExecuteAsync(sql, (IReadOnlyList<object?>)parameters, CancellationToken.None);

    /// <summary>
    /// Runs a statement and returns the number of rows it affected. With no parameters the text may hold several
    /// statements (the simple protocol) and the counts are added up.
    /// </summary>
    /// <param name="sql">SQL with positional parameters <c>$1</c>, <c>$2</c>, ...</param>
    /// <param name="parameters">The parameter values, in order; null or <see cref="DBNull"/> sends NULL.</param>
    /// <param name="cancellationToken">Cancels the statement on the server; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="PgWireServerException">The server rejected the statement.</exception>
    public ValueTask<long> ExecuteAsync(string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        return _requests.ExecuteAsync(sql, parameters.Count > 0 ? ParameterBinder.ResolveTyped(parameters) : parameters, cancellationToken);
    }

    /// <summary>
    /// Inserts <paramref name="rows"/> into <paramref name="table"/> with a binary COPY on a connection from the pool;
    /// see <see cref="PgWireConnection.BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, CancellationToken)"/>
    /// for the row types and the errors. Either every row is inserted or none is.
    /// </summary>
    /// <typeparam name="T">A tuple, <c>object?[]</c>, a class, record or struct with a member per column, or the value of a single column.</typeparam>
    /// <param name="table">The table's name, optionally with its schema; exact names, quoted for you.</param>
    /// <param name="columns">The columns to fill, in the order the rows give them.</param>
    /// <param name="rows">The rows, enumerated once while they are sent.</param>
    /// <param name="cancellationToken">Cancels the insert; the table keeps none of its rows.</param>
    /// <returns>The number of rows inserted.</returns>
    public async Task<ulong> BulkInsertAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(string table, IReadOnlyList<string> columns, IEnumerable<T> rows, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.BulkInsertAsync(table, columns, rows, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, CancellationToken)"/>
    /// <param name="table">The table's name, optionally with its schema; exact names, quoted for you.</param>
    /// <param name="columns">The columns to fill, in the order the rows give them.</param>
    /// <param name="rows">The rows, awaited one by one while they are sent.</param>
    /// <param name="cancellationToken">Cancels the insert (and the enumeration); the table keeps none of its rows.</param>
    public async Task<ulong> BulkInsertAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(string table, IReadOnlyList<string> columns, IAsyncEnumerable<T> rows, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.BulkInsertAsync(table, columns, rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Inserts <paramref name="rows"/> with a binary COPY on a connection from the pool, reporting the rows and bytes
    /// sent to <paramref name="progress"/> at most every 100 ms and once when committed; see
    /// <see cref="PgWireConnection.BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="T">A tuple, <c>object?[]</c>, a class, record or struct with a member per column, or the value of a single column.</typeparam>
    /// <param name="table">The table's name, optionally with its schema; exact names, quoted for you.</param>
    /// <param name="columns">The columns to fill, in the order the rows give them.</param>
    /// <param name="rows">The rows, enumerated once while they are sent.</param>
    /// <param name="progress">Receives the insert's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels the insert; the table keeps none of its rows.</param>
    /// <returns>The number of rows inserted.</returns>
    public async Task<ulong> BulkInsertAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(
        string table, IReadOnlyList<string> columns, IEnumerable<T> rows, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.BulkInsertAsync(table, columns, rows, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, IProgress{PgProgress}?, CancellationToken)"/>
    /// <param name="table">The table's name, optionally with its schema; exact names, quoted for you.</param>
    /// <param name="columns">The columns to fill, in the order the rows give them.</param>
    /// <param name="rows">The rows, awaited one by one while they are sent.</param>
    /// <param name="progress">Receives the insert's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels the insert (and the enumeration); the table keeps none of its rows.</param>
    public async Task<ulong> BulkInsertAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(
        string table, IReadOnlyList<string> columns, IAsyncEnumerable<T> rows, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.BulkInsertAsync(table, columns, rows, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Listens to <paramref name="channel"/>: yields every notification sent on it (NOTIFY, <c>pg_notify</c>) until
    /// <paramref name="cancellationToken"/> is cancelled, which ends the enumeration without an exception. One
    /// connection of the pool is held while listening. When it breaks (a server restart, a failover, a network cut),
    /// a new one LISTENs again and a gap item (<see cref="PgNotification.IsGap"/>) is yielded first (one per connection
    /// lost): what was sent in between is lost. The first connection's failure is thrown.
    /// </summary>
    public IAsyncEnumerable<PgNotification> ListenAsync(string channel, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        return ListenAsync([channel], cancellationToken);
    }

    /// <summary>Listens to several channels on one connection (see <see cref="ListenAsync(string, CancellationToken)"/>).</summary>
    public IAsyncEnumerable<PgNotification> ListenAsync(IReadOnlyList<string> channels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count == 0) throw new ArgumentException("Name at least one channel.", nameof(channels));
        foreach (var channel in channels) ArgumentException.ThrowIfNullOrEmpty(channel, nameof(channels));
        return NotificationListener.ListenAsync(this, [.. channels], cancellationToken);
    }

    /// <summary>Creates a closed ADO.NET connection that takes its physical connections from this data source's pool.</summary>
    public new PgWireConnection CreateConnection() => new(this);

    /// <inheritdoc />
    protected override DbConnection CreateDbConnection() => CreateConnection();

    /// <summary>Opens an ADO.NET connection from this data source's pool.</summary>
    public new async ValueTask<PgWireConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <inheritdoc />
    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Creates a command that takes a connection from this data source each time it runs, and gives it back after.</summary>
    /// <param name="commandText">The SQL.</param>
    public new PgWireCommand CreateCommand(string? commandText = null) => new(commandText) { DataSource = this };

    /// <inheritdoc />
    protected override DbCommand CreateDbCommand(string? commandText = null) => CreateCommand(commandText);

    /// <summary>Creates a batch that takes a connection from this data source each time it runs, and gives it back after.</summary>
    public new PgWireBatch CreateBatch() => new() { DataSource = this };

    /// <inheritdoc />
    protected override DbBatch CreateDbBatch() => CreateBatch();

    internal string DatabaseName => _shared.First.Database;

    internal string HostName => _shared.HostNames;

    /// <summary>The connection string with its password, for <see cref="PgWireConnection.ChangeDatabase"/>. Never print it.</summary>
    internal string FullConnectionString { get; }

    /// <summary>Whether an opened connection's ConnectionString keeps the passwords (Persist Security Info).</summary>
    internal bool PersistSecurityInfo { get; }

    internal ValueTask<PgConnector> RentConnectorAsync(CancellationToken cancellationToken) => RentAsync(cancellationToken);

    internal ValueTask ReturnConnectorAsync(PgConnector connector) => _source.ReturnAsync(connector);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_isView) _shared.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeAsyncCore()
    {
        if (!_isView) await _shared.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() => $"PgWireDataSource {{ {_publicConnectionString} }}";

    private ValueTask<PgConnector> RentAsync(CancellationToken cancellationToken) => _source.RentAsync(cancellationToken);
}
