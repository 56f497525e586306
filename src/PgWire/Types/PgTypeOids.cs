namespace PgWire.Types;

/// <summary>OIDs of the built-in types PgWire has codecs for (from pg_type.dat; stable across server versions).</summary>
internal static class PgTypeOids
{
    public const uint Unspecified = 0;
    public const uint Bool = 16;
    public const uint Bytea = 17;
    public const uint Char = 18;
    public const uint Name = 19;
    public const uint Int8 = 20;
    public const uint Int2 = 21;
    public const uint Int4 = 23;
    public const uint Text = 25;
    public const uint Oid = 26;
    public const uint Json = 114;
    public const uint Xml = 142;
    public const uint Float4 = 700;
    public const uint Float8 = 701;
    public const uint Unknown = 705;
    public const uint Bpchar = 1042;
    public const uint Varchar = 1043;
    public const uint Date = 1082;
    public const uint Time = 1083;
    public const uint Timestamp = 1114;
    public const uint TimestampTz = 1184;
    public const uint Interval = 1186;
    public const uint Numeric = 1700;
    public const uint Uuid = 2950;
    public const uint Xid = 28;
    public const uint Cid = 29;
    public const uint RegProc = 24;
    public const uint RegClass = 2205;
    public const uint RegType = 2206;
    public const uint RegNamespace = 4089;
    public const uint RegRole = 4096;
    public const uint Money = 790;
    public const uint TimeTz = 1266;
    public const uint Inet = 869;
    public const uint Cidr = 650;
    public const uint MacAddr = 829;
    public const uint MacAddr8 = 774;
    public const uint Bit = 1560;
    public const uint VarBit = 1562;
    public const uint Jsonb = 3802;

    // Geometric types: no binary codec (read in text form), named where their properties matter (no "=" operator).
    public const uint Point = 600;
    public const uint Lseg = 601;
    public const uint Path = 602;
    public const uint Box = 603;
    public const uint Polygon = 604;
    public const uint Line = 628;
    public const uint Circle = 718;
}
