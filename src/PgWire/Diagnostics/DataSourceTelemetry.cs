using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PgWire.Diagnostics;

/// <summary>
/// A data source's logging, tracing and metrics: its loggers (one category per concern), its settings (parameter
/// logging, the slow-command threshold) and the attributes every span and measurement of it carries (the server, the
/// database, the pool's name). Shared by the data source's pool and sessions; the default instance logs nothing.
/// </summary>
internal sealed class DataSourceTelemetry
{
    /// <summary>No loggers (the connection, the tests' fakes): only spans and metrics, when listened to.</summary>
    public static readonly DataSourceTelemetry Silent = new(null, "", 0, "", null, false, null);

    private readonly KeyValuePair<string, object?>[] _poolTags;
    private readonly KeyValuePair<string, object?>[] _idleTags;
    private readonly KeyValuePair<string, object?>[] _usedTags;
    private readonly object _port;

    public DataSourceTelemetry(
        ILoggerFactory? loggerFactory, string host, int port, string database, string? name, bool logParameters, TimeSpan? slowCommandThreshold)
    {
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        ConnectionLog = factory.CreateLogger("PgWire.Connection");
        CommandLog = factory.CreateLogger("PgWire.Command");
        PoolLog = factory.CreateLogger("PgWire.Pool");
        CopyLog = factory.CreateLogger("PgWire.Copy");
        TlsLog = factory.CreateLogger("PgWire.Tls");
        NotificationLog = factory.CreateLogger("PgWire.Notifications");
        Host = host;
        Port = port;
        _port = port;
        Database = database;
        _name = name;
        PoolName = string.IsNullOrEmpty(name) ? $"{host}:{port}/{database}" : name;
        LogParameters = logParameters;
        SlowCommandThreshold = slowCommandThreshold;
        _poolTags = [new("db.client.connection.pool.name", PoolName)];
        _idleTags = [.. _poolTags, new("db.client.connection.state", "idle")];
        _usedTags = [.. _poolTags, new("db.client.connection.state", "used")];
    }

    /// <summary>The same loggers and settings for one host of a multi-host data source: its own attributes and pool name.</summary>
    private DataSourceTelemetry(DataSourceTelemetry source, string host, int port)
    {
        ConnectionLog = source.ConnectionLog;
        CommandLog = source.CommandLog;
        PoolLog = source.PoolLog;
        CopyLog = source.CopyLog;
        TlsLog = source.TlsLog;
        NotificationLog = source.NotificationLog;
        Host = host;
        Port = port;
        _port = port;
        Database = source.Database;
        _name = source._name;
        // Each host's pool is measured on its own: the data source's Name, with the host.
        PoolName = string.IsNullOrEmpty(_name) ? $"{host}:{port}/{Database}" : $"{_name} ({host}:{port})";
        LogParameters = source.LogParameters;
        SlowCommandThreshold = source.SlowCommandThreshold;
        _poolTags = [new("db.client.connection.pool.name", PoolName)];
        _idleTags = [.. _poolTags, new("db.client.connection.state", "idle")];
        _usedTags = [.. _poolTags, new("db.client.connection.state", "used")];
    }

    private readonly string? _name;

    /// <summary>This telemetry for one host of several (see the private constructor).</summary>
    public DataSourceTelemetry ForHost(string host, int port) => new(this, host, port);

    public ILogger ConnectionLog { get; }
    public ILogger CommandLog { get; }
    public ILogger PoolLog { get; }
    public ILogger CopyLog { get; }
    public ILogger TlsLog { get; }
    public ILogger NotificationLog { get; }
    public string Host { get; }
    public int Port { get; }
    public string Database { get; }

    /// <summary>The pool's name in metrics (<c>db.client.connection.pool.name</c>): the builder's Name, else host:port/database.</summary>
    public string PoolName { get; }

    /// <summary>Whether parameter values go into log events and spans (EnableParameterLogging).</summary>
    public bool LogParameters { get; }

    /// <summary>Commands that take at least this long are logged at Warning; null: none.</summary>
    public TimeSpan? SlowCommandThreshold { get; }

    /// <summary>The pool's attributes, with <c>db.client.connection.state</c> when <paramref name="state"/> is given.</summary>
    public ReadOnlySpan<KeyValuePair<string, object?>> PoolTags(string? state) =>
        state switch { "idle" => _idleTags, "used" => _usedTags, _ => _poolTags };

