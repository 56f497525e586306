using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using PgWire.Connection;

namespace PgWire;

/// <summary>
/// An ADO.NET connection to PostgreSQL. While open it holds one physical connection from the pool of its
/// <see cref="PgWireDataSource"/> (pooled by default; <c>Pooling=false</c> opens a private one). Not thread-safe.
/// </summary>
public sealed class PgWireConnection : DbConnection
{
    // Connections made from a connection string share one data source (and so one pool) per distinct string.
    private static readonly ConcurrentDictionary<string, PgWireDataSource> s_dataSources = new(StringComparer.Ordinal);

    private string _connectionString = "";
    private PgWireDataSource? _dataSource;
    private PgConnector? _connector;
    private ConnectionState _state = ConnectionState.Closed;

    /// <summary>Creates a closed connection with no connection string.</summary>
    public PgWireConnection() { }

    /// <summary>Creates a closed connection.</summary>
    /// <param name="connectionString">Npgsql-style keywords: Host, Port, Username, Password, Database, ...</param>
    public PgWireConnection(string connectionString) => ConnectionString = connectionString;

    internal PgWireConnection(PgWireDataSource dataSource)
    {
        _dataSource = dataSource;
        _connectionString = dataSource.ConnectionString;
    }

    /// <summary>The connection string. Can be set only while the connection is closed.</summary>
    /// <remarks>Once the connection has been opened, the string no longer contains Password or SSL Password, unless it
    /// says <c>Persist Security Info=true</c> (as SqlClient and Npgsql do).</remarks>
    [AllowNull]
    public override string ConnectionString
    {
        get => _hidePassword ? new PgWireConnectionStringBuilder(_connectionString).WithoutPassword() : _connectionString;
        set
        {
            if (_state != ConnectionState.Closed) throw new InvalidOperationException("The connection string cannot change while the connection is open.");
            var text = value ?? "";
            if (text.Length > 0) _ = new PgWireConnectionStringBuilder(text); // an unknown keyword or bad value fails here
            _connectionString = text;
            _dataSource = null;
            _hidePassword = false;
        }
    }

    /// <summary>Set once the connection has been opened, unless the string says Persist Security Info=true.</summary>
    private bool _hidePassword;

    /// <summary>The database named in the connection string (or the user name when none is); empty without a connection string.</summary>
    public override string Database => HasNoSettings ? "" : DataSourceOrThrow().DatabaseName;

    /// <summary>The server's host; empty without a connection string.</summary>
    public override string DataSource => HasNoSettings ? "" : DataSourceOrThrow().HostName;

    /// <summary>A connection made with no connection string (yet).</summary>
    private bool HasNoSettings => _dataSource is null && _connectionString.Length == 0;

    /// <summary><see cref="PgWireFactory.Instance"/>, so that <c>DbProviderFactories.GetFactory(connection)</c> finds PgWire.</summary>
    protected override DbProviderFactory DbProviderFactory => PgWireFactory.Instance;

    /// <summary>The server's version (its server_version parameter), for example "15.18 (Debian 15.18-0+deb12u1)".</summary>
    /// <exception cref="InvalidOperationException">The connection is not open.</exception>
    public override string ServerVersion =>
        Connector.Session.ServerParameters.TryGetValue("server_version", out var version) ? version : "";

    /// <summary>The server's version as numbers (15.18 for "15.18 (Debian ...)", 18.0 for "18beta1"), for code that depends on it.</summary>
    /// <exception cref="InvalidOperationException">The connection is not open.</exception>
    public Version PostgreSqlVersion => Connector.Session.ServerVersionNumber;

    /// <summary>
    /// The protocol version the session speaks: 3.2 with PostgreSQL 18 and later (longer cancel keys), 3.0 with older
    /// servers and with poolers that speak only 3.0 (see the connection string's Max Protocol Version).
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is not open.</exception>
    public Version ProtocolVersion => new(3, Connector.Session.ProtocolMinor);

    /// <summary>
    /// Raised for every notification (NOTIFY, <c>pg_notify</c>) on a channel this connection LISTENs to: while a
    /// command runs, and while <see cref="WaitAsync(TimeSpan, CancellationToken)"/> waits. It runs on the thread that
    /// reads the connection, in the middle of that read: keep it short, and do not use the connection from it.
    /// </summary>
    public event EventHandler<PgNotificationEventArgs>? Notification
    {
        add
        {
            _notification += value;
            // Hooked into the session only once somebody listens: opening costs nothing for everyone else.
            if (_connector is { } connector) connector.Session.NotificationCallback = RaiseNotification;
        }
        remove => _notification -= value;
    }

