using System.Collections;
using System.Data.Common;

namespace PgWire;

/// <summary>The parameters of a <see cref="PgWireCommand"/>.</summary>
public sealed class PgWireParameterCollection : DbParameterCollection
{
    private readonly List<PgWireParameter> _items = [];

    internal PgWireParameterCollection() { }

    /// <inheritdoc />
    public override int Count => _items.Count;

    /// <inheritdoc />
    public override object SyncRoot => ((ICollection)_items).SyncRoot;

    /// <summary>The parameter at <paramref name="index"/>.</summary>
    public new PgWireParameter this[int index]
    {
        get => _items[index];
        set => _items[index] = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The parameter called <paramref name="parameterName"/>.</summary>
    public new PgWireParameter this[string parameterName]
    {
        get => _items[IndexOrThrow(parameterName)];
        set => _items[IndexOrThrow(parameterName)] = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Adds a parameter and returns it.</summary>
    public PgWireParameter Add(PgWireParameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        _items.Add(parameter);
        return parameter;
    }

    /// <summary>Adds a named parameter with a value.</summary>
    public PgWireParameter AddWithValue(string parameterName, object? value) => Add(new PgWireParameter(parameterName, value));

    /// <summary>Adds a positional parameter ($1, $2, ... in order of adding).</summary>
    public PgWireParameter AddWithValue(object? value) => Add(new PgWireParameter(null, value));

    /// <inheritdoc />
    public override int Add(object value)
    {
        _items.Add(Cast(value));
        return _items.Count - 1;
    }

    /// <inheritdoc />
    public override void AddRange(Array values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values) Add(value!);
    }

    /// <inheritdoc />
    public override void Clear() => _items.Clear();

    /// <inheritdoc />
    public override bool Contains(object value) => value is PgWireParameter p && _items.Contains(p);

    /// <inheritdoc />
    public override bool Contains(string value) => IndexOf(value) >= 0;

    /// <inheritdoc />
    public override void CopyTo(Array array, int index) => ((ICollection)_items).CopyTo(array, index);

    /// <inheritdoc />
    public override IEnumerator GetEnumerator() => _items.GetEnumerator();

    /// <inheritdoc />
    public override int IndexOf(object value) => value is PgWireParameter p ? _items.IndexOf(p) : -1;

    /// <inheritdoc />
    public override int IndexOf(string parameterName)
    {
        var name = Trim(parameterName);
        for (var i = 0; i < _items.Count; i++)
            if (string.Equals(Trim(_items[i].ParameterName), name, StringComparison.Ordinal)) return i;
        for (var i = 0; i < _items.Count; i++)
            if (string.Equals(Trim(_items[i].ParameterName), name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    /// <inheritdoc />
    public override void Insert(int index, object value) => _items.Insert(index, Cast(value));

    /// <inheritdoc />
    public override void Remove(object value) => _items.Remove(Cast(value));

    /// <inheritdoc />
    public override void RemoveAt(int index) => _items.RemoveAt(index);

    /// <inheritdoc />
    public override void RemoveAt(string parameterName) => _items.RemoveAt(IndexOrThrow(parameterName));

    /// <inheritdoc />
    protected override DbParameter GetParameter(int index) => _items[index];

    /// <inheritdoc />
    protected override DbParameter GetParameter(string parameterName) => _items[IndexOrThrow(parameterName)];

    /// <inheritdoc />
    protected override void SetParameter(int index, DbParameter value) => _items[index] = Cast(value);

    /// <inheritdoc />
    protected override void SetParameter(string parameterName, DbParameter value) => _items[IndexOrThrow(parameterName)] = Cast(value);

    internal List<PgWireParameter> Items => _items;

    private int IndexOrThrow(string parameterName)
    {
        var index = IndexOf(parameterName);
        return index >= 0 ? index : throw new IndexOutOfRangeException($"The command has no parameter named '{parameterName}'.");
    }

    private static string Trim(string? name) =>
        string.IsNullOrEmpty(name) ? "" : name[0] is '@' or ':' ? name[1..] : name;

    private static PgWireParameter Cast(object? value) => value switch
    {
        PgWireParameter parameter => parameter,
        null => throw new ArgumentNullException(nameof(value), "A PgWireParameterCollection cannot hold null."),
        _ => throw new InvalidCastException($"A PgWireParameterCollection holds PgWireParameter objects, not {value.GetType()}."),
    };
}
