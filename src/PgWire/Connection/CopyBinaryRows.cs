using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// The rows of a binary COPY ... TO STDOUT on one connector: finds each row in the server's CopyData payloads (in
/// place; a row split across payloads is assembled in a pooled buffer of its own), checks the header, the field counts
/// and lengths, the trailer and the row count, and hands out each field's bytes. Malformed data breaks the connector.
/// Decoding the fields is the caller's.
/// </summary>
internal sealed class CopyBinaryRows(CopyOut copy, int columns)
{
    private readonly int[] _fieldAt = new int[columns];
    private ReadOnlyMemory<byte> _data;
    private int _at;
    private byte[]? _assembly;
    private bool _headerRead;

    /// <summary>The number of fields each row has.</summary>
    public int ColumnCount => _fieldAt.Length;

    /// <summary>The session the rows arrive on.</summary>
    public PgConnector Connector => copy.Connector;

    /// <summary>Rows handed out so far.</summary>
    public long Row { get; private set; }

    /// <summary>True once the trailer, the end of the COPY and its row count were read and checked.</summary>
    public bool Ended { get; private set; }

    /// <summary>Whether the COPY has ended and the connector is idle again.</summary>
    public bool Finished => copy.Finished;

    /// <summary>Moves to the next row; false after the last (the COPY has then ended, its row count checked).</summary>
    /// <exception cref="PgWireServerException">The server failed the COPY.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> NextAsync(CancellationToken cancellationToken)
    {
        if (Ended) return false;
        while (true)
        {
            var span = _data.Span[_at..];
            if (!_headerRead)
            {
                var header = CopyBinaryFormat.ReadHeader(span);
                if (header > 0)
                {
                    _at += header;
                    _headerRead = true;
                    continue;
                }
            }
            else
            {
                int length;
                try
                {
                    length = CopyBinaryFormat.MeasureRow(span, _fieldAt, _at, Row + 1);
                }
                catch (PgWireProtocolException e)
                {
                    throw Hostile(e.Message);
                }
                if (length == -1)
                {
                    _at += 2;
                    await EndAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }
                if (length > 0)
                {
                    Row++;
                    _at += length;
                    return true;
                }
            }
            await MoreAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Field <paramref name="column"/> of the current row: its bytes, or false for NULL.</summary>
    /// <remarks>The bytes are valid until the next <see cref="NextAsync"/>.</remarks>
    public bool TryGetField(int column, out ReadOnlySpan<byte> value)
    {
        var span = _data.Span;
        var length = BinaryPrimitives.ReadInt32BigEndian(span[_fieldAt[column]..]);
        value = length < 0 ? default : span.Slice(_fieldAt[column] + 4, length);
        return length >= 0;
    }

    /// <summary>Cancels the COPY on the server if rows remain unread; the connector stays usable.</summary>
    public async ValueTask AbandonAsync()
    {
        ReturnAssembly();
        await copy.AbandonAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Gets more data: the next payload as is, or, when part of a row is left, that part and the payload together in
    /// the assembly buffer.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask MoreAsync(CancellationToken cancellationToken)
    {
        var left = _data.Length - _at;
        // The partial row moves to the front of the assembly buffer (it may already be in it: CopyTo allows overlap).
        if (left > 0) _data.Span[_at..].CopyTo(Assembly(left, keep: 0));
        var payload = await copy.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (payload.IsEmpty)
            throw Hostile(_headerRead ? $"the COPY data ended inside row {Row + 1}" : "the COPY data ended inside the binary header");
        _at = 0;
        if (left == 0)
        {
            _data = payload;
            return;
        }
        var assembly = Assembly(left + payload.Length, keep: left);
        payload.Span.CopyTo(assembly.AsSpan(left));
        _data = assembly.AsMemory(0, left + payload.Length);
    }

    /// <summary>The assembly buffer with room for <paramref name="size"/> bytes, its first <paramref name="keep"/> bytes kept when it grows.</summary>
    private byte[] Assembly(int size, int keep)
    {
        if (_assembly is { } current && current.Length >= size) return current;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(size, 4096));
        if (_assembly is not null)
        {
            _assembly.AsSpan(0, keep).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_assembly);
        }
        else if (keep > 0)
        {
            throw new System.Diagnostics.UnreachableException("BUG: bytes to keep without an assembly buffer.");
        }
        _assembly = bigger;
        return bigger;
    }

    private async ValueTask EndAsync(CancellationToken cancellationToken)
    {
        Ended = true;
        if (_data.Length > _at) throw Hostile("the COPY data goes on after its trailer");
        var extra = await copy.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!extra.IsEmpty) throw Hostile("the COPY data goes on after its trailer");
        if (copy.Rows != Row) throw Hostile($"its CommandComplete reports {copy.Rows} rows but {Row} rows arrived");
        ReturnAssembly();
    }

    private PgWireProtocolException Hostile(string what)
    {
        var error = new PgWireProtocolException($"Malformed binary COPY data from the server: {what}; the connection is closed.");
        copy.Connector.Break(error);
        Ended = true;
        return error;
    }

    private void ReturnAssembly()
    {
        if (_assembly is null) return;
        ArrayPool<byte>.Shared.Return(_assembly);
        _assembly = null;
        _data = default;
        _at = 0;
    }
}
