using System.Buffers;
using System.Buffers.Binary;

namespace PgWire.Types;

/// <summary>
/// numeric &lt;-&gt; decimal. Wire form: Int16 digit count, Int16 weight (of the first digit, in powers of 10000),
/// Int16 sign (0x0000 +, 0x4000 -, 0xC000 NaN, 0xD000 +Infinity, 0xF000 -Infinity), Int16 display scale, then the
/// base-10000 digits as Int16 each. Values that decimal cannot hold exactly throw rather than round: outside its range
/// an <see cref="OverflowException"/>; NaN, the infinities and more than 28 fractional digits an
/// <see cref="InvalidCastException"/>. <see cref="PgNumeric"/> reads any value exactly.
/// </summary>
internal sealed class NumericCodec : PgCodec<decimal>, IPgReader<PgNumeric>, IPgReader<double>
{
    public static readonly NumericCodec Instance = new();

    private const ushort Positive = 0x0000;
    private const ushort Negative = 0x4000;
    private const ushort NaN = 0xC000;
    private const ushort PositiveInfinity = 0xD000;
    private const ushort NegativeInfinity = 0xF000;
    private const int MaxDecimalScale = 28;
    private static readonly UInt128 s_decimalMax = (UInt128.One << 96) - 1;

    public override decimal Read(ReadOnlySpan<byte> value)
    {
        var (digitCount, weight, sign, displayScale) = ReadHeader(value);
        switch (sign)
        {
            case Positive or Negative: break;
            case NaN: throw new InvalidCastException("the numeric value is NaN, which decimal cannot represent");
            case PositiveInfinity: throw new InvalidCastException("the numeric value is Infinity, which decimal cannot represent");
            case NegativeInfinity: throw new InvalidCastException("the numeric value is -Infinity, which decimal cannot represent");
            default: throw new InvalidCastException($"the numeric value has an unknown sign word 0x{sign:X4}");
        }
        if (displayScale < 0) throw new InvalidCastException($"the numeric value has a negative display scale {displayScale}");
        if (TryReadSmall(value, digitCount, weight, sign, displayScale, out var small)) return small;

        try
        {
            UInt128 mantissa = 0;
            for (var i = 0; i < digitCount; i++)
            {
                var digit = BinaryPrimitives.ReadInt16BigEndian(value[(8 + 2 * i)..]);
                if (digit is < 0 or > 9999) throw new InvalidCastException($"a numeric digit is {digit}; base-10000 digits are 0 to 9999");
                mantissa = checked(mantissa * 10000 + (UInt128)digit);
            }

            // value = mantissa * 10^exponent
            var exponent = digitCount == 0 ? 0 : 4 * (weight - (digitCount - 1));
            int scale;
            if (exponent >= 0)
            {
                mantissa = checked(mantissa * Pow10(exponent));
                scale = 0;
            }
            else
            {
                scale = -exponent;
            }

            if (scale < displayScale)
            {
                // Trailing zeros the server displays (1.50 has display scale 2): keep as many as decimal can hold.
                var extra = Math.Min((int)displayScale, MaxDecimalScale) - scale;
                while (extra > 0 && mantissa > s_decimalMax / Pow10(extra)) extra--;
                if (extra > 0)
                {
                    mantissa = checked(mantissa * Pow10(extra));
                    scale += extra;
                }
            }
            while (scale > displayScale && mantissa % 10 == 0 && scale > 0)
            {
                mantissa /= 10;
                scale--;
            }
            while (scale > MaxDecimalScale && mantissa % 10 == 0)
            {
                mantissa /= 10;
                scale--;
            }
            if (scale > MaxDecimalScale)
                throw new InvalidCastException($"the numeric value has {scale} fractional digits; decimal holds at most {MaxDecimalScale}");
            if (mantissa > s_decimalMax) throw OutOfRange();

            var lo = (int)(uint)mantissa;
            var mid = (int)(uint)(mantissa >> 32);
            var hi = (int)(uint)(mantissa >> 64);
            return new decimal(lo, mid, hi, sign == Negative && mantissa != 0, (byte)scale);
        }
        catch (OverflowException)
        {
            throw OutOfRange();
        }
    }