    private EventHandler<PgNotificationEventArgs>? _notification;

    /// <summary>
    /// Waits for the next notification on an idle connection (after LISTEN); true when one arrived (and
    /// <see cref="Notification"/> was raised), false when <paramref name="timeout"/> passed first. Notifications that
    /// arrived since the last command count. With the connection string's Keepalive, an empty query is run every so
    /// many seconds while waiting, so that a dead server or network is noticed.
    /// </summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="cancellationToken">Ends the wait (<see cref="OperationCanceledException"/>); the connection stays usable.</param>
    /// <exception cref="InvalidOperationException">The connection is not open, or a reader or COPY is using it.</exception>
    /// <exception cref="PgWireException">The connection failed or the server ended the session while waiting.</exception>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout is negative.");
        var connector = Connector;
        if (ActiveReader is not null || ActiveCopy is not null)
            throw new InvalidOperationException("A reader or COPY is using the connection: notifications are raised as it reads; wait once it is done.");
        return await NotificationWait.WaitAsync(connector, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the next notification on an idle connection, without a time limit (see <see cref="WaitAsync(TimeSpan, CancellationToken)"/>).</summary>
    public Task WaitAsync(CancellationToken cancellationToken = default) => WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Waits for the next notification, blocking the thread (see <see cref="WaitAsync(TimeSpan, CancellationToken)"/>).</summary>
    public bool Wait(TimeSpan timeout) => WaitAsync(timeout).GetAwaiter().GetResult();

    /// <summary>Waits for the next notification without a time limit, blocking the thread.</summary>
    public void Wait() => WaitAsync(Timeout.InfiniteTimeSpan).GetAwaiter().GetResult();

    private void RaiseNotification(PgNotification notification) => _notification?.Invoke(this, new PgNotificationEventArgs(notification));

    /// <summary>True when the connection is encrypted with TLS (see the connection string's SSL Mode).</summary>
    /// <exception cref="InvalidOperationException">The connection is not open.</exception>
    public bool IsSecure => Connector.IsSecure;

    /// <summary>
    /// Closed, Open, or Broken once the physical connection failed while open (the server went away, or a command timed
    /// out and the server did not answer its cancellation). A broken connection runs nothing more: close it (or open it
    /// again, which closes it first). Executing and Fetching are not reported.
    /// </summary>
    public override ConnectionState State =>
        _state == ConnectionState.Open && _connector is { IsBroken: true } ? ConnectionState.Broken : _state;

    /// <summary>The seconds to wait for a connection to open: the connection string's Timeout.</summary>
    public override int ConnectionTimeout => new PgWireConnectionStringBuilder(_connectionString).Timeout;

    /// <summary>The open transaction, if any.</summary>
    internal PgWireTransaction? Transaction { get; set; }

    /// <summary>The reader that currently uses the connection, if any.</summary>
    internal PgWireDataReader? ActiveReader { get; set; }

    /// <summary>The COPY in progress on this connection, if any.</summary>
    internal ICopyOperation? ActiveCopy { get; set; }

    private static readonly StateChangeEventArgs s_opened = new(ConnectionState.Closed, ConnectionState.Open);
    private static readonly StateChangeEventArgs s_closed = new(ConnectionState.Open, ConnectionState.Closed);

    /// <summary>The data source whose pool this connection uses.</summary>
    internal PgWireDataSource OwningDataSource => DataSourceOrThrow();

    /// <summary>The physical connection while open, broken or not: for cleanup paths that check <see cref="PgConnector.IsBroken"/> themselves.</summary>
    internal PgConnector? ConnectorOrNull => _connector;

    /// <summary>The physical connection, while open and unbroken; otherwise an <see cref="InvalidOperationException"/> saying why.</summary>
    internal PgConnector Connector => _connector switch
    {
        null => throw new InvalidOperationException("The connection is not open: call Open or OpenAsync first."),
        { IsBroken: true } broken => throw new InvalidOperationException(
            $"The connection is broken{(broken.BreakReason is { } reason ? $" ({reason})" : "")}: close it and open it again, which takes a working connection from the pool."),
        var connector => connector,
    };

    /// <inheritdoc />
    public override void Open() => OpenAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Takes a physical connection from the pool (or opens one).</summary>
    /// <exception cref="InvalidOperationException">The connection is already open, or has no connection string.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled: the connection stays Closed.</exception>
    public override async Task OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (State == ConnectionState.Broken) await CloseAsync().ConfigureAwait(false);
        if (_state != ConnectionState.Closed) throw new InvalidOperationException("The connection is already open.");
        var dataSource = DataSourceOrThrow();
        _connector = await dataSource.RentConnectorAsync(cancellationToken).ConfigureAwait(false);
        if (_notification is not null) _connector.Session.NotificationCallback = RaiseNotification;
        // A connection made by a data source has no password in its string to hide.
        if (!_hidePassword && !ReferenceEquals(_connectionString, dataSource.ConnectionString)) _hidePassword = !dataSource.PersistSecurityInfo;
        SetState(ConnectionState.Open);
    }

