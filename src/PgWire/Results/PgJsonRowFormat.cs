namespace PgWire;

/// <summary>How rows are written as JSON by <see cref="PgRowSet.WriteJson"/>, <see cref="PgRow.WriteJson"/> and <see cref="PgRowReader.WriteJsonAsync"/>.</summary>
public enum PgJsonRowFormat
{
    /// <summary>Each row an object whose properties are the column names, in column order: <c>{"id":1,"name":"a"}</c>.</summary>
    Objects,

    /// <summary>Each row an array of its values, in column order: <c>[1,"a"]</c>.</summary>
    Arrays,
}
