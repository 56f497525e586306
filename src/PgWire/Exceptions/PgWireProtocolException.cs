namespace PgWire;

/// <summary>
/// The server sent bytes that break the PostgreSQL protocol: a bad length, a count that runs past its message, an
/// unexpected message. The connection that received them is broken and is never reused.
/// </summary>
public sealed class PgWireProtocolException : PgWireException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong and where.</param>
    public PgWireProtocolException(string message) : base(message) { }

    /// <summary>Creates the exception with a cause.</summary>
    /// <param name="message">What was wrong and where.</param>
    /// <param name="innerException">The cause.</param>
    public PgWireProtocolException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with a default message.</summary>
    public PgWireProtocolException() : base("The server violated the PostgreSQL protocol.") { }

    /// <inheritdoc />
    public override bool IsTransient => false;
}
