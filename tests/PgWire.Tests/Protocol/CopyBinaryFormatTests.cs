using PgWire.Protocol;
using Xunit;

namespace PgWire.Tests.Protocol;

public class CopyBinaryFormatTests
{
    // Int16 field count 2; field 0: Int32 length 3, "abc"; field 1: Int32 -1 (NULL).
    private static readonly byte[] s_row = [0, 2, 0, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c', 0xFF, 0xFF, 0xFF, 0xFF];

    [Fact]
    public void A_whole_row_is_measured_and_its_fields_located()
    {
        var fieldAt = new int[2];
        Assert.Equal(s_row.Length, CopyBinaryFormat.MeasureRow(s_row, fieldAt, offset: 100, row: 1));
        Assert.Equal([102, 109], fieldAt);
    }

    [Fact]
    public void A_row_cut_at_any_byte_is_not_there_yet()
    {
        for (var length = 0; length < s_row.Length; length++)
            Assert.Equal(0, CopyBinaryFormat.MeasureRow(s_row.AsSpan(0, length), new int[2], 0, 1));
    }

    [Fact]
    public void The_trailer_and_hostile_counts_and_lengths()
    {
        Assert.Equal(-1, CopyBinaryFormat.MeasureRow([0xFF, 0xFF], new int[2], 0, 1));
        var count = Assert.Throws<PgWireProtocolException>(() => CopyBinaryFormat.MeasureRow(s_row, new int[3], 0, 7));
        Assert.Contains("row 7", count.Message);
        Assert.Contains("2 fields", count.Message);
        byte[] negative = [0, 1, 0xFF, 0xFF, 0xFF, 0xFE];
        Assert.Contains("length -2", Assert.Throws<PgWireProtocolException>(() => CopyBinaryFormat.MeasureRow(negative, new int[1], 0, 1)).Message);
    }
}
