using System.Buffers;
using System.Buffers.Binary;

namespace PgWire.Types;

/// <summary>Shared arithmetic of PostgreSQL's date/time wire forms, which count from 2000-01-01.</summary>
internal static class PgEpoch
{
    public static readonly DateTime Timestamp = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
    public static readonly int DayNumber = new DateOnly(2000, 1, 1).DayNumber;
    private static readonly long s_minMicros = (DateTime.MinValue.Ticks - Timestamp.Ticks) / TimeSpan.TicksPerMicrosecond;
    private static readonly long s_maxMicros = (DateTime.MaxValue.Ticks - Timestamp.Ticks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>
    /// Whether ±infinity timestamps and dates read as MinValue/MaxValue (and those values write as ±infinity), as
    /// Npgsql does. Off by default: MinValue and DateOnly.MaxValue are real dates and times (0001-01-01 00:00,
    /// 9999-12-31), so the mapping would read two different server values as one and write a real date as infinity.
    /// Without it, ±infinity reads throw (PgDate/PgTimestamp hold them). The AppContext switch
    /// <c>PgWire.EnableDateTimeInfinityConversions</c> turns it on.
    /// </summary>
    /// <remarks>Read once, when the type is first used (as .NET's own switches are); tests may override it.</remarks>
    public static bool InfinityConversions { get; internal set; } =
        AppContext.TryGetSwitch("PgWire.EnableDateTimeInfinityConversions", out var enabled) && enabled;

    /// <summary>The exception for ±infinity read as a CLR date or time type, with both ways out.</summary>
    public static InvalidCastException Infinite(string type, string value, string clrType, string lossless) =>
        new($"the {type} value is '{value}', which {clrType} cannot represent; read it as {lossless} (or set the AppContext switch PgWire.EnableDateTimeInfinityConversions to read it as {clrType}.{(value == "infinity" ? "MaxValue" : "MinValue")}, as Npgsql does)");

    /// <summary>
    /// Ticks of a timestamp given as microseconds since the epoch. ±infinity maps to DateTime.MaxValue/MinValue unless
    /// infinity conversions are disabled; years outside 1-9999 throw.
    /// </summary>
    public static long TicksFromMicros(long micros, string type)
    {
        // One unsigned comparison for the common case: inside DateTime's range (which excludes both infinities).
        if ((ulong)(micros - s_minMicros) <= (ulong)(s_maxMicros - s_minMicros)) return Timestamp.Ticks + micros * TimeSpan.TicksPerMicrosecond;
        return TicksOutsideRange(micros, type);
    }

    private static long TicksOutsideRange(long micros, string type)
    {
        if (micros == long.MaxValue)
            return InfinityConversions ? DateTime.MaxValue.Ticks : throw Infinite(type, "infinity", "DateTime", "PgTimestamp");
        if (micros == long.MinValue)
            return InfinityConversions ? DateTime.MinValue.Ticks : throw Infinite(type, "-infinity", "DateTime", "PgTimestamp");
        if (micros < s_minMicros || micros > s_maxMicros)
            throw new InvalidCastException($"the {type} value is outside the range of DateTime (years 1 to 9999)");
        return Timestamp.Ticks + micros * TimeSpan.TicksPerMicrosecond;
    }

    /// <summary>A timestamp or timestamptz value as <see cref="PgTimestamp"/>: every value the server can send, ±infinity included.</summary>
    public static PgTimestamp ReadTimestamp(ReadOnlySpan<byte> value, string type)
    {
        if (value.Length != 8) throw new InvalidCastException($"a {type} value is 8 bytes on the wire but the server sent {value.Length}");
        return new PgTimestamp(BinaryPrimitives.ReadInt64BigEndian(value));
    }

    public static void WriteTimestamp(PgTimestamp value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), value.MicrosecondsSince2000);
        writer.Advance(8);
    }

    /// <summary>
    /// Microseconds since the epoch; sub-microsecond ticks are truncated, as PostgreSQL keeps microseconds.
    /// DateTime.MaxValue/MinValue write as ±infinity while infinity conversions are on.
    /// </summary>
    public static long MicrosFromTicks(long ticks)
    {
        if (InfinityConversions)
        {
            if (ticks == DateTime.MaxValue.Ticks) return long.MaxValue;
            if (ticks == DateTime.MinValue.Ticks) return long.MinValue;
        }
        var delta = ticks - Timestamp.Ticks;
        // Round towards earlier time on both sides of the epoch, as truncating the ticks would.
        return delta >= 0 ? delta / TimeSpan.TicksPerMicrosecond : (delta - (TimeSpan.TicksPerMicrosecond - 1)) / TimeSpan.TicksPerMicrosecond;
    }
}