    private static OverflowException OutOfRange() => new("the numeric value is outside the range of decimal (about ±7.9e28)");

    /// <summary>Int16 digit count, Int16 weight, UInt16 sign, Int16 display scale; the digits must fill the rest exactly.</summary>
    private static (short DigitCount, short Weight, ushort Sign, short DisplayScale) ReadHeader(ReadOnlySpan<byte> value)
    {
        if (value.Length < 8) throw new InvalidCastException($"a numeric value is at least 8 bytes but the server sent {value.Length}");
        var digitCount = BinaryPrimitives.ReadInt16BigEndian(value);
        if (digitCount < 0 || value.Length != 8 + 2 * digitCount)
            throw new InvalidCastException($"a numeric value declares {digitCount} digits but is {value.Length} bytes long");
        return (digitCount, BinaryPrimitives.ReadInt16BigEndian(value[2..]), BinaryPrimitives.ReadUInt16BigEndian(value[4..]),
            BinaryPrimitives.ReadInt16BigEndian(value[6..]));
    }

    /// <summary>The exact value (NaN, Infinity and -Infinity included): lossless for any numeric, however many digits.</summary>
    PgNumeric IPgReader<PgNumeric>.Read(ReadOnlySpan<byte> value) => new(Text(value));

    /// <summary>The value as PostgreSQL prints it.</summary>
    private static string Text(ReadOnlySpan<byte> value)
    {
        var length = TextLength(value);
        var rented = length <= 256 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> utf8 = rented ?? stackalloc byte[256];
            return System.Text.Encoding.ASCII.GetString(utf8[..FormatUtf8(value, utf8)]);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The most bytes <see cref="FormatUtf8"/> writes for <paramref name="value"/> (checks the header).</summary>
    internal static int TextLength(ReadOnlySpan<byte> value)
    {
        var (_, weight, _, displayScale) = ReadHeader(value);
        // Sign, the integer part's groups of 4 digits (or "0"), the point and the display scale (rounded up to a group).
        return 12 + 4 * Math.Max(weight + 1, 1) + Math.Max((int)displayScale, 0) + 4;
    }

    /// <summary>
    /// Writes the value as PostgreSQL prints it (NaN, Infinity, -Infinity, or digits with the display scale) into
    /// <paramref name="destination"/>, which holds at least <see cref="TextLength"/> bytes; returns the bytes written.
    /// </summary>
    internal static int FormatUtf8(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        var (digitCount, weight, sign, displayScale) = ReadHeader(value);
        switch (sign)
        {
            case NaN: return Copy("NaN"u8, destination);
            case PositiveInfinity: return Copy("Infinity"u8, destination);
            case NegativeInfinity: return Copy("-Infinity"u8, destination);
            case not (Positive or Negative): throw new InvalidCastException($"the numeric value has an unknown sign word 0x{sign:X4}");
        }
        if (displayScale < 0) throw new InvalidCastException($"the numeric value has a negative display scale {displayScale}");
        // Header (8 bytes), then digitCount base-10000 digits, Int16 each.
        short Digit(ReadOnlySpan<byte> v, int i)
        {
            if (i < 0 || i >= digitCount) return 0;
            var digit = BinaryPrimitives.ReadInt16BigEndian(v[(8 + 2 * i)..]);
            return digit is >= 0 and <= 9999 ? digit : throw new InvalidCastException($"a numeric digit is {digit}; base-10000 digits are 0 to 9999");
        }
        var at = 0;
        if (sign == Negative) destination[at++] = (byte)'-';
        if (weight < 0) destination[at++] = (byte)'0';
        for (var i = 0; i <= weight; i++)
        {
            var digit = Digit(value, i);
            if (i == 0)
            {
                digit.TryFormat(destination[at..], out var written, default, System.Globalization.CultureInfo.InvariantCulture);
                at += written;
            }
            else
            {
                Group(digit, destination[at..]);
                at += 4;
            }
        }
        if (displayScale > 0)
        {
            destination[at++] = (byte)'.';
            var fractionStart = at;
            for (var i = weight + 1; at - fractionStart < displayScale; i++)
            {
                Group(Digit(value, i), destination[at..]);
                at += 4;
            }
            at = fractionStart + displayScale;
        }
        return at;

        static void Group(int digit, Span<byte> into)
        {
            into[0] = (byte)('0' + digit / 1000);
            into[1] = (byte)('0' + digit / 100 % 10);
            into[2] = (byte)('0' + digit / 10 % 10);
            into[3] = (byte)('0' + digit % 10);
        }

        static int Copy(ReadOnlySpan<byte> text, Span<byte> into)
        {
            text.CopyTo(into);
            return text.Length;
        }
    }

    /// <summary>The nearest double (NaN and the infinities included); precision beyond 15-17 digits is lost.</summary>
    double IPgReader<double>.Read(ReadOnlySpan<byte> value) =>
        double.Parse(Text(value), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The common case without 128-bit arithmetic: up to 4 base-10000 digits (16 decimal digits, fits a ulong), no
    /// digits beyond the display scale, and a scale decimal can hold. Anything else goes the general way.
    /// </summary>
    private static bool TryReadSmall(ReadOnlySpan<byte> value, int digitCount, int weight, ushort sign, int displayScale, out decimal result)
    {
        result = 0;
        if (digitCount > 4 || displayScale > MaxDecimalScale) return false;
        ulong mantissa = 0;
        for (var i = 0; i < digitCount; i++)
        {
            var digit = BinaryPrimitives.ReadInt16BigEndian(value[(8 + 2 * i)..]);
            if (digit is < 0 or > 9999) return false; // the general path reports it
            mantissa = mantissa * 10000 + (ulong)digit;
        }
        // value = mantissa * 10^exponent; shown with displayScale fractional digits.
        var exponent = digitCount == 0 ? 0 : 4 * (weight - (digitCount - 1));
        var shift = exponent + displayScale; // multiply the mantissa by 10^shift to reach scale displayScale
        if (shift < 0 || shift > 19) return false;
        if (shift > 0)
        {
            var factor = s_pow10[shift];
            if (mantissa > ulong.MaxValue / factor) return false;
            mantissa *= factor;
        }
        result = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, sign == Negative && mantissa != 0, (byte)displayScale);
        return true;
    }

    private static readonly ulong[] s_pow10 =
    [
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
        1000000000000, 10000000000000, 100000000000000, 1000000000000000, 10000000000000000, 100000000000000000,
        1000000000000000000, 10000000000000000000,
    ];

    public override void Write(decimal value, IBufferWriter<byte> writer)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = (bits[3] >> 16) & 0xFF;
        var negative = bits[3] < 0;
        var mantissa = ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];

