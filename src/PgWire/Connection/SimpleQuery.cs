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
            await connector.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Runs one of the driver's own control queries (a server's role, its backend PID), which answers one row of
    /// <paramref name="columns"/> short text values, and returns them (null for SQL NULL); null when the server answered
    /// another number of rows. Column values of users' queries are decoded by the codecs, never here.
    /// </summary>
    public static async ValueTask<string?[]?> RunForRowAsync(PgConnector connector, string sql, int columns, CancellationToken cancellationToken)
    {
        var rows = await RunAsync(connector, sql, cancellationToken).ConfigureAwait(false);
        if (rows is null) return null;
        try
        {
            if (rows.RowCount != 1) return null;
            rows.Locate(0, rows.Version, out var chunk, out var offset, out var length);
            var stored = new ReadOnlySpan<byte>(chunk, offset, length);
            var values = new string?[columns];
            for (var i = 0; i < columns; i++)
                values[i] = DataRow.TryGetStoredColumn(stored, columns, i, out var value) ? System.Text.Encoding.UTF8.GetString(value) : null;
            return values;
        }
        finally
        {
            RowBufferPool.Return(rows);
        }
    }
}