    /// <inheritdoc />
    public override void Close() => CloseAsync().GetAwaiter().GetResult();

    /// <summary>Closes any open reader, rolls back an uncommitted transaction, and returns the physical connection to the pool.</summary>
    public override async Task CloseAsync()
    {
        if (_state == ConnectionState.Closed) return;
        var connector = _connector;
        if (ActiveReader is { } reader)
        {
            try
            {
                await reader.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is PgWireException or OperationCanceledException or TimeoutException)
            {
                // Closing must not fail; a session whose response was not read to the end is not reused.
                if (!reader.IsClosed) connector?.Break(null);
            }
        }
        if (ActiveCopy is { } copy)
        {
            try
            {
                await copy.AbortAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is PgWireException or OperationCanceledException or TimeoutException)
            {
                connector?.Break(null);
            }
            ActiveCopy = null;
        }
        Transaction?.MarkCompleted();
        Transaction = null;
        _connector = null;
        if (connector is not null)
        {
            connector.Session.NotificationCallback = null;
            await DataSourceOrThrow().ReturnConnectorAsync(connector).ConfigureAwait(false);
        }
        SetState(ConnectionState.Closed);
    }

    /// <summary>Switches to another database of the same server: closes and reopens with the new Database.</summary>
    public override void ChangeDatabase(string databaseName) => ChangeDatabaseAsync(databaseName).GetAwaiter().GetResult();

    /// <summary>Switches to another database of the same server: closes and reopens with the new Database.</summary>
    public override async Task ChangeDatabaseAsync(string databaseName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databaseName);
        if (_state != ConnectionState.Open) throw new InvalidOperationException("ChangeDatabase needs an open connection.");
        var builder = new PgWireConnectionStringBuilder(_dataSource is not null && _connectionString == _dataSource.ConnectionString
            ? _dataSource.FullConnectionString : _connectionString) { Database = databaseName };
        await CloseAsync().ConfigureAwait(false);
        _connectionString = builder.ConnectionString;
        _dataSource = null;
        await OpenAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Batches are supported.</summary>
    public override bool CanCreateBatch => true;

    /// <summary>Creates a batch on this connection.</summary>
    public new PgWireBatch CreateBatch() => new(this) { Transaction = Transaction };

    /// <inheritdoc />
    protected override DbBatch CreateDbBatch() => CreateBatch();

    /// <summary>Creates a command on this connection, in its current transaction if one is open.</summary>
    public new PgWireCommand CreateCommand() => new() { Connection = this, Transaction = Transaction };

    /// <inheritdoc />
    protected override DbCommand CreateDbCommand() => CreateCommand();

    /// <summary>Starts a transaction at the server's default isolation level.</summary>
    public new PgWireTransaction BeginTransaction() => BeginTransaction(IsolationLevel.Unspecified);

    /// <summary>Starts a transaction.</summary>
    /// <param name="isolationLevel">ReadUncommitted, ReadCommitted, RepeatableRead, Serializable or Snapshot (repeatable read); Unspecified uses the server default.</param>
    public new PgWireTransaction BeginTransaction(IsolationLevel isolationLevel) =>
        BeginTransactionAsync(isolationLevel, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => BeginTransaction(isolationLevel);

    /// <inheritdoc />
    protected override async ValueTask<DbTransaction> BeginDbTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken) =>
        await BeginTransactionAsync(isolationLevel, cancellationToken).ConfigureAwait(false);

