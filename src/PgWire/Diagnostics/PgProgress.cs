namespace PgWire;

/// <summary>
/// How far a long operation has gone: a COPY (<see cref="PgWireConnection.BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, IProgress{PgProgress}?, CancellationToken)"/>,
/// the binary and text importers and exporters) or a pipeline. Reported to an <see cref="IProgress{T}"/> at most
/// every 100 ms while it runs (never per row), and once more when it completes.
/// </summary>
/// <remarks>
/// Reports are made on the thread doing the work (a pipeline's are made while its answers are read), so keep the
/// handler quick; <see cref="Progress{T}"/> posts each report to the caller's synchronization context or the thread
/// pool instead.
/// </remarks>
/// <param name="Rows">Rows copied so far (a pipeline: statements answered); -1 where they are not known before the end
/// (a text or raw import, whose rows the server counts).</param>
/// <param name="Bytes">Bytes of data sent (an import) or received (an export, a pipeline) so far.</param>
/// <param name="Elapsed">Time since the operation started.</param>
/// <param name="IsCompleted">True for the last report, made when the operation completed.</param>
public readonly record struct PgProgress(long Rows, long Bytes, TimeSpan Elapsed, bool IsCompleted)
{
    /// <summary>Rows per second so far (0 before any time has passed or while rows are not known).</summary>
    public double RowsPerSecond => Rows > 0 && Elapsed > TimeSpan.Zero ? Rows / Elapsed.TotalSeconds : 0;

    /// <summary>Bytes per second so far.</summary>
    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? Bytes / Elapsed.TotalSeconds : 0;
}
