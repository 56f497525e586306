using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using PgWire.Buffers;
using PgWire.Connection;
using PgWire.Protocol;
using PgWire.Types;

namespace PgWire.Benchmarks;

/// <summary>
/// Where a buffered read's client CPU goes, without a server: 50,000 synthetic DataRow bodies of the 9-column shape
/// (int4, int8, text, float8, numeric, bool, timestamp, uuid, jsonb) are stored as the receive path stores them, then
/// every value is read through <see cref="PgRow"/>, and, for the lower bound, decoded in place by the codecs straight
/// from the bodies (what an eager reader does). Prints ns per row and per value. Run with <c>-- --rows-profile</c>.
/// </summary>
public static class RowsProfile
{
    private const int Rows = 50_000;

    public static void Run()
    {
        var codecs = new PgCodec[] { Int4Codec.Instance, Int8Codec.Instance, TextCodec.Instance, Float8Codec.Instance, NumericCodec.Instance,
            BoolCodec.Instance, TimestampCodec.Instance, UuidCodec.Instance, JsonCodec.Jsonb };
        uint[] oids = [23, 20, 25, 701, 1700, 16, 1114, 2950, 3802];
        var bodies = new byte[Rows][];
        for (var g = 0; g < Rows; g++) bodies[g] = Body(g);
        var fields = oids.Select((oid, i) => new FieldDescription("c" + i, 0, 0, oid, 0, -1, FormatCode.Binary)).ToArray();
        var description = new RowDescriptionInfo([], fields, new PgTypeRegistry());

        for (var round = 0; round < 3; round++)
        {
            var store = Time(() =>
            {
                var buffer = RowBufferPool.Rent();
                foreach (var body in bodies) DataRow.Store(body, 9, buffer.AppendRow(DataRow.StoredLength(body.Length, 9)));
                RowBufferPool.Return(buffer);
            });
            var validate = Time(() =>
            {
                Span<int> offsets = stackalloc int[9];
                foreach (var body in bodies) DataRow.ValidateAndIndex(body, offsets);
            });
            var rows = RowBufferPool.Rent();
            foreach (var body in bodies) DataRow.Store(body, 9, rows.AppendRow(DataRow.StoredLength(body.Length, 9)));
            using var set = new PgRowSet(description, rows, Rows);
            long check = 0;
            var read = Time(() =>
            {
                foreach (var row in set) check += NineColumns.ReadAll(row);
            });
            var perColumn = new double[9];
            for (var c = 0; c < 9; c++)
            {
                var column = c;
                perColumn[c] = Time(() =>
                {
                    foreach (var row in set)
                    {
                        switch (column)
                        {
                            case 0: check += row.Get<int>(0); break;
                            case 1: check += row.Get<long>(1); break;
                            case 2: check += row.Get<string>(2).Length; break;
                            case 3: check += (long)row.Get<double>(3); break;
                            case 4: check += (long)row.Get<decimal>(4); break;
                            case 5: check += row.Get<bool>(5) ? 1 : 0; break;
                            case 6: check += row.Get<DateTime>(6).Ticks; break;
                            case 7: check += row.Get<Guid>(7).GetHashCode(); break;
                            default: check += row.Get<string>(8).Length; break;
                        }
                    }
                });
            }
            var inPlace = Time(() =>
            {
                Span<int> offsets = stackalloc int[9];
                foreach (var body in bodies)
                {
                    DataRow.ValidateAndIndex(body, offsets);
                    ReadOnlySpan<byte> v;
                    DataRow.TryGetColumnAt(body, offsets[0], out v); check += Int4Codec.Instance.Read(v);
                    DataRow.TryGetColumnAt(body, offsets[1], out v); check += Int8Codec.Instance.Read(v);
                    DataRow.TryGetColumnAt(body, offsets[2], out v); check += TextCodec.Instance.Read(v).Length;
                    DataRow.TryGetColumnAt(body, offsets[3], out v); check += (long)Float8Codec.Instance.Read(v);
                    DataRow.TryGetColumnAt(body, offsets[4], out v); check += (long)NumericCodec.Instance.Read(v);
                    DataRow.TryGetColumnAt(body, offsets[5], out v); check += BoolCodec.Instance.Read(v) ? 1 : 0;
                    DataRow.TryGetColumnAt(body, offsets[6], out v); check += TimestampCodec.Instance.Read(v).Ticks;
                    DataRow.TryGetColumnAt(body, offsets[7], out v); check += UuidCodec.Instance.Read(v).GetHashCode();
                    DataRow.TryGetColumnAt(body, offsets[8], out v); check += JsonCodec.Jsonb.Read(v).Length;
                }
            });
            // numeric alone, without the benchmark's (long) conversion: the codec's own cost per value.
            var numericOnly = Time(() =>
            {
                Span<int> offsets = stackalloc int[9];
                foreach (var body in bodies)
                {
                    DataRow.ValidateAndIndex(body, offsets);
                    DataRow.TryGetColumnAt(body, offsets[4], out var v);
                    check += NumericCodec.Instance.Read(v).Scale;
                }
            }) - validate;
            Console.WriteLine($"   numeric decode alone (codec, no conversion): {numericOnly * 1e6 / Rows:F0} ns/value");
            Console.WriteLine($"round {round + 1}: store {store * 1e6 / Rows:F0} ns/row (of which validate+index {validate * 1e6 / Rows:F0}), " +
                $"read through PgRow {read * 1e6 / Rows:F0} ns/row, decoded in place (validate + codecs, the eager reader's floor) {inPlace * 1e6 / Rows:F0} ns/row  [{check % 7}]");
            Console.WriteLine("   per column through PgRow, ns/value: " + string.Join(", ", perColumn.Select((t, i) => $"{new[] { "int4", "int8", "text", "float8", "numeric", "bool", "timestamp", "uuid", "jsonb" }[i]} {t * 1e6 / Rows:F0}")));
        }
    }

    private static double Time(Action action)
    {
        action();
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    /// <summary>Int16 column count, then per column: Int32 length, bytes (row g of bench_rows' shape).</summary>
    private static byte[] Body(int g)
    {
        var writer = new ArrayBufferWriter<byte>(256);
        Span<byte> two = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(two, 9);
        writer.Write(two);
        void Column(Action<IBufferWriter<byte>> write)
        {
            var value = new ArrayBufferWriter<byte>(64);
            write(value);
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, value.WrittenCount);
            writer.Write(length);
            writer.Write(value.WrittenSpan);
        }
        Column(w => Int4Codec.Instance.Write(g, w));
        Column(w => Int8Codec.Instance.Write(g * 1000003L, w));
        Column(w => TextCodec.Instance.Write("text value " + g, w));
        Column(w => Float8Codec.Instance.Write(g / 3.0, w));
        Column(w => NumericCodec.Instance.Write(Math.Round(g * 1.25m, 2), w));
        Column(w => BoolCodec.Instance.Write(g % 2 == 0, w));
        Column(w => TimestampCodec.Instance.Write(new DateTime(2024, 1, 1).AddMinutes(g), w));
        Column(w => UuidCodec.Instance.Write(new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(g.ToString()))), w));
        Column(w => JsonCodec.Jsonb.Write($"{{\"id\": {g}, \"name\": \"n{g}\"}}", w));
        return writer.WrittenSpan.ToArray();
    }
}
