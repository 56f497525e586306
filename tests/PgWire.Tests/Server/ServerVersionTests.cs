using PgWire.Testing;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>
/// What changes with the server's major version (CI runs these on 13, 14, 15, 16, 17 and 18): each feature a version
/// brought is used where it exists, and below that version the test asserts what the server does instead.
/// </summary>
[Collection(ServerCollection.Name)]
public class ServerVersionTests(ServerFixture fixture)
{
    [Fact]
    public async Task The_version_is_reported_as_text_and_as_numbers()
    {
        await using var dataSource = fixture.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        var number = (int)(await new PgWireCommand("SELECT current_setting('server_version_num')::int", connection).ExecuteScalarAsync())!;
        Assert.Equal(fixture.ServerMajor, connection.PostgreSqlVersion.Major);
        Assert.Equal(number / 10000, connection.PostgreSqlVersion.Major);
        Assert.Equal(number % 10000, connection.PostgreSqlVersion.Minor);
        Assert.StartsWith($"{connection.PostgreSqlVersion.Major}.{connection.PostgreSqlVersion.Minor}", connection.ServerVersion);
        if (fixture.Server.MajorVersion is { } started) Assert.Equal(started, fixture.ServerMajor);
        if (PgServerBinaries.RequestedMajor() is { } requested) Assert.Equal(requested, fixture.ServerMajor);
    }

    [Fact]
    public async Task Merge_counts_its_rows_from_15_and_returns_rows_from_17()
    {
        await using var dataSource = fixture.CreateDataSource();
        var table = "merge_" + Guid.NewGuid().ToString("N")[..8];
        await dataSource.ExecuteAsync($"CREATE TABLE {table} (id int PRIMARY KEY, n int); INSERT INTO {table} VALUES (1, 10), (2, 20)");
        await using var connection = await dataSource.OpenConnectionAsync();
        var merge = $"MERGE INTO {table} t USING (VALUES (2, 5), (3, 7)) AS s(id, n) ON t.id = s.id " +
                    "WHEN MATCHED THEN UPDATE SET n = t.n + s.n WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.n)";
        if (fixture.ServerMajor < 15)
        {
            var refused = await Assert.ThrowsAsync<PgWireServerException>(() => new PgWireCommand(merge, connection).ExecuteNonQueryAsync());
            Assert.Equal("42601", refused.SqlState); // MERGE arrived in PostgreSQL 15
            return;
        }
        Assert.Equal(2, await new PgWireCommand(merge, connection).ExecuteNonQueryAsync());
        using var after = await dataSource.QueryAsync($"SELECT id, n FROM {table} ORDER BY id");
        Assert.Equal([(1, 10), (2, 25), (3, 7)], after.Select(r => (r.Get<int>(0), r.Get<int>(1))));

        var returning = merge.Replace("VALUES (2, 5), (3, 7)", "VALUES (3, 1), (4, 4)", StringComparison.Ordinal) + " RETURNING merge_action(), t.id, t.n";
        if (fixture.ServerMajor < 17)
        {
            var refused = await Assert.ThrowsAsync<PgWireServerException>(() => new PgWireCommand(returning, connection).ExecuteNonQueryAsync());
            Assert.Equal("42601", refused.SqlState); // MERGE ... RETURNING arrived in PostgreSQL 17
            return;
        }
        await using var command = new PgWireCommand(returning, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, int, int)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2)));
        await reader.CloseAsync();
        Assert.Equal(2, reader.RecordsAffected);
        Assert.Contains(("UPDATE", 3, 8), rows);
        Assert.Contains(("INSERT", 4, 4), rows);
    }

    [Fact]
    public async Task Returning_old_and_new_values_from_18()
    {
        await using var dataSource = fixture.CreateDataSource();
        var table = "returning_" + Guid.NewGuid().ToString("N")[..8];
        await dataSource.ExecuteAsync($"CREATE TABLE {table} (id int PRIMARY KEY, n int); INSERT INTO {table} VALUES (1, 10)");
        var update = $"UPDATE {table} SET n = n + 1 RETURNING old.n, new.n";
        if (fixture.ServerMajor < 18)
        {
            var refused = await Assert.ThrowsAsync<PgWireServerException>(async () => (await dataSource.QueryAsync(update)).Dispose());
            Assert.Equal("42P01", refused.SqlState); // "missing FROM-clause entry for table old": RETURNING old/new arrived in 18
            return;
        }
        using var rows = await dataSource.QueryAsync(update);
        Assert.Equal((10, 11), (rows[0].Get<int>(0), rows[0].Get<int>(1)));
    }

    [Fact]
    public async Task Io_statistics_view_from_16()
    {
        await using var dataSource = fixture.CreateDataSource();
        const string sql = "SELECT backend_type, object, context, reads FROM pg_stat_io WHERE backend_type = 'client backend' AND object = 'relation' AND context = 'normal'";
        if (fixture.ServerMajor < 16)
        {
            var refused = await Assert.ThrowsAsync<PgWireServerException>(async () => (await dataSource.QueryAsync(sql)).Dispose());
            Assert.Equal("42P01", refused.SqlState); // pg_stat_io arrived in PostgreSQL 16
            return;
        }
        using var rows = await dataSource.QueryAsync(sql);
        Assert.Single(rows);
        Assert.True(rows[0].Get<long?>(3) >= 0);
    }

    [Fact]
    public async Task The_primary_is_recognised_with_and_without_in_hot_standby()
    {
        // in_hot_standby is reported from PostgreSQL 14; before that PgWire asks (pg_is_in_recovery) after login.
        await using var writer = PgWireDataSource.Create(fixture.ConnectionString + ";Target Session Attributes=read-write");
        await using (var connection = await writer.OpenConnectionAsync())
            Assert.Equal(false, await new PgWireCommand("SELECT pg_is_in_recovery()", connection).ExecuteScalarAsync());
        await using var standby = PgWireDataSource.Create(fixture.ConnectionString + ";Target Session Attributes=standby");
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await (await standby.OpenConnectionAsync()).DisposeAsync());
        Assert.Contains("standby", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
