using System.Data.Common;

namespace PgWire.Benchmarks;

/// <summary>The 9-column read done through any ADO.NET reader, so every driver does exactly the same work.</summary>
public static class NineColumns
{
    public const string Sql = "SELECT i, b, t, f, n, flag, ts, u, j FROM bench_rows";

    /// <summary>Reads every value of every row.</summary>
    public static async Task<long> ReadAllAsync(DbCommand command, bool strings = true)
    {
        await using var reader = await command.ExecuteReaderAsync();
        long check = 0;
        while (await reader.ReadAsync())
        {
            check += reader.GetInt32(0);
            check += reader.GetInt64(1);
            check += (long)reader.GetDouble(3);
            check += (long)reader.GetDecimal(4);
            check += reader.GetBoolean(5) ? 1 : 0;
            check += reader.GetDateTime(6).Ticks;
            check += reader.GetGuid(7).GetHashCode();
            if (!strings) continue;
            check += reader.GetString(2).Length;
            check += reader.GetString(8).Length;
        }
        return check;
    }

    /// <summary>Reads every value of a PgWire row (the same values, in the same order, as <see cref="ReadAllAsync"/>).</summary>
    public static long ReadAll(PgRow row) =>
        row.Get<int>(0) + row.Get<long>(1) + row.Get<string>(2).Length + (long)row.Get<double>(3) + (long)row.Get<decimal>(4)
        + (row.Get<bool>(5) ? 1 : 0) + row.Get<DateTime>(6).Ticks + row.Get<Guid>(7).GetHashCode() + row.Get<string>(8).Length;

    /// <summary>Reads every value of the streaming reader's current row.</summary>
    public static long ReadAll(PgRowReader reader) =>
        reader.Get<int>(0) + reader.Get<long>(1) + reader.Get<string>(2).Length + (long)reader.Get<double>(3) + (long)reader.Get<decimal>(4)
        + (reader.Get<bool>(5) ? 1 : 0) + reader.Get<DateTime>(6).Ticks + reader.Get<Guid>(7).GetHashCode() + reader.Get<string>(8).Length;
}