/// <summary>date: Int32 days since 2000-01-01 (int.MaxValue = infinity, int.MinValue = -infinity).</summary>
internal sealed class DateCodec : PgCodec<DateOnly, PgDate>, IPgReader<DateTime>, IPgReader<PgDate>
{
    public static readonly DateCodec Instance = new();

    private static readonly int s_minDays = DateOnly.MinValue.DayNumber - PgEpoch.DayNumber;
    private static readonly int s_maxDays = DateOnly.MaxValue.DayNumber - PgEpoch.DayNumber;

    public override DateOnly Read(ReadOnlySpan<byte> value)
    {
        if (value.Length != 4) throw WrongLength("date", 4, value.Length);
        var days = BinaryPrimitives.ReadInt32BigEndian(value);
        if (days == int.MaxValue)
            return PgEpoch.InfinityConversions ? DateOnly.MaxValue : throw PgEpoch.Infinite("date", "infinity", "DateOnly", "PgDate");
        if (days == int.MinValue)
            return PgEpoch.InfinityConversions ? DateOnly.MinValue : throw PgEpoch.Infinite("date", "-infinity", "DateOnly", "PgDate");
        if (days < s_minDays || days > s_maxDays)
            throw new InvalidCastException("the date value is outside the range of DateOnly (years 1 to 9999)");
        return DateOnly.FromDayNumber(PgEpoch.DayNumber + days);
    }

    DateTime IPgReader<DateTime>.Read(ReadOnlySpan<byte> value)
    {
        var date = Read(value);
        // ±infinity (read as DateOnly.MaxValue/MinValue) maps to DateTime.MaxValue/MinValue, not to their midnight.
        if (date == DateOnly.MaxValue && value.Length == 4 && BinaryPrimitives.ReadInt32BigEndian(value) == int.MaxValue) return DateTime.MaxValue;
        return date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
    }

    PgDate IPgReader<PgDate>.Read(ReadOnlySpan<byte> value)
    {
        if (value.Length != 4) throw WrongLength("date", 4, value.Length);
        return new PgDate(BinaryPrimitives.ReadInt32BigEndian(value));
    }

    // Through IPgWriter<PgDate> only, so that the DateOnly -> PgDate conversion never steers a DateOnly write here (infinity mapping).
    protected override void WriteAlso(PgDate value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), value.DaysSince2000);
        writer.Advance(4);
    }

    public override void Write(DateOnly value, IBufferWriter<byte> writer)
    {
        var days = !PgEpoch.InfinityConversions ? value.DayNumber - PgEpoch.DayNumber
            : value == DateOnly.MaxValue ? int.MaxValue : value == DateOnly.MinValue ? int.MinValue : value.DayNumber - PgEpoch.DayNumber;
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), days);
        writer.Advance(4);
    }
}

/// <summary>timestamp (without time zone): Int64 microseconds since 2000-01-01 00:00:00, read as DateTime of Kind Unspecified.</summary>
internal sealed class TimestampCodec : PgCodec<DateTime, PgTimestamp>, IPgReader<PgTimestamp>
{
    public static readonly TimestampCodec Instance = new();

