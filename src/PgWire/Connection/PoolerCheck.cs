using System.Globalization;
using PgWire.Exceptions;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Named prepared statements through a pooler that shares server sessions between transactions (PgBouncer's
/// transaction mode): a statement prepared in one transaction is missing from the next one's server session (26000)
/// or another client's statement of the same name is there (42P05). Such a pooler is recognised by the backend PID: the
/// one the login reported (the pooler's own key) is not the one the statement runs on.
/// </summary>
internal static class PoolerCheck
{
    /// <summary>Whether <paramref name="error"/> is about one of PgWire's own statement names (missing, or already there).</summary>
    public static bool IsNamedStatementError(PgWireServerException error) =>
        error.SqlState is SqlStates.InvalidSqlStatementName or SqlStates.DuplicatePstatement
        && error.MessageText.Contains(DescriptionCache.NamePrefix, StringComparison.Ordinal);

    /// <summary>
    /// On an idle session: true when the server session answering is not the one the login reported, so requests
    /// are spread over server sessions by a pooler.
    /// </summary>
    public static async ValueTask<bool> SharesSessionsAsync(PgConnector connector, CancellationToken cancellationToken)
    {
        var row = await SimpleQuery.RunForRowAsync(connector, "SELECT pg_catalog.pg_backend_pid()", 1, cancellationToken).ConfigureAwait(false);
        return row is [{ } pid] && int.TryParse(pid, NumberStyles.Integer, CultureInfo.InvariantCulture, out var backend) && backend != connector.ProcessId;
    }

    /// <summary>
    /// What to throw for a failed request whose server error was <paramref name="error"/>, on the idle session it ran on:
    /// the pooler explanation when the error is about PgWire's statement names and the session is behind a pooler (or
    /// in a transaction, where a statement cannot be prepared again), else <paramref name="outcome"/>. The check is
    /// bounded by the Cancellation Timeout; if it fails, <paramref name="outcome"/> stands.
    /// </summary>
    public static async ValueTask<Exception> ExplainIfPoolerAsync(PgConnector connector, PgWireServerException error, Exception outcome)
    {
        if (!IsNamedStatementError(error) || connector.IsBroken) return outcome;
        if (connector.TransactionStatus != TransactionStatus.Idle) return Explain(error);
        using var timeout = new CancellationTokenSource(connector.Options.CancellationGrace);
        try
        {
            return await SharesSessionsAsync(connector, timeout.Token).ConfigureAwait(false) ? Explain(error) : outcome;
        }
        catch (Exception e) when (e is PgWireException or OperationCanceledException)
        {
            return outcome;
        }
    }

    /// <summary>The error a user sees: what happened, why, and the setting that fixes it; the server's error inside.</summary>
    public static PgWireException Explain(PgWireServerException error) => new(
        $"The server session does not have the prepared statements PgWire made on this connection ({error.SqlState}: {error.MessageText}). " +
        "The connection goes through a pooler that runs each transaction on any server session (PgBouncer with pool_mode=transaction), " +
        "where named prepared statements do not survive from one transaction to the next. Set Max Auto Prepare=0 in the connection string " +
        "for such a pooler (every statement is then parsed afresh as the unnamed statement), or use its session mode.",
        error);
}