    /// <summary>Starts measuring one statement (nothing when nobody listens).</summary>
    public Operation Start(OperationKind kind, string sql, IReadOnlyList<object?>? parameters)
    {
        if (!Wanted(kind)) return default;
        return Begin(kind, sql, QuerySummary.Of(sql), LogParameters ? parameters : null, 1);
    }

    /// <summary>Starts measuring several statements sent together (nothing when nobody listens).</summary>
    public Operation Start(OperationKind kind, IReadOnlyList<(string Sql, object?[] Values)> statements)
    {
        if (!Wanted(kind)) return default;
        if (statements.Count == 1) return Begin(kind == OperationKind.Batch ? OperationKind.Command : kind, statements[0].Sql, QuerySummary.Of(statements[0].Sql), LogParameters ? statements[0].Values : null, 1);
        var text = new StringBuilder();
        var sameText = true;
        foreach (var (sql, _) in statements)
        {
            if (text.Length > 0) text.Append("; ");
            sameText &= ReferenceEquals(sql, statements[0].Sql) || sql == statements[0].Sql;
            text.Append(sql);
        }
        // A pipeline of one statement's executions reports that statement once.
        var shown = kind == OperationKind.Pipeline && sameText ? statements[0].Sql : text.ToString();
        var summary = kind == OperationKind.Pipeline && sameText ? QuerySummary.Of(statements[0].Sql) : QuerySummary.OfBatch(statements);
        return Begin(kind, shown, summary, LogParameters ? statements : null, statements.Count);
    }

    private bool Wanted(OperationKind kind)
    {
        var log = kind == OperationKind.Copy ? CopyLog : CommandLog;
        return Instruments.Source.HasListeners() || Instruments.OperationDuration.Enabled || Instruments.ReturnedRows.Enabled
            || log.IsEnabled(LogLevel.Debug) || (SlowCommandThreshold is not null && log.IsEnabled(LogLevel.Warning));
    }

    private Operation Begin(OperationKind kind, string sql, QuerySummary summary, object? parameters, int batchSize)
    {
        // What is logged and traced is the text with any PASSWORD literal masked.
        var operation = new Operation { Kind = kind, Sql = sql = SqlRedaction.Apply(sql), Summary = summary, Parameters = parameters };
        var activity = Instruments.Source.HasListeners()
            ? Instruments.Source.StartActivity(summary.Summary.Length > 0 ? summary.Summary : Database.Length > 0 ? Database : "postgresql", ActivityKind.Client)
            : null;
        // Started after the span, so the span's own clock and the durations measured from here agree.
        operation.Started = Stopwatch.GetTimestamp();
        if (activity is null) return operation;
        operation.Activity = activity;
        if (!activity.IsAllDataRequested) return operation;
        activity.SetTag("db.system.name", "postgresql");
        if (Database.Length > 0) activity.SetTag("db.namespace", Database);
        if (summary.Operation.Length > 0) activity.SetTag("db.operation.name", summary.Operation);
        if (summary.Summary.Length > 0) activity.SetTag("db.query.summary", summary.Summary);
        activity.SetTag("db.query.text", sql);
        if (batchSize > 1) activity.SetTag("db.operation.batch.size", batchSize);
        if (Host.Length > 0) activity.SetTag("server.address", Host);
        if (Port > 0) activity.SetTag("server.port", _port);
        if (parameters is IReadOnlyList<object?> values)
            for (var i = 0; i < values.Count; i++)
                activity.SetTag("db.query.parameter." + (i + 1).ToString(CultureInfo.InvariantCulture), ParameterText.Format(values[i]));
        return operation;
    }

    /// <summary>
    /// A connection was obtained for the operation: notes on the span how long that took, and, with several hosts, the
    /// server it went to (<paramref name="host"/>, <paramref name="port"/>) when that is not the first of the list.
    /// </summary>
    public static void Acquired(ref Operation operation, long waitStarted, int processId, string host, int port)
    {
        operation.ProcessId = processId;
        if (operation.Activity is not { IsAllDataRequested: true } activity) return;
        if (activity.GetTagItem("server.address") is string address && !ReferenceEquals(address, host) && address != host) activity.SetTag("server.address", host);
        if (activity.GetTagItem("server.port") is int known && known != port) activity.SetTag("server.port", port);
        if (waitStarted == 0) return;
        activity.SetTag("pgwire.connection.wait_time", Stopwatch.GetElapsedTime(waitStarted).TotalSeconds);
    }

