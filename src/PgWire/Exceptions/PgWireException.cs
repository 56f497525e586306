using System.Data.Common;

namespace PgWire;

/// <summary>The base class of every exception PgWire throws for a database or driver failure.</summary>
/// <remarks>
/// The exception types live in the root namespace and sit beneath every layer of the library: any layer may throw
/// them. Messages never contain a password or another secret from the connection string.
/// </remarks>
public class PgWireException : DbException
{
    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public PgWireException(string message) : base(message) { }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public PgWireException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates an exception with a default message.</summary>
    public PgWireException() { }

    /// <summary>In a batch: the command that failed.</summary>
    protected override DbBatchCommand? DbBatchCommand => FailedBatchCommand;

    internal DbBatchCommand? FailedBatchCommand { get; set; }
}
