using PgWire.Buffers;
using Xunit;

namespace PgWire.Tests.Data;

public class RowBufferTests
{
    [Fact]
    public void Rows_larger_than_a_chunk_and_many_small_rows_read_back_intact()
    {
        var buffer = RowBufferPool.Rent();
        var random = new Random(7);
        var rows = new List<byte[]>();
        for (var i = 0; i < 3000; i++)
        {
            var row = new byte[i == 1500 ? RowBuffer.ChunkSize * 3 : random.Next(0, 200)];
            random.NextBytes(row);
            row.CopyTo(buffer.AppendRow(row.Length));
            rows.Add(row);
        }
        var version = buffer.Version;
        for (var i = 0; i < rows.Count; i++)
        {
            buffer.Locate(i, version, out var chunk, out var offset, out var length);
            Assert.Equal(rows[i], chunk.AsSpan(offset, length).ToArray());
        }
        RowBufferPool.Return(buffer);
        Assert.Throws<ObjectDisposedException>(() => buffer.Locate(0, version, out _, out _, out _));
    }
}
