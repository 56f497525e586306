using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;

namespace PgWire.Testing;

/// <summary>
/// A wire with a fixed one-way latency for <see cref="PgFaultProxy"/>: each chunk is sent on exactly
/// <see cref="Latency"/> after it was received, chunks in flight overlap (it delays, it does not throttle), and order is
/// kept (the latency is the same for every chunk, so the queue is in due order). One thread sends for every connection.
/// It must not burn a core (the benchmarks run on two): on Linux it sleeps with libc's usleep, which keeps tens of
/// microseconds, until 50 us before the next chunk is due and spins only for that; elsewhere Thread.Sleep(1) (about 1 ms;
/// timers tick at about 4 ms here) while more than 1.5 ms remain, then spins.
/// </summary>
internal sealed class DelayLine : IDisposable
{
    private readonly Queue<Item> _queue = new();
    private readonly Thread _thread;
    private bool _stopped;

    private readonly record struct Item(long Due, Socket To, byte[] Buffer, int Length, Action<int> Sent);

    public DelayLine(TimeSpan latency)
    {
        Latency = latency;
        _thread = new Thread(Run) { IsBackground = true, Name = "PgFaultProxy delay line", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>The one-way delay added to every chunk.</summary>
    public TimeSpan Latency { get; }

    /// <summary>Queues a copy of <paramref name="data"/> to be sent to <paramref name="to"/> when its latency has passed.</summary>
    public void Enqueue(Socket to, ReadOnlySpan<byte> data, Action<int> sent)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        lock (_queue)
        {
            _queue.Enqueue(new Item(Stopwatch.GetTimestamp() + (long)(Latency.TotalSeconds * Stopwatch.Frequency), to, buffer, data.Length, sent));
            if (_queue.Count == 1) Monitor.Pulse(_queue);
        }
    }

    private void Run()
    {
        var fine = OperatingSystem.IsLinux();
        var sleepAbove = (long)((fine ? 0.00005 : 0.0015) * Stopwatch.Frequency);
        while (true)
        {
            Item item;
            lock (_queue)
            {
                while (_queue.Count == 0 && !_stopped) Monitor.Wait(_queue);
                if (_stopped) return;
                item = _queue.Peek();
            }
            var remaining = item.Due - Stopwatch.GetTimestamp();
            if (remaining > sleepAbove)
            {
                if (fine) _ = usleep((uint)Math.Max(1, (remaining - sleepAbove) * 1_000_000 / Stopwatch.Frequency));
                else Thread.Sleep(1);
                continue;
            }
            while (Stopwatch.GetTimestamp() < item.Due) Thread.SpinWait(20);
            lock (_queue) _queue.Dequeue();
            try
            {
                var offset = 0;
                while (offset < item.Length) offset += item.To.Send(item.Buffer, offset, item.Length - offset, SocketFlags.None);
                item.Sent(item.Length);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The connection is gone; its pump sees that too.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "usleep")]
    private static extern int usleep(uint microseconds);

    public void Dispose()
    {
        lock (_queue)
        {
            _stopped = true;
            Monitor.Pulse(_queue);
        }
        _thread.Join();
        lock (_queue)
            while (_queue.TryDequeue(out var item)) ArrayPool<byte>.Shared.Return(item.Buffer);
    }
}