        // Align the fraction to whole base-10000 digits: at most 10^3 * 2^96, far inside UInt128.
        var pad = (4 - scale % 4) % 4;
        mantissa *= Pow10(pad);
        var fractionDigits = (scale + pad) / 4;

        Span<short> digits = stackalloc short[12]; // least significant first
        var count = 0;
        while (mantissa != 0)
        {
            digits[count++] = (short)(ushort)(mantissa % 10000);
            mantissa /= 10000;
        }
        var trailingZeros = 0;
        while (trailingZeros < count && digits[trailingZeros] == 0) trailingZeros++;
        var weight = count - 1 - fractionDigits;
        var written = count - trailingZeros;

        // Int16 ndigits, Int16 weight, Int16 sign, Int16 dscale, digits most significant first.
        var span = writer.GetSpan(8 + 2 * written);
        BinaryPrimitives.WriteInt16BigEndian(span, (short)written);
        BinaryPrimitives.WriteInt16BigEndian(span[2..], (short)(written == 0 ? 0 : weight));
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], negative && written > 0 ? Negative : Positive);
        BinaryPrimitives.WriteInt16BigEndian(span[6..], (short)scale);
        for (var i = 0; i < written; i++)
            BinaryPrimitives.WriteInt16BigEndian(span[(8 + 2 * i)..], digits[count - 1 - i]);
        writer.Advance(8 + 2 * written);
    }

    private static UInt128 Pow10(int exponent)
    {
        UInt128 result = 1;
        for (var i = 0; i < exponent; i++) result = checked(result * 10);
        return result;
    }
}
