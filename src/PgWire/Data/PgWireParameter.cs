using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using PgWire.Types;

namespace PgWire;

/// <summary>
/// A command parameter. Its PostgreSQL type comes from <see cref="DataTypeName"/> when set, else from
/// <see cref="DbType"/> when set, else from the CLR type of <see cref="Value"/>. Null and <see cref="DBNull"/> send NULL.
/// </summary>
public class PgWireParameter : DbParameter
{
    private string _name = "";
    private object? _value;
    private DbType? _dbType;
    private string? _dataTypeName;
    private string _sourceColumn = "";
    private bool _valueSet;

    /// <summary>Creates a parameter with no name and no value.</summary>
    public PgWireParameter() { }

    /// <summary>Creates a named parameter.</summary>
    /// <param name="parameterName">The name used in the SQL as @name (given with or without the @).</param>
    /// <param name="value">The value.</param>
    public PgWireParameter(string? parameterName, object? value)
    {
        ParameterName = parameterName;
        Value = value;
    }

    /// <summary>Creates a named parameter with an explicit <see cref="System.Data.DbType"/>.</summary>
    /// <param name="parameterName">The name used in the SQL as @name.</param>
    /// <param name="dbType">The type to send the value as.</param>
    public PgWireParameter(string? parameterName, DbType dbType)
    {
        ParameterName = parameterName;
        DbType = dbType;
    }

    /// <summary>The parameter's name, matched against @name and :name placeholders (a leading @ or : is ignored). Empty for a positional parameter.</summary>
    [AllowNull]
    public override string ParameterName
    {
        get => _name;
        set => _name = value ?? "";
    }

    /// <summary>
    /// The value; null or <see cref="DBNull.Value"/> sends NULL. A <see cref="Stream"/> is sent as bytea, read from its
    /// current position to its end each time the command runs. A parameter whose value was never set fails the command
    /// before anything is sent.
    /// </summary>
    public override object? Value
    {
        get => GetValue();
        set => SetValue(value);
    }

    /// <summary>
    /// The PostgreSQL type to send the value as, by name (<c>int4</c>, <c>integer</c>, <c>text</c>, <c>jsonb</c>,
    /// <c>timestamptz</c>, a user-defined type such as <c>mood</c>, ...), or <c>unknown</c> to let the statement decide
    /// the type. Takes precedence over <see cref="DbType"/>.
    /// </summary>
    public string? DataTypeName
    {
        get => _dataTypeName;
        set => _dataTypeName = value;
    }

    /// <summary>The ADO.NET type; inferred from <see cref="Value"/> unless set.</summary>
    public override DbType DbType
    {
        get => _dbType ?? InferDbType(GetValue());
        set => _dbType = value;
    }

    /// <summary>Only <see cref="ParameterDirection.Input"/> is supported for queries; other directions fail when the command runs.</summary>
    public override ParameterDirection Direction { get; set; } = ParameterDirection.Input;

    /// <inheritdoc />
    public override bool IsNullable { get; set; }

    /// <summary>Kept for ADO.NET compatibility; PgWire sends values whole.</summary>
    public override int Size { get; set; }

    /// <summary>The DataTable column a data adapter takes the value from; empty by default.</summary>
    [AllowNull]
    public override string SourceColumn
    {
        get => _sourceColumn;
        set => _sourceColumn = value ?? "";
    }

    /// <inheritdoc />
    public override bool SourceColumnNullMapping { get; set; }

    /// <inheritdoc />
    public override DataRowVersion SourceVersion { get; set; } = DataRowVersion.Current;

    /// <summary>Forgets an explicitly set <see cref="DbType"/> and <see cref="DataTypeName"/>.</summary>
    public override void ResetDbType()
    {
        _dbType = null;
        _dataTypeName = null;
    }

    /// <summary>The value as stored; overridden by the typed parameter.</summary>
    private protected virtual object? GetValue() => _value;

    /// <summary>Stores the value; overridden by the typed parameter.</summary>
    private protected virtual void SetValue(object? value)
    {
        _value = value;
        _valueSet = true;
    }

    /// <summary>Records that the typed parameter's value was set.</summary>
    private protected void MarkValueSet() => _valueSet = true;

