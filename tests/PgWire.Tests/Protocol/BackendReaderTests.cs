using System.IO.Pipelines;
using PgWire.Connection;
using Xunit;

namespace PgWire.Tests.Protocol;

/// <summary>The pull reader over a real pipe: frames come out whole and in order however the bytes arrive.</summary>
public class BackendReaderTests
{
    private static readonly byte[][] s_frames =
    [
        FrameReaderTests.Frame('T', 0, 1, (byte)'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1),
        .. Enumerable.Range(0, 40).Select(i => FrameReaderTests.Frame('D', 0, 1, 0, 0, 0, 4, 0, 0, 0, (byte)i)),
        FrameReaderTests.Frame('D', [0, 1, 0, 0, 0x10, 0, .. new byte[0x1000]]), // larger than a small segment
        FrameReaderTests.Frame('C', "SELECT 41\0"u8.ToArray()),
        FrameReaderTests.Frame('Z', (byte)'I'),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(5000)]
    public async Task Frames_come_out_whole_however_the_bytes_are_split(int writeSize)
    {
        var stream = s_frames.SelectMany(f => f).ToArray();
        // Tiny segments force frames across segment boundaries.
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 16, pauseWriterThreshold: 0, useSynchronizationContext: false));
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < stream.Length; i += writeSize)
            {
                await pipe.Writer.WriteAsync(stream.AsMemory(i, Math.Min(writeSize, stream.Length - i)));
            }
            await pipe.Writer.CompleteAsync();
        });

        var reader = new BackendReader(pipe.Reader, 1 << 20);
        var received = new List<(byte, byte[])>();
        while (received.Count < s_frames.Length)
        {
            while (reader.TryRead(out var code, out var body)) received.Add((code, body.ToArray()));
            if (received.Count < s_frames.Length) Assert.True(await reader.FillAsync(CancellationToken.None), "the stream ended early");
        }
        await writer;
        Assert.False(await reader.FillAsync(CancellationToken.None));
        for (var i = 0; i < s_frames.Length; i++)
        {
            Assert.Equal(s_frames[i][0], received[i].Item1);
            Assert.Equal(s_frames[i][5..], received[i].Item2);
        }
    }
}
