using Microsoft.Extensions.ObjectPool;

namespace PgWire.Buffers;

/// <summary>The process-wide pool of <see cref="RowBuffer"/> objects (their chunks are pooled separately).</summary>
internal static class RowBufferPool
{
    private static readonly ObjectPool<RowBuffer> s_pool =
        new DefaultObjectPool<RowBuffer>(new Policy(), Environment.ProcessorCount * 16);

    public static RowBuffer Rent() => s_pool.Get();

    /// <summary>Releases the buffer's chunks and makes the buffer available to later results.</summary>
    public static void Return(RowBuffer buffer)
    {
        buffer.Release();
        s_pool.Return(buffer);
    }

    private sealed class Policy : IPooledObjectPolicy<RowBuffer>
    {
        public RowBuffer Create() => new();

        public bool Return(RowBuffer obj) => obj.RowCount == 0;
    }
}
