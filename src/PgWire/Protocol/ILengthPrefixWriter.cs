using System.Buffers;

namespace PgWire.Protocol;

/// <summary>
/// A buffer writer that can leave room for an Int32 and fill it in later: how a nested value (an array element, a
/// composite field) gets its length prefix without being encoded twice.
/// </summary>
internal interface ILengthPrefixWriter : IBufferWriter<byte>
{
    /// <summary>Bytes written so far.</summary>
    int WrittenCount { get; }

    /// <summary>Reserves an Int32; returns where it is.</summary>
    int ReserveInt32();

    /// <summary>Writes a big-endian Int32 at a reserved position.</summary>
    void PatchInt32(int at, int value);
}
