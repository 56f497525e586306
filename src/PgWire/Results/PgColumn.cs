namespace PgWire;

/// <summary>One column of a result, as the server's RowDescription described it.</summary>
public sealed class PgColumn
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
    }

    /// <summary>The 0-based position of the column.</summary>
    public int Ordinal { get; }

    /// <summary>The column name (its alias when the query gave one; "?column?" for an unnamed expression).</summary>
    public string Name { get; }

    /// <summary>The OID of the column's PostgreSQL type.</summary>
    public uint TypeOid { get; }

    /// <summary>The PostgreSQL type name, as <c>format_type</c> prints it (for example <c>integer</c>, <c>timestamp with time zone</c>).</summary>
    public string TypeName { get; }

    /// <summary>The CLR type a value of this column reads as by default (<c>row.Get&lt;object&gt;</c>).</summary>
    public Type ClrType { get; }

    /// <summary>The OID of the table the column comes from, or 0 when it is not a plain table column.</summary>
    public uint TableOid { get; }

    /// <summary>The attribute number of the column in its table, or 0.</summary>
    public short ColumnAttributeNumber { get; }

    /// <summary>The type modifier (for example the length of a varchar), or -1.</summary>
    public int TypeModifier { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({TypeName})";

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
