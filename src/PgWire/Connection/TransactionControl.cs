using System.Data;

namespace PgWire.Connection;

/// <summary>
/// The transaction statements a session sends on its own account: BEGIN (with an isolation level), COMMIT, ROLLBACK
/// and savepoints, for explicit transactions, for a command's statement-by-statement fallback, and for the pool's
/// rollback of a session returned inside a transaction. Savepoint names are quoted as identifiers.
/// </summary>
internal static class TransactionControl
{
    /// <summary>Starts a transaction block; <see cref="IsolationLevel.Unspecified"/> takes the server's default.</summary>
    /// <exception cref="NotSupportedException">An isolation level PostgreSQL does not have (Chaos).</exception>
    public static ValueTask<long> BeginAsync(PgConnector connector, IsolationLevel isolationLevel, CancellationToken cancellationToken)
    {
        var sql = isolationLevel switch
        {
            IsolationLevel.Unspecified => "BEGIN",
            IsolationLevel.ReadUncommitted => "BEGIN ISOLATION LEVEL READ UNCOMMITTED",
            IsolationLevel.ReadCommitted => "BEGIN ISOLATION LEVEL READ COMMITTED",
            IsolationLevel.RepeatableRead or IsolationLevel.Snapshot => "BEGIN ISOLATION LEVEL REPEATABLE READ",
            IsolationLevel.Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            _ => throw new NotSupportedException($"PostgreSQL has no isolation level {isolationLevel}."),
        };
        return QueryRunner.ExecuteScriptAsync(connector, sql, cancellationToken);
    }

    /// <summary>Ends the transaction block with COMMIT (which the server turns into a rollback when the block failed).</summary>
    public static ValueTask<long> CommitAsync(PgConnector connector, CancellationToken cancellationToken) =>
        QueryRunner.ExecuteScriptAsync(connector, "COMMIT", cancellationToken);

    /// <summary>Rolls the transaction block back.</summary>
    public static ValueTask<long> RollbackAsync(PgConnector connector, CancellationToken cancellationToken) =>
        QueryRunner.ExecuteScriptAsync(connector, "ROLLBACK", cancellationToken);

    /// <summary>Creates a savepoint.</summary>
    public static ValueTask<long> SaveAsync(PgConnector connector, string name, CancellationToken cancellationToken) =>
        QueryRunner.ExecuteScriptAsync(connector, "SAVEPOINT " + Quote(name), cancellationToken);

    /// <summary>Rolls back to a savepoint; the transaction goes on.</summary>
    public static ValueTask<long> RollbackToAsync(PgConnector connector, string name, CancellationToken cancellationToken) =>
        QueryRunner.ExecuteScriptAsync(connector, "ROLLBACK TO SAVEPOINT " + Quote(name), cancellationToken);

    /// <summary>Releases a savepoint.</summary>
    public static ValueTask<long> ReleaseAsync(PgConnector connector, string name, CancellationToken cancellationToken) =>
        QueryRunner.ExecuteScriptAsync(connector, "RELEASE SAVEPOINT " + Quote(name), cancellationToken);

    private static string Quote(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
