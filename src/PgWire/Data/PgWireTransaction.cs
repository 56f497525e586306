using System.Data;
using System.Data.Common;
using PgWire.Connection;

namespace PgWire;

/// <summary>
/// A transaction on a <see cref="PgWireConnection"/>, with savepoints. Disposing it without committing rolls it back.
/// </summary>
public sealed class PgWireTransaction : DbTransaction
{
    private PgWireConnection? _connection;

    internal PgWireTransaction(PgWireConnection connection, IsolationLevel isolationLevel)
    {
        _connection = connection;
        IsolationLevel = isolationLevel;
    }

    /// <summary>The connection, or null once the transaction was committed or rolled back.</summary>
    public new PgWireConnection? Connection => _connection;

    /// <inheritdoc />
    protected override DbConnection? DbConnection => _connection;

    /// <summary>The isolation level asked for (Unspecified: the server default).</summary>
    public override IsolationLevel IsolationLevel { get; }

    /// <summary>True once committed or rolled back.</summary>
    public bool IsCompleted => _connection is null;

    /// <summary>Savepoints are supported.</summary>
    public override bool SupportsSavepoints => true;

    /// <inheritdoc />
    public override void Commit() => CommitAsync().GetAwaiter().GetResult();

    /// <summary>Commits. A transaction that failed earlier cannot commit: that is a <see cref="PgWireException"/> and the transaction is rolled back.</summary>
    public override async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        var connector = Active();
        var failed = connector.TransactionStatus == Protocol.TransactionStatus.Failed;
        await TransactionControl.CommitAsync(connector, cancellationToken).ConfigureAwait(false);
        MarkCompleted();
        if (failed)
            throw new PgWireException("The transaction had failed (a statement in it raised an error), so COMMIT rolled it back instead.");
    }

    /// <inheritdoc />
    public override void Rollback() => RollbackAsync().GetAwaiter().GetResult();

    /// <summary>Rolls the transaction back.</summary>
    public override async Task RollbackAsync(CancellationToken cancellationToken = default)
    {
        var connector = Active();
        await TransactionControl.RollbackAsync(connector, cancellationToken).ConfigureAwait(false);
        MarkCompleted();
    }

    /// <inheritdoc />
    public override void Save(string savepointName) => SaveAsync(savepointName).GetAwaiter().GetResult();

    /// <summary>Creates a savepoint.</summary>
    public override async Task SaveAsync(string savepointName, CancellationToken cancellationToken = default) =>
        await TransactionControl.SaveAsync(Active(), savepointName, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override void Rollback(string savepointName) => RollbackAsync(savepointName).GetAwaiter().GetResult();

    /// <summary>Rolls back to a savepoint; the transaction goes on.</summary>
    public override async Task RollbackAsync(string savepointName, CancellationToken cancellationToken = default) =>
        await TransactionControl.RollbackToAsync(Active(), savepointName, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override void Release(string savepointName) => ReleaseAsync(savepointName).GetAwaiter().GetResult();

    /// <summary>Releases a savepoint.</summary>
    public override async Task ReleaseAsync(string savepointName, CancellationToken cancellationToken = default) =>
        await TransactionControl.ReleaseAsync(Active(), savepointName, cancellationToken).ConfigureAwait(false);

    /// <summary>Rolls back when neither committed nor rolled back. Afterwards every method throws <see cref="ObjectDisposedException"/>.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        if (_connection is { State: ConnectionState.Open }) await RollbackAsync().ConfigureAwait(false);
        _disposed = true;
        MarkCompleted();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        if (disposing && _connection is { State: ConnectionState.Open }) Rollback();
        _disposed = true;
        MarkCompleted();
        base.Dispose(disposing);
    }

    internal void MarkCompleted()
    {
        if (_connection is not null && ReferenceEquals(_connection.Transaction, this)) _connection.Transaction = null;
        _connection = null;
    }

    private bool _disposed;

    private PgConnector Active()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = _connection ?? throw new InvalidOperationException("The transaction has already been committed or rolled back.");
        connection.ThrowIfBusy();
        return connection.Connector;
    }
}
