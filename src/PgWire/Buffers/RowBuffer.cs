using System.Buffers;

namespace PgWire.Buffers;

/// <summary>
/// Pooled storage for the bodies of many rows: rows are copied end to end into pooled chunks and indexed by
/// (chunk, offset, length). A buffer is rented for one result, released when the result is disposed, and then reused
/// by a later result. Every release bumps <see cref="Version"/>, so a view that remembers the version it was given
/// detects use after release even when the buffer is serving another result by then.
/// </summary>
internal sealed class RowBuffer
{
    /// <summary>Size of the first chunk of a buffer: small results stay small.</summary>
    internal const int FirstChunkSize = 4 * 1024;

    /// <summary>Size of every later chunk.</summary>
    internal const int ChunkSize = 64 * 1024;

    /// <summary>Row-index entries a released buffer keeps for its next use (12 bytes each: 1.5 MiB).</summary>
    internal const int MaxRetainedIndex = 128 * 1024;

    // Chunks up to 1 MiB are pooled (a row larger than a chunk gets a chunk of its own); at most 256 per size are kept.
    private static readonly ArrayPool<byte> s_chunks = ArrayPool<byte>.Create(1024 * 1024, 256);

    private readonly List<byte[]> _chunks = [];
    private RowRef[] _rows = [];
    private int _rowCount;
    private int _chunkUsed;
    private int _version;

    /// <summary>Rows stored since the buffer was rented.</summary>
    public int RowCount => _rowCount;

    /// <summary>Changes every time the buffer is released.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Bytes held in chunks, for diagnostics and tests.</summary>
    public long ChunkBytes
    {
        get
        {
            long total = 0;
            foreach (var chunk in _chunks) total += chunk.Length;
            return total;
        }
    }

    /// <summary>Reserves space for a row of <paramref name="length"/> bytes and returns it to be filled.</summary>
    /// <remarks>The span is valid until the buffer is released.</remarks>
    public Span<byte> AppendRow(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        byte[] chunk;
        if (_chunks.Count == 0 || _chunks[^1].Length - _chunkUsed < length)
        {
            var size = _chunks.Count == 0 ? FirstChunkSize : ChunkSize;
            chunk = s_chunks.Rent(Math.Max(size, length));
            _chunks.Add(chunk);
            _chunkUsed = 0;
        }
        else
        {
            chunk = _chunks[^1];
        }

        if (_rowCount == _rows.Length) GrowIndex();
        var offset = _chunkUsed;
        _rows[_rowCount++] = new RowRef(_chunks.Count - 1, offset, length);
        _chunkUsed += length;
        return chunk.AsSpan(offset, length);
    }

    /// <summary>
    /// Where row <paramref name="index"/> lives, checked against the version the caller was given, so a view can reach
    /// it later without this lookup.
    /// </summary>
    /// <remarks>The chunk is pooled memory, valid until the buffer is released.</remarks>
    public void Locate(int index, int version, out byte[] chunk, out int offset, out int length)
    {
        if (version != Volatile.Read(ref _version)) throw Released();
        if ((uint)index >= (uint)_rowCount) throw new ArgumentOutOfRangeException(nameof(index), index, $"The result has {_rowCount} rows.");
        var row = _rows[index];
        chunk = _chunks[row.Chunk];
        offset = row.Offset;
        length = row.Length;
    }

    /// <summary>Returns every chunk to the pool and invalidates all views.</summary>
    public void Release()
    {
        Interlocked.Increment(ref _version);
        foreach (var chunk in _chunks) s_chunks.Return(chunk);
        _chunks.Clear();
        // The index stays with the buffer (itself pooled) for the next result, unless it grew unusually large.
        if (_rows.Length > MaxRetainedIndex) _rows = [];
        _rowCount = 0;
        _chunkUsed = 0;
    }

    private void GrowIndex()
    {
        var bigger = new RowRef[Math.Max(64, _rows.Length * 2)];
        _rows.AsSpan(0, _rowCount).CopyTo(bigger);
        _rows = bigger;
    }

    private static ObjectDisposedException Released() =>
        new("PgRowSet", "The row set was disposed: its rows can no longer be read. Read values before disposing the set.");

    private readonly record struct RowRef(int Chunk, int Offset, int Length);
}
