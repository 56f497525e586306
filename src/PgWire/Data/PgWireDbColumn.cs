using System.Data.Common;
using PgWire.Types;

namespace PgWire;

/// <summary>A column of a result as ADO.NET describes it (<see cref="PgWireDataReader.GetColumnSchema"/>), with PostgreSQL facts.</summary>
public sealed class PgWireDbColumn : DbColumn
{
    internal PgWireDbColumn(PgColumn column)
    {
        ColumnName = column.Name;
        ColumnOrdinal = column.Ordinal;
        DataType = column.ClrType;
        DataTypeName = column.TypeName;
        TypeOid = column.TypeOid;
        TableOid = column.TableOid;
        ColumnAttributeNumber = column.ColumnAttributeNumber;
        TypeModifier = column.TypeModifier;
        IsExpression = column.TableOid == 0;
        IsReadOnly = column.TableOid == 0;
        // Long: binary blobs, and the types "=" cannot compare (a command builder leaves these out of its WHERE clause):
        // bytea, json, xml, and the geometric types. text and jsonb compare with "=" like any value.
        IsLong = column.TypeOid is PgTypeOids.Bytea or PgTypeOids.Json or PgTypeOids.Xml or PgTypeOids.Point or PgTypeOids.Lseg
            or PgTypeOids.Path or PgTypeOids.Box or PgTypeOids.Polygon or PgTypeOids.Line or PgTypeOids.Circle;
        AllowDBNull = true;
        IsKey = false;
        IsUnique = false;
        IsAutoIncrement = false;
        IsIdentity = false;
        IsAliased = false;
        IsHidden = false;
        // Type modifiers: numeric(p, s) stores ((p << 16) | s) + 4; varchar(n) and char(n) store n + 4.
        if (column.TypeOid == PgTypeOids.Numeric && column.TypeModifier >= 4)
        {
            NumericPrecision = ((column.TypeModifier - 4) >> 16) & 0xFFFF;
            NumericScale = (column.TypeModifier - 4) & 0xFFFF;
        }
        if (column.TypeOid is PgTypeOids.Bpchar or PgTypeOids.Varchar && column.TypeModifier >= 4) ColumnSize = column.TypeModifier - 4;
    }

    /// <summary>The OID of the column's PostgreSQL type.</summary>
    public uint TypeOid { get; }

    /// <summary>The OID of the table the column comes from, or 0.</summary>
    public uint TableOid { get; }

    /// <summary>The column's attribute number in its table, or 0.</summary>
    public short ColumnAttributeNumber { get; }

    /// <summary>The type modifier (for example a varchar's length + 4), or -1.</summary>
    public int TypeModifier { get; }

    /// <summary>Fills in what the catalog says about the table column behind a result column.</summary>
    internal void SetBase(string catalog, string schema, string table, string column, bool notNull, bool isKey, bool isUnique, bool isIdentity, bool isAuto)
    {
        BaseCatalogName = catalog;
        BaseSchemaName = schema;
        BaseTableName = table;
        BaseColumnName = column;
        AllowDBNull = !notNull;
        IsKey = isKey;
        IsUnique = isUnique || isKey;
        IsIdentity = isIdentity;
        IsAutoIncrement = isAuto;
        IsAliased = !string.Equals(column, ColumnName, StringComparison.Ordinal);
        IsReadOnly = false;
    }
}
