// A NativeAOT smoke test: connects, reads and writes every common type, runs a transaction, COPY in both directions,
// JSON through System.Text.Json source generation, a mapped enum and a mapped composite. Exits 1 on the first wrong
// value. Run by scripts/aot-smoke.sh after `dotnet publish -p:PublishAot=true`.
using System.Diagnostics;
using System.Net;
using System.Text.Json.Serialization;
using PgWire;
using PgWire.Testing;

var clock = Stopwatch.StartNew();
await using var server = await PgTestServer.FromEnvironmentOrStartAsync();
var serverReady = clock.Elapsed;

await using (var setup = PgWireDataSource.Create(server.ConnectionString))
{
    await setup.ExecuteAsync("""
        DROP TABLE IF EXISTS aot_items; DROP TYPE IF EXISTS aot_mood; DROP TYPE IF EXISTS aot_point;
        CREATE TYPE aot_mood AS ENUM ('happy', 'very_sad');
        CREATE TYPE aot_point AS (x int, label text);
        CREATE TABLE aot_items (id int PRIMARY KEY, name text, price numeric, tags text[]);
        """);
}

var builder = new PgWireDataSourceBuilder(server.ConnectionString);
builder.MapEnum<Mood>("aot_mood").MapComposite<Point>("aot_point").MapComposite<NullablePoint>("aot_point");
await using var dataSource = builder.Build();

// Every common type, sent as parameters and read back.
TimeSpan firstQuery;
var now = new DateTime(2026, 11, 30, 12, 34, 56, DateTimeKind.Utc);
var id = Guid.Parse("5b0c8f4e-7c3a-4d2e-9f10-8a6b1c2d3e4f");
using (var rows = await dataSource.QueryAsync(
    "SELECT $1::int2, $2::int4, $3::int8, $4::float4, $5::float8, $6::numeric, $7::bool, $8::text, $9::uuid, $10::timestamptz, "
    + "$11::timestamp, $12::date, $13::time, $14::interval, $15::bytea, $16::int4[], $17::text[], $18::inet, $19::int4range, $20::aot_mood, $21::aot_point",
    (short)2, 4, 8L, 1.5f, 2.25, 12.345m, true, "héllo", id, now, new DateTime(2026, 1, 2, 3, 4, 5), new DateOnly(2026, 11, 30),
    new TimeOnly(13, 14, 15), TimeSpan.FromHours(25), new byte[] { 1, 2, 3 }, new[] { 1, 2, 3 }, new[] { "a", null, "c" },
    IPAddress.Parse("10.1.2.3"), new PgRange<int>(1, 10), Mood.VerySad, new Point(3, "three")))
{
    firstQuery = clock.Elapsed;
    var r = rows[0];
    Check(r.Get<short>(0) == 2 && r.Get<int>(1) == 4 && r.Get<long>(2) == 8, "integers");
    Check(r.Get<float>(3) == 1.5f && r.Get<double>(4) == 2.25 && r.Get<decimal>(5) == 12.345m, "floating point and numeric");
    Check(r.Get<bool>(6) && r.Get<string>(7) == "héllo" && r.Get<Guid>(8) == id, "bool, text, uuid");
    Check(r.Get<DateTime>(9) == now && r.Get<DateTime>(10) == new DateTime(2026, 1, 2, 3, 4, 5), "timestamps");
    Check(r.Get<DateOnly>(11) == new DateOnly(2026, 11, 30) && r.Get<TimeOnly>(12) == new TimeOnly(13, 14, 15), "date and time");
    Check(r.Get<TimeSpan>(13) == TimeSpan.FromHours(25), "interval");
    Check(r.Get<byte[]>(14).SequenceEqual(new byte[] { 1, 2, 3 }), "bytea");
    Check(r.Get<int[]>(15).SequenceEqual([1, 2, 3]) && r.Get<string?[]>(16).SequenceEqual(["a", null, "c"]), "arrays");
    Check(r.Get<object>(15) is int[] { Length: 3 }, "an array read as object");
    Check(r.Get<IPAddress>(17).Equals(IPAddress.Parse("10.1.2.3")), "inet");
    Check(r.Get<PgRange<int>>(18).Equals(new PgRange<int>(1, 10)), "int4range");
    Check(r.Get<Mood>(19) == Mood.VerySad && r.Get<object>(19) is Mood.VerySad, "a mapped enum");
    Check(r.Get<Point>(20) == new Point(3, "three"), "a mapped composite");
}

// A nullable array, a multi-dimensional array, ranges and arrays of a mapped enum read as object.
using (var rows = await dataSource.QueryAsync("SELECT ARRAY[1, NULL, 3], ARRAY[[1, 2], [3, 4]], '[2026-01-01,2026-02-01)'::daterange, ARRAY['happy', 'very_sad']::aot_mood[]"))
{
    Check(rows[0].Get<object>(0) is int?[] { Length: 3 } nullable && nullable[1] is null, "an int4[] with NULL read as object");
    Check(rows[0].Get<int[,]>(1)[1, 0] == 3, "a two-dimensional array");
    Check(rows[0].Get<object>(2) is PgRange<DateOnly>, "a daterange read as object");
    Check(rows[0].Get<Mood[]>(3).SequenceEqual([Mood.Happy, Mood.VerySad]), "an array of a mapped enum");
}

