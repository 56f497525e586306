using System.Text;

namespace PgWire;

/// <summary>
/// Writes the text of a <c>COPY ... FROM STDIN</c> in text or CSV format (UTF-8). Disposing the writer ends the COPY
/// and commits it (a server error in the data is thrown from <c>Dispose</c>); <see cref="Cancel"/> abandons it.
/// </summary>
public sealed class PgWireCopyTextWriter : StreamWriter
{
    private readonly PgWireCopyStream _stream;

    internal PgWireCopyTextWriter(PgWireCopyStream stream)
        : base(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), bufferSize: 16 * 1024, leaveOpen: false) =>
        _stream = stream;

    /// <summary>Rows the server reported imported, once the writer is disposed; -1 before.</summary>
    public long Rows => _stream.Rows;

    /// <summary>Abandons the COPY: text written so far is discarded and the server keeps none of it.</summary>
    public void Cancel() => _stream.Cancel();

    /// <summary>Abandons the COPY: text written so far is discarded and the server keeps none of it.</summary>
    public Task CancelAsync() => _stream.CancelAsync();
}