    /// <summary>
    /// Ends the operation: the span's outcome, the duration and rows measured, the completed, slow or failed command
    /// logged. <paramref name="rows"/> is -1 when not counted; <paramref name="firstRowAt"/> 0 when no row came.
    /// </summary>
    public void End(ref Operation operation, long rows, Exception? error, long firstRowAt = 0)
    {
        if (!operation.IsActive) return;
        var started = operation.Started;
        var elapsed = Stopwatch.GetElapsedTime(started);
        var activity = operation.Activity;
        operation.Started = 0;
        operation.Activity = null;
        var (errorType, sqlState) = Classify(error);
        if (activity is not null)
        {
            if (activity.IsAllDataRequested)
            {
                if (rows >= 0) activity.SetTag("db.response.returned_rows", rows);
                if (firstRowAt > started) activity.SetTag("pgwire.time_to_first_row", Stopwatch.GetElapsedTime(started, firstRowAt).TotalSeconds);
                if (operation.ProcessId != 0) activity.SetTag("pgwire.backend.pid", operation.ProcessId);
                if (sqlState is not null) activity.SetTag("db.response.status_code", sqlState);
                if (errorType is not null)
                {
                    activity.SetTag("error.type", errorType);
                    activity.SetStatus(ActivityStatusCode.Error, error!.Message);
                }
            }
            activity.Dispose();
        }
        if (Instruments.OperationDuration.Enabled || (rows >= 0 && Instruments.ReturnedRows.Enabled))
        {
            var tags = new TagList
            {
                { "db.system.name", "postgresql" },
                { "db.namespace", Database },
                { "server.address", Host },
                { "server.port", _port },
            };
            if (operation.Summary.Operation.Length > 0) tags.Add("db.operation.name", operation.Summary.Operation);
            if (operation.Summary.Summary.Length > 0) tags.Add("db.query.summary", operation.Summary.Summary);
            if (errorType is not null) tags.Add("error.type", errorType);
            if (sqlState is not null) tags.Add("db.response.status_code", sqlState);
            Instruments.OperationDuration.Record(elapsed.TotalSeconds, tags);
            if (rows >= 0) Instruments.ReturnedRows.Record(rows, tags);
        }
        LogEnd(in operation, elapsed, rows, error, errorType);
    }

    private void LogEnd(in Operation operation, TimeSpan elapsed, long rows, Exception? error, string? errorType)
    {
        var copy = operation.Kind == OperationKind.Copy;
        var log = copy ? CopyLog : CommandLog;
        var ms = elapsed.TotalMilliseconds;
        if (error is not null)
        {
            if (!log.IsEnabled(LogLevel.Debug)) return;
            if (copy) Log.CopyFailed(log, ms, operation.ProcessId, errorType!, operation.Sql, error);
            else Log.CommandFailed(log, Name(operation.Kind), ms, operation.ProcessId, errorType!, operation.Sql, error);
            return;
        }
        if (SlowCommandThreshold is { } threshold && elapsed >= threshold && log.IsEnabled(LogLevel.Warning))
        {
            if (copy) Log.SlowCopy(log, ms, threshold.TotalMilliseconds, operation.ProcessId, rows, operation.Sql);
            else if (operation.Parameters is null) Log.SlowCommand(log, Name(operation.Kind), ms, threshold.TotalMilliseconds, operation.ProcessId, operation.Sql);
            else Log.SlowCommandWithParameters(log, Name(operation.Kind), ms, threshold.TotalMilliseconds, operation.ProcessId, operation.Sql, ParameterText.Describe(operation.Parameters));
            return;
        }
        if (!log.IsEnabled(LogLevel.Debug)) return;
        if (copy) Log.CopyCompleted(log, ms, operation.ProcessId, rows, operation.Sql);
        else if (operation.Parameters is null) Log.CommandCompleted(log, Name(operation.Kind), ms, operation.ProcessId, operation.Sql);
        else Log.CommandCompletedWithParameters(log, Name(operation.Kind), ms, operation.ProcessId, operation.Sql, ParameterText.Describe(operation.Parameters));
    }

    private static string Name(OperationKind kind) => kind switch
    {
        OperationKind.Batch => "Batch",
        OperationKind.Pipeline => "Pipeline",
        OperationKind.Copy => "COPY",
        _ => "Command",
    };

    /// <summary>OpenTelemetry's <c>error.type</c> (the SQLSTATE for a server error, else the exception's type) and the SQLSTATE.</summary>
    private static (string? ErrorType, string? SqlState) Classify(Exception? error) => error switch
    {
        null => (null, null),
        PgWireServerException server => (server.SqlState, server.SqlState),
        TimeoutException => ("timeout", null),
        OperationCanceledException => ("cancelled", null),
        _ => (error.GetType().FullName ?? error.GetType().Name, null),
    };
}
