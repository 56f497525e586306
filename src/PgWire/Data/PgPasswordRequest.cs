namespace PgWire;

/// <summary>
/// What a password provider (<see cref="PgWireDataSourceBuilder.UsePasswordProvider"/>) is asked for: the password
/// of <see cref="Username"/> for <see cref="Database"/> on <see cref="Host"/>:<see cref="Port"/>, for a new physical
/// connection.
/// </summary>
/// <param name="Host">The host the connection is being opened to (one of the Host list).</param>
/// <param name="Port">Its port.</param>
/// <param name="Database">The database.</param>
/// <param name="Username">The user logging in.</param>
public readonly record struct PgPasswordRequest(string Host, int Port, string Database, string Username);
