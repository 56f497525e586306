using System.Globalization;
using System.Text;
using PgWire.Buffers;
using PgWire.Protocol;

namespace PgWire.Types;

/// <summary>
/// Reads the rows of the type catalog query (<c>TypeCatalogLoader</c>'s, in text form) into the registry's catalog:
/// per row, kind (0: a type; 1: a field of a standalone composite), OID, name, typtype, related OID (a domain's base
/// type, an array's element, a field's type) and a field's position.
/// </summary>
internal static class CatalogRows
{
    /// <summary>The catalog the rows describe.</summary>
    /// <exception cref="PgWireProtocolException">A NULL where the query never gives one, or an OID that is not a number.</exception>
    public static Dictionary<uint, CatalogType> Read(RowBuffer rows)
    {
        var types = new Dictionary<uint, CatalogType>(rows.RowCount);
        for (var i = 0; i < rows.RowCount; i++)
        {
            rows.Locate(i, rows.Version, out var chunk, out var offset, out var length);
            var stored = new ReadOnlySpan<byte>(chunk, offset, length);
            var kind = Column(stored, 0);
            var oid = ParseOid(Column(stored, 1));
            var name = Encoding.UTF8.GetString(Column(stored, 2));
            var related = ParseOid(Column(stored, 4));
            if (kind.SequenceEqual("0"u8))
            {
                var typtype = Column(stored, 3);
                types[oid] = new CatalogType(name, typtype.Length == 1 ? (char)typtype[0] : '?', related);
            }
            else if (types.TryGetValue(oid, out var composite))
            {
                (composite.Fields ??= []).Add(new CompositeField(name, related));
            }
        }
        return types;
    }

    private static ReadOnlySpan<byte> Column(ReadOnlySpan<byte> stored, int column) =>
        DataRow.TryGetStoredColumn(stored, 6, column, out var value) ? value
            : throw new PgWireProtocolException($"The type catalog query returned NULL in column {column}.");

    private static uint ParseOid(ReadOnlySpan<byte> text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var oid) ? oid
            : throw new PgWireProtocolException("The type catalog query returned an OID that is not a number.");
}
