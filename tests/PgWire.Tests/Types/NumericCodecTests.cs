using System.Buffers;
using PgWire.Types;
using Xunit;

namespace PgWire.Tests.Types;

public class NumericCodecTests
{
    public static TheoryData<decimal> Values() => new()
    {
        0m, 1m, -1m, 0.0001m, 1.50m, 123456789.123456789m, -0.5m, 10000m, 100000000m, 1e-28m,
        decimal.MaxValue, decimal.MinValue, 79228162514264337593543950.335m, -0.0000000000000000000000000001m,
        9999999999999999m, -1234567890123.456m, 0.00000001m, 100.000m, 1e15m, 12345678.12345678m,
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Decimal_round_trips_with_its_scale(decimal value)
    {
        var writer = new ArrayBufferWriter<byte>();
        NumericCodec.Instance.Write(value, writer);
        var read = NumericCodec.Instance.Read(writer.WrittenSpan);
        Assert.Equal(value, read);
        Assert.Equal(value.Scale, read.Scale);
    }

    [Theory]
    [InlineData(0xC000, "NaN")]
    [InlineData(0xD000, "Infinity")]
    [InlineData(0xF000, "-Infinity")]
    public void Special_values_are_refused_not_mangled(int sign, string name)
    {
        byte[] bytes = [0, 0, 0, 0, (byte)(sign >> 8), 0, 0, 0];
        var e = Assert.Throws<InvalidCastException>(() => NumericCodec.Instance.Read(bytes));
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void A_value_beyond_decimal_is_refused()
    {
        // 10000^8 = 1e32: one digit of 1 with weight 8
        byte[] bytes = [0, 1, 0, 8, 0, 0, 0, 0, 0, 1];
        Assert.Throws<OverflowException>(() => NumericCodec.Instance.Read(bytes));
    }

    [Fact]
    public void A_digit_outside_base_10000_is_refused()
    {
        byte[] bytes = [0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10]; // 10000
        Assert.Throws<InvalidCastException>(() => NumericCodec.Instance.Read(bytes));
    }
}