    public override DateTime Read(ReadOnlySpan<byte> value)
    {
        if (value.Length != 8) throw WrongLength("timestamp", 8, value.Length);
        return new DateTime(PgEpoch.TicksFromMicros(BinaryPrimitives.ReadInt64BigEndian(value), "timestamp"), DateTimeKind.Unspecified);
    }

    /// <summary>Writes a DateTime of Kind Unspecified or Local; a UTC DateTime belongs in timestamptz and is refused.</summary>
    public override void Write(DateTime value, IBufferWriter<byte> writer)
    {
        if (value.Kind == DateTimeKind.Utc)
            throw new ArgumentException(
                "A DateTime of Kind Utc cannot be written as 'timestamp without time zone': use timestamptz, or a DateTime of Kind Unspecified.");
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), PgEpoch.MicrosFromTicks(value.Ticks));
        writer.Advance(8);
    }

    PgTimestamp IPgReader<PgTimestamp>.Read(ReadOnlySpan<byte> value) => PgEpoch.ReadTimestamp(value, "timestamp");

    // Through IPgWriter<PgTimestamp> only, so that the DateTime -> PgTimestamp conversion never steers a DateTime write here (Kind checks).
    protected override void WriteAlso(PgTimestamp value, IBufferWriter<byte> writer) => PgEpoch.WriteTimestamp(value, writer);
}

/// <summary>
/// timestamptz: Int64 microseconds since 2000-01-01 00:00:00 UTC. Read as DateTime of Kind Utc or DateTimeOffset with
/// offset zero; the session's TimeZone does not affect the binary form.
/// </summary>
internal sealed class TimestampTzCodec : PgCodec<DateTime, PgTimestamp>, IPgReader<DateTimeOffset>, IPgWriter<DateTimeOffset>, IPgReader<PgTimestamp>
{
    public static readonly TimestampTzCodec Instance = new();

    public override DateTime Read(ReadOnlySpan<byte> value)
    {
        if (value.Length != 8) throw WrongLength("timestamptz", 8, value.Length);
        return new DateTime(PgEpoch.TicksFromMicros(BinaryPrimitives.ReadInt64BigEndian(value), "timestamptz"), DateTimeKind.Utc);
    }

    DateTimeOffset IPgReader<DateTimeOffset>.Read(ReadOnlySpan<byte> value) => new(Read(value), TimeSpan.Zero);

    /// <summary>Writes a UTC DateTime; any other Kind is refused, as in Npgsql 6 and later.</summary>
    public override void Write(DateTime value, IBufferWriter<byte> writer)
    {
        if (value.Kind != DateTimeKind.Utc)
            throw new ArgumentException(
                $"A DateTime of Kind {value.Kind} cannot be written as 'timestamp with time zone': only Kind Utc is accepted. Convert with ToUniversalTime(), or use timestamp.");
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), PgEpoch.MicrosFromTicks(value.Ticks));
        writer.Advance(8);
    }

    public void Write(DateTimeOffset value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), PgEpoch.MicrosFromTicks(value.UtcTicks));
        writer.Advance(8);
    }

    PgTimestamp IPgReader<PgTimestamp>.Read(ReadOnlySpan<byte> value) => PgEpoch.ReadTimestamp(value, "timestamptz");

    // Through IPgWriter<PgTimestamp> only, so that the DateTime -> PgTimestamp conversion never steers a DateTime write here (Kind checks).
    protected override void WriteAlso(PgTimestamp value, IBufferWriter<byte> writer) => PgEpoch.WriteTimestamp(value, writer);

    /// <summary>A DateTimeOffset too, on top of DateTime and PgTimestamp.</summary>
    public override bool CanWrite(object value) => value is DateTimeOffset || base.CanWrite(value);

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (value is not DateTimeOffset offset) return base.TryWriteObject(value, writer);
        Write(offset, writer);
        return true;
    }
}
