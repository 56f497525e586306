using System.Buffers;
using System.Buffers.Binary;

namespace PgWire.Types;

/// <summary>
/// time (without time zone): Int64 microseconds since midnight. Reads as TimeOnly (00:00 to 23:59:59.999999) or
/// TimeSpan, which also holds PostgreSQL's 24:00:00 (TimeOnly cannot, so reading that as TimeOnly throws).
/// </summary>
internal sealed class TimeCodec : PgCodec<TimeOnly, TimeSpan>, IPgReader<TimeSpan>
{
    public static readonly TimeCodec Instance = new();

    private const long MicrosecondsPerDay = 86_400_000_000L;

    public override TimeOnly Read(ReadOnlySpan<byte> value)
    {
        var micros = Micros(value);
        if (micros == MicrosecondsPerDay)
            throw new InvalidCastException("the time value is 24:00:00, which TimeOnly cannot hold; read it as TimeSpan");
        return new TimeOnly(micros * TimeSpan.TicksPerMicrosecond);
    }

    TimeSpan IPgReader<TimeSpan>.Read(ReadOnlySpan<byte> value) => new(Micros(value) * TimeSpan.TicksPerMicrosecond);

    public override void Write(TimeOnly value, IBufferWriter<byte> writer) => WriteTicks(value.Ticks, writer);

    protected override void WriteAlso(TimeSpan value, IBufferWriter<byte> writer)
    {
        if (value < TimeSpan.Zero || value > TimeSpan.FromDays(1))
            throw new ArgumentOutOfRangeException(nameof(value), value, "A time of day is between 00:00 and 24:00.");
        WriteTicks(value.Ticks, writer);
    }

    /// <summary>Int64 microseconds after midnight: 0 to 24:00:00 inclusive, as PostgreSQL allows.</summary>
    private static long Micros(ReadOnlySpan<byte> value)
    {
        if (value.Length != 8) throw WrongLength("time", 8, value.Length);
        var micros = BinaryPrimitives.ReadInt64BigEndian(value);
        if (micros < 0 || micros > MicrosecondsPerDay)
            throw new InvalidCastException($"the time value {micros} us after midnight is outside 00:00 to 24:00:00");
        return micros;
    }

    private static void WriteTicks(long ticks, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), ticks / TimeSpan.TicksPerMicrosecond);
        writer.Advance(8);
    }
}

/// <summary>
/// timetz: Int64 microseconds since midnight, then Int32 zone offset in seconds west of UTC. Reads as DateTimeOffset on
/// 0001-01-02 (the date carries no meaning), as Npgsql does.
/// </summary>
internal sealed class TimeTzCodec : PgCodec<DateTimeOffset>
{
    public static readonly TimeTzCodec Instance = new();

    private static readonly DateTime s_day = new(1, 1, 2, 0, 0, 0, DateTimeKind.Unspecified);

    public override DateTimeOffset Read(ReadOnlySpan<byte> value)
    {
        if (value.Length != 12) throw WrongLength("timetz", 12, value.Length);
        var micros = BinaryPrimitives.ReadInt64BigEndian(value);
        var westSeconds = BinaryPrimitives.ReadInt32BigEndian(value[8..]);
        if (micros < 0 || micros > 86_400_000_000L) throw new InvalidCastException($"the timetz value {micros} us is outside a day");
        if (westSeconds is < -15 * 3600 or > 15 * 3600) throw new InvalidCastException($"the timetz zone offset {westSeconds} s is outside ±15 hours");
        var offset = TimeSpan.FromSeconds(-westSeconds);
        if (offset.Ticks % TimeSpan.TicksPerMinute != 0)
            throw new InvalidCastException("the timetz zone offset has seconds, which DateTimeOffset cannot hold");
        return new DateTimeOffset(s_day.AddTicks(micros * TimeSpan.TicksPerMicrosecond), offset);
    }

    public override void Write(DateTimeOffset value, IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(12);
        BinaryPrimitives.WriteInt64BigEndian(span, value.TimeOfDay.Ticks / TimeSpan.TicksPerMicrosecond);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], (int)-value.Offset.TotalSeconds);
        writer.Advance(12);
    }
}

/// <summary>
/// interval: Int64 microseconds, Int32 days, Int32 months. Reads as <see cref="PgInterval"/> (lossless) or TimeSpan
/// (only when the interval has no months: a month has no fixed length).
/// </summary>
internal sealed class IntervalCodec : PgCodec<PgInterval, TimeSpan>, IPgReader<TimeSpan>
{
    public static readonly IntervalCodec Instance = new();

    public override PgInterval Read(ReadOnlySpan<byte> value)
    {
        if (value.Length != 16) throw WrongLength("interval", 16, value.Length);
        return new PgInterval(BinaryPrimitives.ReadInt32BigEndian(value[12..]), BinaryPrimitives.ReadInt32BigEndian(value[8..]),
            BinaryPrimitives.ReadInt64BigEndian(value));
    }

    TimeSpan IPgReader<TimeSpan>.Read(ReadOnlySpan<byte> value)
    {
        var interval = Read(value);
        if (interval.Months != 0)
            throw new InvalidCastException($"the interval has {interval.Months} months, which TimeSpan cannot represent (a month has no fixed length); read it as PgInterval");
        try
        {
            return checked(TimeSpan.FromDays(interval.Days) + new TimeSpan(checked(interval.Microseconds * TimeSpan.TicksPerMicrosecond)));
        }
        catch (OverflowException)
        {
            throw new InvalidCastException("the interval is outside the range of TimeSpan");
        }
    }

    public override void Write(PgInterval value, IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(16);
        BinaryPrimitives.WriteInt64BigEndian(span, value.Microseconds);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], value.Days);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], value.Months);
        writer.Advance(16);
    }

    /// <summary>A TimeSpan goes as days plus microseconds (sub-microsecond ticks are truncated), no months.</summary>
    protected override void WriteAlso(TimeSpan value, IBufferWriter<byte> writer) =>
        Write(new PgInterval(0, value.Days, (value.Ticks - value.Days * TimeSpan.TicksPerDay) / TimeSpan.TicksPerMicrosecond), writer);
}
