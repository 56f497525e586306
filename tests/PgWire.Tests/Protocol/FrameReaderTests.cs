using System.Buffers;
using System.Buffers.Binary;
using PgWire.Protocol;
using Xunit;

namespace PgWire.Tests.Protocol;

public class FrameReaderTests
{
    internal static byte[] Frame(char code, params byte[] body)
    {
        var frame = new byte[5 + body.Length];
        frame[0] = (byte)code;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), body.Length + 4);
        body.CopyTo(frame, 5);
        return frame;
    }

    private static readonly byte[] s_stream =
    [
        .. Frame('S', "TimeZone\0UTC\0"u8.ToArray()),
        .. Frame('Z', (byte)'I'),
        .. Frame('D', 0, 1, 0, 0, 0, 2, 0x30, 0x31),
        .. Frame('n'),
    ];

    private static List<(byte Code, byte[] Body)> ReadAll(ReadOnlySequence<byte> sequence, out long consumed)
    {
        var reader = new SequenceReader<byte>(sequence);
        var frames = new List<(byte, byte[])>();
        while (FrameReader.TryRead(ref reader, 1 << 20, out var code, out var body)) frames.Add((code, body.ToArray()));
        consumed = reader.Consumed;
        return frames;
    }

    [Fact]
    public void Reads_every_frame_when_the_stream_is_split_at_any_byte()
    {
        var expected = ReadAll(new ReadOnlySequence<byte>(s_stream), out var all);
        Assert.Equal(4, expected.Count);
        Assert.Equal(s_stream.Length, all);
        Assert.Equal("TimeZone\0UTC\0"u8.ToArray(), expected[0].Body);

        for (var split = 0; split <= s_stream.Length; split++)
        {
            var sequence = TestSequence.Create(s_stream.AsMemory(0, split), s_stream.AsMemory(split));
            var frames = ReadAll(sequence, out var consumed);
            Assert.Equal(s_stream.Length, consumed);
            Assert.Equal(expected.Select(f => f.Code), frames.Select(f => f.Code));
            for (var i = 0; i < frames.Count; i++) Assert.Equal(expected[i].Body, frames[i].Body);
        }
    }

    [Fact]
    public void Every_byte_in_its_own_segment_still_reads_all_frames()
    {
        var segments = s_stream.Select(b => (ReadOnlyMemory<byte>)new[] { b }).ToArray();
        var frames = ReadAll(TestSequence.Create(segments), out var consumed);
        Assert.Equal(4, frames.Count);
        Assert.Equal(s_stream.Length, consumed);
    }

    [Fact]
    public void An_incomplete_frame_consumes_nothing()
    {
        for (var length = 0; length < s_stream.Length; length++)
        {
            var prefix = s_stream.AsMemory(0, length);
            var frames = ReadAll(new ReadOnlySequence<byte>(prefix), out var consumed);
            // Only whole frames are consumed, and a partial one leaves the reader where that frame starts.
            var wholeLength = 0;
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(s_stream));
            for (var i = 0; i < frames.Count; i++)
            {
                FrameReader.TryRead(ref reader, 1 << 20, out _, out _);
                wholeLength = (int)reader.Consumed;
            }
            Assert.Equal(wholeLength, consumed);
            Assert.True(frames.Count < 4);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_length_below_four_is_a_protocol_error(int length)
    {
        var bytes = new byte[] { (byte)'D', 0, 0, 0, 0, 1, 2, 3 };
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), length);
        var e = Assert.Throws<PgWireProtocolException>(() => ReadAll(new ReadOnlySequence<byte>(bytes), out _));
        Assert.Contains(length.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Contains("DataRow", e.Message);
    }

    [Fact]
    public void A_length_above_the_maximum_is_refused_as_soon_as_the_header_arrives()
    {
        // Only the header is there: the reader must not wait for (or buffer) a gigabyte first.
        var header = new byte[] { (byte)'D', 0x7F, 0xFF, 0xFF, 0xFF };
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(header));
        try
        {
            FrameReader.TryRead(ref reader, 1024, out _, out _);
            Assert.Fail("expected a protocol exception");
        }
        catch (PgWireProtocolException e)
        {
            Assert.Contains("maximum of 1024", e.Message);
        }
    }

    [Fact]
    public void Random_bytes_produce_only_protocol_exceptions()
    {
        var random = new Random(12345);
        for (var round = 0; round < 2000; round++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length >= 5 && round % 2 == 0)
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), random.Next(4, bytes.Length)); // plausible length
            try
            {
                var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
                while (FrameReader.TryRead(ref reader, 4096, out var code, out var body))
                    BackendParsers.ParseAny(code, body.ToArray());
            }
            catch (PgWireProtocolException)
            {
            }
        }
    }
}

/// <summary>Feeds a body to the parser for its message code, as the connection would.</summary>
internal static class BackendParsers
{
    public static void ParseAny(byte code, byte[] body)
    {
        switch (code)
        {
            case BackendMessageCode.Authentication:
                var auth = Authentication.Parse(body);
                if (auth.Kind == AuthenticationKind.Sasl) auth.ReadSaslMechanisms();
                break;
            case BackendMessageCode.BackendKeyData:
                // Either way, a bad key is a protocol exception; 3.2 allows 4 to 256 bytes, 3.0 exactly 4.
                try
                {
                    BackendKeyData.Parse(body, 0);
                }
                finally
                {
                    BackendKeyData.Parse(body, 2);
                }
                break;
            case BackendMessageCode.NegotiateProtocolVersion: NegotiateProtocolVersion.Parse(body, 2); break;
            case BackendMessageCode.ParameterStatus: ParameterStatus.Parse(body); break;
            case BackendMessageCode.ReadyForQuery: ReadyForQuery.Parse(body); break;
            case BackendMessageCode.RowDescription: RowDescription.Parse(body); break;
            case BackendMessageCode.DataRow: DataRow.Validate(body, DataRow.ReadColumnCount(body)); break;
            case BackendMessageCode.CommandComplete: CommandComplete.ParseRows(body); break;
            case BackendMessageCode.ErrorResponse or BackendMessageCode.NoticeResponse: ErrorResponse.Parse(body); break;
            case BackendMessageCode.ParameterDescription: ParameterDescription.Parse(body); break;
        }
    }
}

/// <summary>Builds multi-segment sequences.</summary>
internal sealed class TestSequence : ReadOnlySequenceSegment<byte>
{
    private TestSequence(ReadOnlyMemory<byte> memory) => Memory = memory;

    public static ReadOnlySequence<byte> Create(params ReadOnlyMemory<byte>[] parts)
    {
        var first = new TestSequence(parts[0]);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            var next = new TestSequence(part) { RunningIndex = last.RunningIndex + last.Memory.Length };
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
