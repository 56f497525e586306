using PgWire.Buffers;
using PgWire.Types;

namespace PgWire.Connection;

/// <summary>
/// Loads the names of every type the server knows (pg_type through format_type) into the session's type registry, so
/// that columns of enums, domains and extension types are named, and extension types found by name.
/// </summary>
internal static class TypeCatalogLoader
{
    // Rows of kind 0 are types: OID, format_type name, typtype, and the base type of a domain or the element type of an
    // array. Rows of kind 1 are the fields of standalone composite types (CREATE TYPE ... AS), in order: the composite's
    // OID, the field's name and type. Table row types are composites too, but their fields are not loaded (a schema's
    // every column), as Npgsql does by default: they read by position.
    private const string Sql = """
        SELECT 0, t.oid, format_type(t.oid, NULL), t.typtype::text,
               CASE WHEN t.typtype = 'd' THEN t.typbasetype WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END, 0::int2
        FROM pg_catalog.pg_type t
        UNION ALL
        SELECT 1, t.oid, a.attname::text, '', a.atttypid, a.attnum
        FROM pg_catalog.pg_type t
        JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
        JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE t.typtype = 'c'
        ORDER BY 1, 2, 6
        """;

    /// <summary>
    /// The one point where a session (re)loads the type catalog: when the registry has none yet (the data source's
    /// first connection), or when it is stale (a description met a type it did not know, or a parameter named or mapped
    /// to one: CREATE TYPE, CREATE EXTENSION since it was loaded). Returns true when it loaded, and the caller
    /// re-resolves what it described (<see cref="RowDescriptionInfo.WithCurrentTypes"/>) so that this very result
    /// knows the type. Runs on an idle session with an empty output buffer.
    /// </summary>
    public static async ValueTask<bool> RefreshAsync(PgConnector connector, CancellationToken cancellationToken)
    {
        if (connector.TypeRegistry.HasCatalog && !connector.TypeRegistry.CatalogIsStale) return false;
        await LoadAsync(connector, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs the catalog query over the simple protocol on an idle session (text results: "oid", "name").</summary>
    private static async ValueTask LoadAsync(PgConnector connector, CancellationToken cancellationToken)
    {
        var rows = await SimpleQuery.RunAsync(connector, Sql, cancellationToken).ConfigureAwait(false);
        var types = new Dictionary<uint, CatalogType>();
        if (rows is not null)
        {
            try
            {
                types = CatalogRows.Read(rows);
            }
            catch (PgWireProtocolException e)
            {
                throw connector.Break(e);
            }
            finally
            {
                RowBufferPool.Return(rows);
            }
        }
        connector.TypeRegistry.LoadCatalog(types);
    }
}