    /// <summary>The parameter itself when it can hand its value to the wire layer unboxed (see <see cref="IUnboxedValue"/>), else null.</summary>
    private protected virtual IUnboxedValue? AsUnboxed() => null;

    /// <summary>
    /// The value as the wire layer takes it: null for NULL, a <see cref="TypedValue"/> when the type was chosen
    /// explicitly, else the CLR value for inference. Throws when the value cannot be sent as the chosen type.
    /// </summary>
    /// <param name="position">The parameter's position, for messages.</param>
    /// <param name="preparing">For Prepare: a parameter without a value yet stands as NULL (of its declared type when it
    /// has one, else of the type the server infers from the statement).</param>
    internal object? ToWireValue(int position, bool preparing = false)
    {
        if (Direction != ParameterDirection.Input)
            throw new NotSupportedException(
                $"Parameter {Label(position)} has Direction {Direction}; PgWire supports only Input parameters (read output values from the result set instead).");
        if (!_valueSet)
        {
            if (!preparing) throw new InvalidOperationException($"Parameter {Label(position)} has no Value: set one (null or DBNull.Value sends NULL).");
            return null;
        }
        if (_dataTypeName is null && _dbType is null or DbType.Object && AsUnboxed() is { } unboxed) return unboxed;
        var value = GetValue();
        if (value is null or DBNull) return null;
        var label = new ParameterLabel(_name, position);
        if (_dataTypeName is not null) return ParameterBinder.WithTypeName(value, _dataTypeName, label);
        if (_dbType is { } dbType && dbType != DbType.Object) return ParameterBinder.WithDbType(value, dbType, label);
        return ParameterBinder.Untyped(value, label);
    }

    private string Label(int position) => new ParameterLabel(_name, position).ToString();

    private static DbType InferDbType(object? value) => value switch
    {
        bool => DbType.Boolean,
        byte => DbType.Byte,
        short => DbType.Int16,
        int => DbType.Int32,
        long => DbType.Int64,
        float => DbType.Single,
        double => DbType.Double,
        decimal => DbType.Decimal,
        string or char => DbType.String,
        byte[] => DbType.Binary,
        Guid => DbType.Guid,
        DateOnly => DbType.Date,
        DateTime { Kind: DateTimeKind.Utc } => DbType.DateTime,
        DateTime => DbType.DateTime2,
        DateTimeOffset => DbType.DateTimeOffset,
        _ => DbType.Object,
    };
}

/// <summary>A parameter whose value is held as <typeparamref name="T"/> (no boxing while it sits in the command).</summary>
/// <typeparam name="T">The value's CLR type.</typeparam>
public sealed class PgWireParameter<T> : PgWireParameter, IUnboxedValue
{
    /// <summary>Creates a parameter with no name.</summary>
    public PgWireParameter() { }

    /// <summary>Creates a named parameter with a value.</summary>
    /// <param name="parameterName">The name used in the SQL as @name.</param>
    /// <param name="value">The value.</param>
    public PgWireParameter(string? parameterName, T value)
    {
        ParameterName = parameterName;
        TypedValue = value;
    }

    /// <summary>The value.</summary>
    public T? TypedValue
    {
        get => _typedValue;
        set
        {
            _typedValue = value;
            MarkValueSet();
        }
    }

    private T? _typedValue;

    private protected override object? GetValue() => TypedValue;

    // A value type that always maps to one built-in PostgreSQL type (int, long, Guid...) is written from TypedValue
    // without boxing; every other T takes the boxed path.
    private protected override IUnboxedValue? AsUnboxed() => UnboxedMapping<T>.Writer is null ? null : this;

    uint IUnboxedValue.Oid => UnboxedMapping<T>.Oid;

    PgCodec IUnboxedValue.Codec => UnboxedMapping<T>.Codec!;

    void IUnboxedValue.Write(System.Buffers.IBufferWriter<byte> writer) => UnboxedMapping<T>.Writer!.Write(TypedValue!, writer);

    object IUnboxedValue.Box() => TypedValue!;

    private protected override void SetValue(object? value) =>
        TypedValue = value is null or DBNull ? default : value is T typed ? typed
            : throw new InvalidCastException($"A PgWireParameter<{typeof(T).Name}> cannot hold a {value.GetType()}.");
}
