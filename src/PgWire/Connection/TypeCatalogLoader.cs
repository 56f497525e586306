using System.Globalization;
using System.Text;
using PgWire.Buffers;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Loads the names of every type the server knows (pg_type through format_type) into the session's type registry, so
/// that columns of enums, domains and extension types are named, and extension types found by name.
/// </summary>
internal static class TypeCatalogLoader
{
    private const string Sql = "SELECT oid, format_type(oid, NULL), typtype = 'c' FROM pg_catalog.pg_type";

    /// <summary>Runs the catalog query over the simple protocol on an idle session (text results: "oid", "name").</summary>
    public static async ValueTask LoadAsync(PgConnector connector, CancellationToken cancellationToken)
    {
        var handler = connector.QueryHandler;
        handler.Reset(null, collectRows: true);
        FrontendMessages.WriteQuery(connector.Output, Sql);
        try
        {
            await connector.FlushAsync(cancellationToken).ConfigureAwait(false);
            await connector.ReceiveAsync(handler, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connector.Output.Clear();
        }
        var rows = handler.TakeRows();
        if (handler.Error is not null)
        {
            if (rows is not null) RowBufferPool.Return(rows);
            throw handler.Error;
        }
        var names = new Dictionary<uint, string>(rows?.RowCount ?? 0);
        var composites = new HashSet<uint>();
        if (rows is not null)
        {
            try
            {
                for (var i = 0; i < rows.RowCount; i++)
                {
                    rows.Locate(i, rows.Version, out var chunk, out var offset, out var length);
                    var stored = new ReadOnlySpan<byte>(chunk, offset, length);
                    if (!DataRow.TryGetStoredColumn(stored, 3, 0, out var oid) || !DataRow.TryGetStoredColumn(stored, 3, 1, out var name)) continue;
                    if (!uint.TryParse(Encoding.ASCII.GetString(oid), NumberStyles.None, CultureInfo.InvariantCulture, out var typeOid))
                        throw connector.Break(new PgWireProtocolException("The type catalog query returned an OID that is not a number."));
                    names[typeOid] = Encoding.UTF8.GetString(name);
                    if (DataRow.TryGetStoredColumn(stored, 3, 2, out var composite) && composite.SequenceEqual("t"u8)) composites.Add(typeOid);
                }
            }
            finally
            {
                RowBufferPool.Return(rows);
            }
        }
        connector.TypeRegistry.LoadCatalog(names, composites);
    }
}
