namespace PgWire;

/// <summary>
/// A parameter value for the native API (<see cref="PgWireDataSource.QueryAsync(string, object?[])"/> and friends)
/// with its PostgreSQL type named, for when inference from the CLR type would pick another one:
/// <c>new PgTypedValue(offset, "timetz")</c>, <c>new PgTypedValue("{\"a\":1}", "jsonb")</c>.
/// </summary>
/// <param name="Value">The value; null sends NULL.</param>
/// <param name="DataTypeName">
/// The PostgreSQL type: <c>int8</c>, <c>timetz</c>, <c>jsonb</c>, <c>int4[]</c>, a user-defined type by name (<c>mood</c>,
/// <c>address</c>, <c>public.address[]</c>), or <c>unknown</c> to let the statement decide (the value is then written as
/// the type the server infers for the parameter, a string in text form when PgWire has no binary form for it).
/// </param>
public readonly record struct PgTypedValue(object? Value, string DataTypeName);
