namespace PgWire.Connection;

/// <summary>
/// An object of a layer above (the ADO.NET layer's command execution, with its row reader) that a session keeps
/// between requests, so that the next command on the session reuses it instead of allocating its own; the session only
/// holds it.
/// </summary>
internal interface ISessionSpare;
