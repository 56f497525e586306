using PgWire.Buffers;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// The driver's own statements on an idle session (the type catalog, a server's role, the connection initialiser):
/// one Query message over the simple protocol, text results collected into pooled rows.
/// </summary>
internal static class SimpleQuery
{
    /// <summary>
    /// Runs <paramref name="sql"/> (one or more statements) and returns its rows, or null when it returned none; the
    /// caller returns them to <see cref="RowBufferPool"/>. A server error is thrown after the session is idle again.
    /// </summary>
    public static async ValueTask<RowBuffer?> RunAsync(PgConnector connector, string sql, CancellationToken cancellationToken)
    {
        var handler = connector.QueryHandler;
        handler.Reset(null, collectRows: true);
        FrontendMessages.WriteQuery(connector.Output, sql);
        try
        {
            await connector.FlushAsync(cancellationToken).ConfigureAwait(false);
            await connector.ReceiveAsync(handler, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connector.Output.Clear();
            await connector.EndRequestAsync().ConfigureAwait(false);
        }
        var rows = handler.TakeRows();
        if (handler.Error is null) return rows;
        if (rows is not null) RowBufferPool.Return(rows);
        throw handler.Error;
    }
}
