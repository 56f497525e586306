using System.Data.Common;
using PgWire.Types;

namespace PgWire;

/// <summary>
/// One column of a result: what the server's RowDescription says (name, type, table and attribute), and, as an ADO.NET
/// <see cref="DbColumn"/>, the schema facts derived from it. The table column's own facts (base table and column,
/// nullability, key, identity) are filled in only for the columns <see cref="PgWireDataReader.GetColumnSchema"/> returns,
/// which reads them from the catalog; elsewhere they are unknown (null, or false).
/// </summary>
public sealed class PgColumn : DbColumn
{
    internal PgColumn(int ordinal, string name, uint typeOid, string typeName, Type clrType, uint tableOid, short columnAttributeNumber, int typeModifier)
    {
        Ordinal = ordinal;
        Name = name;
        TypeOid = typeOid;
        TypeName = typeName;
        ClrType = clrType;
        TableOid = tableOid;
        ColumnAttributeNumber = columnAttributeNumber;
        TypeModifier = typeModifier;
        ColumnName = name;
        ColumnOrdinal = ordinal;
        DataType = clrType;
        DataTypeName = typeName;
        IsExpression = tableOid == 0;
        IsReadOnly = tableOid == 0;
        // Long: binary blobs, and the types "=" cannot compare (a command builder leaves these out of its WHERE clause):
        // bytea, json, xml, and the geometric types. text and jsonb compare with "=" like any value.
        IsLong = typeOid is PgTypeOids.Bytea or PgTypeOids.Json or PgTypeOids.Xml or PgTypeOids.Point or PgTypeOids.Lseg
            or PgTypeOids.Path or PgTypeOids.Box or PgTypeOids.Polygon or PgTypeOids.Line or PgTypeOids.Circle;
        AllowDBNull = true;
        IsKey = false;
        IsUnique = false;
        IsAutoIncrement = false;
        IsIdentity = false;
        IsAliased = false;
        IsHidden = false;
        // Type modifiers: numeric(p, s) stores ((p << 16) | s) + 4; varchar(n) and char(n) store n + 4.
        if (typeOid == PgTypeOids.Numeric && typeModifier >= 4)
        {
            NumericPrecision = ((typeModifier - 4) >> 16) & 0xFFFF;
            NumericScale = (typeModifier - 4) & 0xFFFF;
        }
        if (typeOid is PgTypeOids.Bpchar or PgTypeOids.Varchar && typeModifier >= 4) ColumnSize = typeModifier - 4;
    }

    /// <summary>The 0-based position of the column (also <see cref="DbColumn.ColumnOrdinal"/>).</summary>
    public int Ordinal { get; }

    /// <summary>The column name: its alias when the query gave one; "?column?" for an unnamed expression (also <see cref="DbColumn.ColumnName"/>).</summary>
    public string Name { get; }

    /// <summary>The OID of the column's PostgreSQL type.</summary>
    public uint TypeOid { get; }

    /// <summary>The PostgreSQL type name, as <c>format_type</c> prints it, for example <c>integer</c>, <c>timestamp with time zone</c> (also <see cref="DbColumn.DataTypeName"/>).</summary>
    public string TypeName { get; }

    /// <summary>The CLR type a value of this column reads as by default, <c>row.Get&lt;object&gt;</c> and GetValue (also <see cref="DbColumn.DataType"/>).</summary>
    public Type ClrType { get; }

    /// <summary>The OID of the table the column comes from, or 0 when it is not a plain table column.</summary>
    public uint TableOid { get; }

    /// <summary>The attribute number of the column in its table, or 0.</summary>
    public short ColumnAttributeNumber { get; }

    /// <summary>The type modifier (for example the length of a varchar + 4), or -1.</summary>
    public int TypeModifier { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({TypeName})";

    /// <summary>A copy of this column with what the catalog says about the table column behind it.</summary>
    internal PgColumn WithBase(string catalog, string schema, string table, string column, bool notNull, bool isKey, bool isUnique, bool isIdentity, bool isAuto) =>
        new(Ordinal, Name, TypeOid, TypeName, ClrType, TableOid, ColumnAttributeNumber, TypeModifier)
        {
            BaseCatalogName = catalog,
            BaseSchemaName = schema,
            BaseTableName = table,
            BaseColumnName = column,
            AllowDBNull = !notNull,
            IsKey = isKey,
            IsUnique = isUnique || isKey,
            IsIdentity = isIdentity,
            IsAutoIncrement = isAuto,
            IsAliased = !string.Equals(column, Name, StringComparison.Ordinal),
            IsReadOnly = false,
        };

    /// <summary>The public column list for a result's description.</summary>
    internal static PgColumn[] From(PgWire.Connection.RowDescriptionInfo? description)
    {
        if (description is null) return [];
        var columns = new PgColumn[description.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var field = description.Fields[i];
            columns[i] = new PgColumn(i, field.Name, field.TypeOid, description.Types[i].Name,
                description.Codecs[i]?.DefaultClrType ?? typeof(object), field.TableOid, field.ColumnAttributeNumber, field.TypeModifier);
        }
        return columns;
    }
}
