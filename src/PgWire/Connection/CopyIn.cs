using PgWire.Protocol;
using PgWire.Types;

namespace PgWire.Connection;

/// <summary>
/// The client side of COPY ... FROM STDIN on one connector: data is appended to the connector's output inside an open
/// CopyData message and sent whenever the output passes <see cref="FlushBytes"/> (each send waits for the socket, so
/// a fast producer is held back by the server and memory stays bounded). Ends with CopyDone (the server commits and
/// reports the row count) or CopyFail (the server rolls the COPY back).
/// </summary>
internal sealed class CopyIn(PgConnector connector)
{
    /// <summary>Output size at which data is sent.</summary>
    public const int FlushBytes = 64 * 1024;

    private int _messageAt = -1;

    public PgConnector Connector => connector;

    /// <summary>Where data goes: the connector's output, with a CopyData message open.</summary>
    public MessageBuffer Output
    {
        get
        {
            if (_messageAt < 0) _messageAt = FrontendMessages.StartCopyData(connector.Output);
            return connector.Output;
        }
    }

    /// <summary>The binary format's header (<see cref="CopyBinaryFormat"/>).</summary>
    public void WriteBinaryHeader() => Output.WriteBytes(CopyBinaryFormat.Header);

    /// <summary>Starts a binary row: Int16 field count.</summary>
    public void StartBinaryRow(short fieldCount) => Output.WriteInt16(fieldCount);

    /// <summary>A binary field written from <paramref name="value"/> by <paramref name="writer"/>; nothing of it stays when the write throws.</summary>
    public void WriteBinaryField<T>(IPgWriter<T> writer, T value)
    {
        // Int32 length, then the value's bytes.
        var output = Output;
        var at = output.ReserveInt32();
        try
        {
            writer.Write(value, output);
        }
        catch
        {
            output.Truncate(at);
            throw;
        }
        output.PatchInt32(at, output.WrittenCount - at - 4);
    }

    /// <summary>A binary field written from a boxed value by <paramref name="codec"/>; nothing of it stays when the codec refuses or throws.</summary>
    /// <exception cref="InvalidCastException">The codec does not take the value's CLR type.</exception>
    public void WriteBinaryField(PgCodec codec, object value)
    {
        var output = Output;
        var at = output.ReserveInt32();
        try
        {
            if (!codec.TryWriteObject(value, output))
                throw new InvalidCastException($"it is written from {codec.DefaultClrType}, not {value.GetType()}");
        }
        catch
        {
            output.Truncate(at);
            throw;
        }
        output.PatchInt32(at, output.WrittenCount - at - 4);
    }

    /// <summary>A NULL field: length -1.</summary>
    public void WriteNullField() => Output.WriteInt32(-1);

    /// <summary>The binary format's trailer, after the last row.</summary>
    public void WriteBinaryTrailer() => Output.WriteInt16(CopyBinaryFormat.Trailer);

    /// <summary>Bytes of COPY data sent so far (counted at each send, framing included).</summary>
    public long Sent { get; private set; }

    /// <summary>Whether enough data is waiting to be sent.</summary>
    public bool ShouldFlush => connector.Output.WrittenCount >= FlushBytes;

    /// <summary>Sends the data written so far. The token is checked before and after; a send is never interrupted halfway.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EndMessage();
        Sent += connector.Output.WrittenCount;
        await connector.Writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Sends CopyDone and waits for the server's verdict; returns the rows copied.</summary>
    public async ValueTask<long> CompleteAsync(CancellationToken cancellationToken)
    {
        EndMessage();
        Sent += connector.Output.WrittenCount;
        FrontendMessages.WriteCopyDone(connector.Output);
        return await FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends CopyFail: the server abandons the COPY (nothing of it is kept) and answers with an error, which is
    /// expected and swallowed. Data not yet sent is dropped. Leaves the connector idle.
    /// </summary>
    public async ValueTask CancelAsync(string reason)
    {
        if (_messageAt >= 0)
        {
            connector.Output.Truncate(_messageAt - 1); // from the message's type byte
            _messageAt = -1;
        }
        FrontendMessages.WriteCopyFail(connector.Output, reason);
        try
        {
            await FinishAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (PgWireServerException)
        {
            // 57014 "COPY from stdin failed: <reason>", or an error the data had caused before: either way nothing was kept.
        }
    }

    private void EndMessage()
    {
        if (_messageAt < 0) return;
        connector.Output.EndMessage(_messageAt);
        _messageAt = -1;
    }

    private async ValueTask<long> FinishAsync(CancellationToken cancellationToken)
    {
        var handler = connector.QueryHandler;
        handler.Reset(null, collectRows: false);
        // The last step of the COPY's request, which ends with it.
        await QueryRunner.ExchangeAsync(connector, handler, cancellationToken, continuing: true).ConfigureAwait(false);
        if (handler.Error is not null) throw QueryRunner.Fail(connector, handler.Error, cancellationToken);
        return handler.RowsAffected;
    }
}