    /// <summary>Starts a transaction at the server's default isolation level.</summary>
    /// <param name="cancellationToken">Cancels the BEGIN.</param>
    /// <exception cref="InvalidOperationException">The connection is not open, or a transaction is already in progress.</exception>
    public new ValueTask<PgWireTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default) =>
        BeginTransactionAsync(IsolationLevel.Unspecified, cancellationToken);

    /// <summary>Starts a transaction.</summary>
    /// <param name="isolationLevel">The isolation level; Unspecified uses the server default.</param>
    /// <param name="cancellationToken">Cancels the BEGIN.</param>
    /// <exception cref="InvalidOperationException">The connection is not open, or a transaction is already in progress.</exception>
    public new async ValueTask<PgWireTransaction> BeginTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken = default)
    {
        var connector = Connector;
        if (Transaction is not null || connector.TransactionStatus != Protocol.TransactionStatus.Idle)
            throw new InvalidOperationException("A transaction is already in progress on this connection; PostgreSQL has no nested transactions (use savepoints: Save, Rollback(name), Release).");
        ThrowIfBusy();
        await TransactionControl.BeginAsync(connector, isolationLevel, cancellationToken).ConfigureAwait(false);
        Transaction = new PgWireTransaction(this, isolationLevel);
        return Transaction;
    }

    /// <summary>Starts a binary import: <c>COPY table [(columns)] FROM STDIN (FORMAT BINARY)</c>.</summary>
    /// <param name="copyFromCommand">The COPY statement.</param>
    /// <returns>The importer: write rows, then <see cref="PgWireBinaryImporter.Complete"/>.</returns>
    /// <exception cref="ArgumentException">The statement is not a binary COPY ... FROM STDIN.</exception>
    /// <exception cref="PgWireServerException">The server refused the COPY (an unknown table or column...).</exception>
    public PgWireBinaryImporter BeginBinaryImport(string copyFromCommand) =>
        BeginBinaryImportAsync(copyFromCommand).GetAwaiter().GetResult();

    /// <inheritdoc cref="BeginBinaryImport"/>
    /// <param name="copyFromCommand">The COPY statement.</param>
    /// <param name="cancellationToken">Cancels starting the COPY.</param>
    public Task<PgWireBinaryImporter> BeginBinaryImportAsync(string copyFromCommand, CancellationToken cancellationToken = default) =>
        PgWireBinaryImporter.StartAsync(this, copyFromCommand, cancellationToken);

    /// <summary>
    /// Starts a binary import (see <see cref="BeginBinaryImportAsync(string, CancellationToken)"/>), reporting the rows
    /// and bytes sent to <paramref name="progress"/> at most every 100 ms and once when it completes.
    /// </summary>
    /// <param name="copyFromCommand"><c>COPY table (columns) FROM STDIN (FORMAT BINARY)</c>.</param>
    /// <param name="progress">Receives the import's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels the start of the COPY.</param>
    public Task<PgWireBinaryImporter> BeginBinaryImportAsync(string copyFromCommand, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default) =>
        PgWireBinaryImporter.StartAsync(this, copyFromCommand, cancellationToken, progress);

    /// <summary>
    /// Inserts <paramref name="rows"/> into <paramref name="table"/> with a binary COPY, the fastest way in, and returns
    /// the number of rows inserted. Either every row is inserted or, on any error, none is.
    /// </summary>
    /// <typeparam name="T">
    /// The row type: a tuple (<c>(int, string)</c>, items in column order), <c>object?[]</c> (values in column order), a
    /// class, record or struct with a public readable member per column (by the column's name as is, ignoring case, or
    /// in snake_case: <c>CustomerId</c> is <c>customer_id</c>), or for one column the value itself. Each value is
    /// written with its own type, as <see cref="PgWireBinaryImporter.Write{T}(T)"/> does; a null value is NULL.
    /// </typeparam>
    /// <param name="table">The table's name, optionally with its schema (<c>sales.orders</c>). Names are used exactly as
    /// written, case included, and quoted for you; put a part in double quotes when it contains a dot.</param>
    /// <param name="columns">The columns to fill, in the order the rows give them; exact names, quoted for you.</param>
    /// <param name="rows">The rows, enumerated once while they are sent: a large set is never held in memory.</param>
    /// <param name="cancellationToken">Cancels the insert: the COPY is abandoned and the table keeps none of its rows.</param>
    /// <returns>The number of rows inserted.</returns>
    /// <exception cref="ArgumentException">A column has no member of <typeparamref name="T"/>, a row is null or has the
    /// wrong number of values, or a name is malformed. Nothing is inserted.</exception>
    /// <exception cref="InvalidCastException">A value's type does not suit its column (the message names the column and row). Nothing is inserted.</exception>
    /// <exception cref="PgWireServerException">The server rejected the table, a column or a row (a constraint, a bad value;
    /// <see cref="PgWireServerException.Where"/> names the COPY line). Nothing is inserted and the connection stays usable.</exception>
    public Task<ulong> BulkInsertAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(string table, IReadOnlyList<string> columns, IEnumerable<T> rows, CancellationToken cancellationToken = default) =>
        BulkInserter.RunAsync(this, table, columns, rows, cancellationToken);

    /// <inheritdoc cref="BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, CancellationToken)"/>
    /// <param name="table">The table's name, optionally with its schema (<c>sales.orders</c>); see the other overload.</param>
    /// <param name="columns">The columns to fill, in the order the rows give them.</param>
    /// <param name="rows">The rows, awaited one by one while they are sent; a slow source holds at most about 64 KB of rows in the driver.</param>
    /// <param name="cancellationToken">Cancels the insert (the token is also passed to the enumeration).</param>
    public Task<ulong> BulkInsertAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(string table, IReadOnlyList<string> columns, IAsyncEnumerable<T> rows, CancellationToken cancellationToken = default) =>
        BulkInserter.RunAsync(this, table, columns, rows, cancellationToken);

    /// <summary>
    /// Inserts rows with a binary COPY (see <see cref="BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, CancellationToken)"/>),
    /// reporting the rows and bytes sent so far to <paramref name="progress"/> at most every 100 ms (never per row) and
    /// once when the server has committed them.
    /// </summary>
    /// <typeparam name="T">The row type (see the other overload).</typeparam>
    /// <param name="table">The table's name, optionally with its schema.</param>
    /// <param name="columns">The columns to fill, in the order the rows give them.</param>
    /// <param name="rows">The rows, enumerated once while they are sent.</param>
    /// <param name="progress">Receives the insert's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels the insert: the table keeps none of its rows.</param>
    /// <returns>The number of rows inserted.</returns>
    public Task<ulong> BulkInsertAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(
        string table, IReadOnlyList<string> columns, IEnumerable<T> rows, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default) =>
        BulkInserter.RunAsync(this, table, columns, rows, cancellationToken, progress);

    /// <inheritdoc cref="BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, IProgress{PgProgress}?, CancellationToken)"/>
    /// <param name="table">The table's name, optionally with its schema.</param>
    /// <param name="columns">The columns to fill, in the order the rows give them.</param>
    /// <param name="rows">The rows, awaited one by one while they are sent.</param>
    /// <param name="progress">Receives the insert's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels the insert (and the enumeration).</param>
    public Task<ulong> BulkInsertAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(
        string table, IReadOnlyList<string> columns, IAsyncEnumerable<T> rows, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default) =>
        BulkInserter.RunAsync(this, table, columns, rows, cancellationToken, progress);

    /// <inheritdoc cref="BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, CancellationToken)"/>
    /// <param name="table">The table's name, optionally with its schema (<c>sales.orders</c>); see <see cref="BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, CancellationToken)"/>.</param>
    /// <param name="columns">The columns to fill, in the order the rows give them.</param>
    /// <param name="rows">The rows, enumerated once while they are sent.</param>
    public ulong BulkInsert<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(string table, IReadOnlyList<string> columns, IEnumerable<T> rows) =>
        BulkInsertAsync(table, columns, rows).GetAwaiter().GetResult();

    /// <summary>Starts a binary export: <c>COPY table [(columns)] TO STDOUT (FORMAT BINARY)</c> or <c>COPY (query) TO STDOUT (FORMAT BINARY)</c>.</summary>
    /// <param name="copyToCommand">The COPY statement.</param>
    /// <returns>The exporter: <see cref="PgWireBinaryExporter.StartRow"/> and read each row's columns.</returns>
    /// <exception cref="ArgumentException">The statement is not a binary COPY ... TO STDOUT.</exception>
    /// <exception cref="PgWireServerException">The server refused the COPY.</exception>
    public PgWireBinaryExporter BeginBinaryExport(string copyToCommand) =>
        BeginBinaryExportAsync(copyToCommand).GetAwaiter().GetResult();

    /// <inheritdoc cref="BeginBinaryExport"/>
    /// <param name="copyToCommand">The COPY statement.</param>
    /// <param name="cancellationToken">Cancels starting the COPY.</param>
    public Task<PgWireBinaryExporter> BeginBinaryExportAsync(string copyToCommand, CancellationToken cancellationToken = default) =>
        PgWireBinaryExporter.StartAsync(this, copyToCommand, cancellationToken);

    /// <summary>
    /// Starts a binary export (see <see cref="BeginBinaryExportAsync(string, CancellationToken)"/>), reporting the rows
    /// read and bytes received to <paramref name="progress"/> at most every 100 ms and once when the last row was read.
    /// </summary>
    /// <param name="copyToCommand"><c>COPY table_or_query TO STDOUT (FORMAT BINARY)</c>.</param>
    /// <param name="progress">Receives the export's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels the start of the COPY.</param>
    public Task<PgWireBinaryExporter> BeginBinaryExportAsync(string copyToCommand, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default) =>
        PgWireBinaryExporter.StartAsync(this, copyToCommand, cancellationToken, progress);

    /// <summary>Starts a text or CSV import (<c>COPY ... FROM STDIN</c>, optionally <c>(FORMAT CSV ...)</c>) written as text.</summary>
    /// <param name="copyFromCommand">The COPY statement.</param>
    /// <returns>A writer; disposing it commits the COPY, <see cref="PgWireCopyTextWriter.Cancel"/> abandons it.</returns>
    /// <exception cref="ArgumentException">The statement is not a text-format COPY ... FROM STDIN.</exception>
    public PgWireCopyTextWriter BeginTextImport(string copyFromCommand) =>
        BeginTextImportAsync(copyFromCommand).GetAwaiter().GetResult();

    /// <inheritdoc cref="BeginTextImport"/>
    /// <param name="copyFromCommand">The COPY statement.</param>
    /// <param name="cancellationToken">Cancels starting the COPY.</param>
    public async Task<PgWireCopyTextWriter> BeginTextImportAsync(string copyFromCommand, CancellationToken cancellationToken = default)
    {
        var text = CopyCommandText.ParseFor(copyFromCommand, fromClient: true, "BeginTextImport", "BeginTextExport");
        return new(await PgWireCopyStream.StartAsync(this, copyFromCommand, text, binary: false, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Starts a text or CSV import (see <see cref="BeginTextImportAsync(string, CancellationToken)"/>), reporting the
    /// bytes sent to <paramref name="progress"/> at most every 100 ms, and the rows the server counted once committed.
    /// </summary>
    /// <param name="copyFromCommand">The COPY statement.</param>
    /// <param name="progress">Receives the import's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels starting the COPY.</param>
    public async Task<PgWireCopyTextWriter> BeginTextImportAsync(string copyFromCommand, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default)
    {
        var text = CopyCommandText.ParseFor(copyFromCommand, fromClient: true, "BeginTextImport", "BeginTextExport");
        return new(await PgWireCopyStream.StartAsync(this, copyFromCommand, text, binary: false, cancellationToken, progress).ConfigureAwait(false));
    }

    /// <summary>Starts a text or CSV export (<c>COPY ... TO STDOUT</c>, optionally <c>(FORMAT CSV ...)</c>) read as text.</summary>
    /// <param name="copyToCommand">The COPY statement.</param>
    /// <returns>A reader of the COPY's text (UTF-8); disposing it before the end cancels the COPY.</returns>
    /// <exception cref="ArgumentException">The statement is not a text-format COPY ... TO STDOUT.</exception>
    public TextReader BeginTextExport(string copyToCommand) =>
        BeginTextExportAsync(copyToCommand).GetAwaiter().GetResult();

    /// <inheritdoc cref="BeginTextExport"/>
    /// <param name="copyToCommand">The COPY statement.</param>
    /// <param name="cancellationToken">Cancels starting the COPY.</param>
    public async Task<TextReader> BeginTextExportAsync(string copyToCommand, CancellationToken cancellationToken = default)
    {
        var text = CopyCommandText.ParseFor(copyToCommand, fromClient: false, "BeginTextExport", "BeginTextImport");
        var stream = await PgWireCopyStream.StartAsync(this, copyToCommand, text, binary: false, cancellationToken).ConfigureAwait(false);
        return new StreamReader(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false);
    }

    /// <summary>
    /// Starts a text or CSV export (see <see cref="BeginTextExportAsync(string, CancellationToken)"/>), reporting the
    /// rows and bytes received to <paramref name="progress"/> at most every 100 ms and once when the last row arrived.
    /// </summary>
    /// <param name="copyToCommand">The COPY statement.</param>
    /// <param name="progress">Receives the export's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels starting the COPY.</param>
    public async Task<TextReader> BeginTextExportAsync(string copyToCommand, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default)
    {
        var text = CopyCommandText.ParseFor(copyToCommand, fromClient: false, "BeginTextExport", "BeginTextImport");
        var stream = await PgWireCopyStream.StartAsync(this, copyToCommand, text, binary: false, cancellationToken, progress).ConfigureAwait(false);
        return new StreamReader(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false);
    }

    /// <summary>
    /// Starts a COPY in either direction and any format, as raw bytes: a stream to write for <c>FROM STDIN</c>, to
    /// read for <c>TO STDOUT</c> (files and pipes: <see cref="Stream.CopyToAsync(Stream)"/>).
    /// </summary>
    /// <param name="copyCommand">The COPY statement.</param>
    /// <returns>The stream; see <see cref="PgWireCopyStream"/> for how disposing ends it.</returns>
    public PgWireCopyStream BeginRawCopy(string copyCommand) => BeginRawCopyAsync(copyCommand).GetAwaiter().GetResult();

    /// <inheritdoc cref="BeginRawCopy"/>
    /// <param name="copyCommand">The COPY statement.</param>
    /// <param name="cancellationToken">Cancels starting the COPY.</param>
    public Task<PgWireCopyStream> BeginRawCopyAsync(string copyCommand, CancellationToken cancellationToken = default) =>
        PgWireCopyStream.StartAsync(this, copyCommand, CopyCommandText.Parse(copyCommand), binary: null, cancellationToken);

    /// <summary>
    /// Starts a raw COPY (see <see cref="BeginRawCopyAsync(string, CancellationToken)"/>), reporting the bytes sent or
    /// received (and a text export's rows) to <paramref name="progress"/> at most every 100 ms and once at the end.
    /// </summary>
    /// <param name="copyCommand">The COPY statement.</param>
    /// <param name="progress">Receives the COPY's progress; null for none.</param>
    /// <param name="cancellationToken">Cancels starting the COPY.</param>
    public Task<PgWireCopyStream> BeginRawCopyAsync(string copyCommand, IProgress<PgProgress>? progress, CancellationToken cancellationToken = default) =>
        PgWireCopyStream.StartAsync(this, copyCommand, CopyCommandText.Parse(copyCommand), binary: null, cancellationToken, progress);

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) Close();
        base.Dispose(disposing);
    }

    /// <summary>Throws when a reader still uses the connection.</summary>
    internal void ThrowIfBusy()
    {
        if (ActiveReader is { IsClosed: false })
            throw new InvalidOperationException("A data reader is still open on this connection: read it to the end or close it before running another command.");
        if (ActiveCopy is not null)
            throw new InvalidOperationException("A COPY is in progress on this connection: complete or dispose it before running another command.");
    }

    private PgWireDataSource DataSourceOrThrow()
    {
        if (_dataSource is not null) return _dataSource;
        if (_connectionString.Length == 0) throw new InvalidOperationException("The connection has no ConnectionString.");
        _dataSource = s_dataSources.GetOrAdd(_connectionString, static cs => PgWireDataSource.Create(cs));
        return _dataSource;
    }

    private void SetState(ConnectionState state)
    {
        var previous = _state;
        _state = state;
        if (previous == state) return;
        // The two transitions a connection makes are the same every time: their (immutable) arguments are shared.
        OnStateChange((previous, state) switch
        {
            (ConnectionState.Closed, ConnectionState.Open) => s_opened,
            (ConnectionState.Open, ConnectionState.Closed) => s_closed,
            _ => new StateChangeEventArgs(previous, state),
        });
    }
}
