namespace PgWire.Connection;

/// <summary>
/// A streaming cursor (the Results layer's row reader) that its session keeps between requests, so that the next
/// command on the session reuses it instead of allocating one; the session only holds it.
/// </summary>
internal interface ISessionCursor;