// Nullable reads (made without generic code at run time under NativeAOT), widening, a composite with a nullable member.
using (var rows = await dataSource.QueryAsync("SELECT 5::int4, NULL::int4, 7::int4, ROW(1, NULL)::aot_point"))
{
    Check(rows[0].Get<int?>(0) == 5 && rows[0].Get<int?>(1) is null, "int? values and NULL");
    Check(rows[0].Get<long?>(2) == 7L && rows[0].Get<long>(2) == 7L, "an int4 read as long and long?");
    Check(rows[0].Get<NullablePoint>(3) == new NullablePoint(1, null), "a composite with a NULL field into a nullable member");
}

// JSON through source generation.
using (var rows = await dataSource.QueryAsync("SELECT $1::jsonb", PgJson.Serialize(new Order(7, "book"), AotJson.Default.Order)))
    Check(rows[0].GetJson(0, AotJson.Default.Order) == new Order(7, "book"), "jsonb through a JsonSerializerContext");

// ADO.NET, a transaction committed and one rolled back.
await using (var connection = await dataSource.OpenConnectionAsync())
{
    await using (var tx = await connection.BeginTransactionAsync())
    {
        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO aot_items VALUES (@id, @name, @price, @tags)";
        insert.Parameters.AddWithValue("id", 1);
        insert.Parameters.AddWithValue("name", "first");
        insert.Parameters.AddWithValue("price", 9.99m);
        insert.Parameters.AddWithValue("tags", new[] { "x", "y" });
        Check(await insert.ExecuteNonQueryAsync() == 1, "an INSERT through ADO.NET");
        await tx.CommitAsync();
    }
    await using (var tx = await connection.BeginTransactionAsync())
    {
        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO aot_items VALUES (2, 'rolled back', 0, NULL)";
        await insert.ExecuteNonQueryAsync();
        await tx.RollbackAsync();
    }
    await using var count = connection.CreateCommand();
    count.CommandText = "SELECT count(*), max(name) FROM aot_items";
    await using var reader = await count.ExecuteReaderAsync();
    Check(await reader.ReadAsync() && reader.GetInt64(0) == 1 && reader.GetString(1) == "first", "a committed and a rolled-back transaction");
    Check(reader.GetFieldType(0) == typeof(long), "GetFieldType");
}

// COPY: a binary import, a bulk insert of tuples and of object?[] rows, a binary export, a text export.
await using (var connection = await dataSource.OpenConnectionAsync())
{
    await using (var importer = await connection.BeginBinaryImportAsync("COPY aot_items (id, name, price, tags) FROM STDIN (FORMAT BINARY)"))
    {
        for (var i = 10; i < 20; i++) await importer.WriteRowAsync(default, i, $"item {i}", i * 1.5m, new[] { "copied" });
        Check(await importer.CompleteAsync() == 10, "a binary import");
    }
    Check(await connection.BulkInsertAsync("aot_items", ["id", "name", "price"], new[] { (100, "tuple", 1m), (101, "tuple", 2m) }) == 2, "a bulk insert of tuples");
    Check(await connection.BulkInsertAsync("aot_items", ["id", "name"], new[] { new object?[] { 200, "array" } }) == 1, "a bulk insert of object?[] rows");
    Check(await connection.BulkInsertAsync("aot_items", ["id", "name", "price"], new[] { new Item(300, "record", 3m) }) == 1, "a bulk insert of records");
    var exported = 0;
    await using (var exporter = await connection.BeginBinaryExportAsync("COPY (SELECT id, name FROM aot_items ORDER BY id) TO STDOUT (FORMAT BINARY)"))
        while (await exporter.StartRowAsync() != -1)
        {
            exporter.Read<int>();
            exporter.Read<string>();
            exported++;
        }
    Check(exported == 15, "a binary export");
    using var text = await connection.BeginTextExportAsync("COPY (SELECT id FROM aot_items WHERE id = 1) TO STDOUT");
    Check((await text.ReadToEndAsync()).Trim() == "1", "a text export");
}

var done = clock.Elapsed;
Console.WriteLine($"AOT smoke: every check passed (server ready {serverReady.TotalMilliseconds:0} ms, first query answered {(firstQuery - serverReady).TotalMilliseconds:0} ms later, all checks {(done - serverReady).TotalMilliseconds:0} ms)");
return 0;

static void Check(bool ok, string what)
{
    if (ok) return;
    Console.Error.WriteLine($"AOT smoke: FAILED: {what}");
    Environment.Exit(1);
}

internal enum Mood { Happy, VerySad }

internal sealed record Point(int X, string Label);

internal sealed record NullablePoint(int? X, string? Label);

internal sealed record Order(int Number, string Title);

internal sealed record Item(int Id, string Name, decimal Price);

[JsonSerializable(typeof(Order))]
internal sealed partial class AotJson : JsonSerializerContext;
