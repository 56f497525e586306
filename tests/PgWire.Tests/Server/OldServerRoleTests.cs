using System.Text;
using PgWire.Tests.Fakes;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>
/// Servers before PostgreSQL 14 do not report in_hot_standby: the role is asked with one query after login. Fake
/// servers of that kind answer it; a hostile answer marks the host down instead of being believed.
/// </summary>
public sealed class OldServerRoleTests
{
    private static byte[] Login(string version) =>
    [
        .. FakeSession.Frame('R', FakeSession.Int32(0)),
        .. FakeSession.Frame('S', Encoding.UTF8.GetBytes($"server_version\0{version}\0")),
        .. FakeSession.Frame('S', "integer_datetimes\0on\0"u8.ToArray()),
        .. FakeSession.Frame('K', [.. FakeSession.Int32(4242), .. FakeSession.Int32(7)]),
        .. FakeSession.Frame('Z', (byte)'I'),
    ];

    /// <summary>The answer to the role query: one row (recovery, read only) or the given rows.</summary>
    private static byte[] RoleAnswer(params (string? Recovery, string? ReadOnly)[] rows)
    {
        // Int16 column count, then per column: name, table OID, attribute number, type OID, size, modifier, format.
        byte[] Column(string name, int type) => [.. Encoding.UTF8.GetBytes(name + "\0"), .. FakeSession.Int32(0), 0, 0, .. FakeSession.Int32(type), 0, 1, .. FakeSession.Int32(-1), 0, 0];
        var answer = new List<byte>(FakeSession.Frame('T', [0, 2, .. Column("pg_is_in_recovery", 16), .. Column("current_setting", 25)]));
        foreach (var (recovery, readOnly) in rows)
        {
            byte[] Value(string? text) => text is null ? FakeSession.Int32(-1) : [.. FakeSession.Int32(Encoding.UTF8.GetByteCount(text)), .. Encoding.UTF8.GetBytes(text)];
            answer.AddRange(FakeSession.Frame('D', [0, 2, .. Value(recovery), .. Value(readOnly)]));
        }
        answer.AddRange(FakeSession.Frame('C', Encoding.UTF8.GetBytes($"SELECT {rows.Length}\0")));
        answer.AddRange(FakeSession.Frame('Z', (byte)'I'));
        return [.. answer];
    }

    private static FakePgServer Old(string version, byte[] roleAnswer) => FakePgServer.Start(async session =>
    {
        await session.SendAsync(Login(version));
        // The type catalog (first connection of a data source), then the role query.
        while (true)
        {
            var request = await session.ReadRequestAsync();
            if (request[^1].Type != 'Q') return;
            var sql = Encoding.UTF8.GetString(request[^1].Body);
            if (sql.Contains("pg_is_in_recovery", StringComparison.Ordinal)) await session.SendAsync(roleAnswer);
            else await session.SendAsync(FakeSession.Frame('C', "SELECT 0\0"u8.ToArray()), FakeSession.Frame('Z', (byte)'I'));
        }
    });

    [Fact]
    public async Task The_role_of_a_server_that_does_not_report_it_is_asked_with_one_query()
    {
        await using var primary = Old("13.1", RoleAnswer(("f", "off")));
        await using var standby = Old("13.2", RoleAnswer(("t", "on")));
        var hosts = $"Host=127.0.0.1:{primary.Port},127.0.0.1:{standby.Port};Username=u;SSL Mode=Disable;Timeout=5";
        await using (var toStandby = PgWireDataSource.Create(hosts + ";Target Session Attributes=standby"))
        await using (var connection = await toStandby.OpenConnectionAsync())
            Assert.Equal("13.2", connection.ServerVersion);
        await using (var toPrimary = PgWireDataSource.Create(hosts + ";Target Session Attributes=read-write"))
        await using (var connection = await toPrimary.OpenConnectionAsync())
            Assert.Equal("13.1", connection.ServerVersion);
        Assert.Contains("Q", primary.ReceivedTypes(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(-1)]
    public async Task A_hostile_answer_to_the_role_query_is_not_believed(int rows)
    {
        var answer = rows switch
        {
            0 => RoleAnswer(),
            2 => RoleAnswer(("t", "on"), ("t", "on")),
            _ => RoleAnswer((null, "on")),
        };
        await using var hostile = Old("13.3", answer);
        await using var dataSource = PgWireDataSource.Create($"Host=127.0.0.1:{hostile.Port},127.0.0.1:1;Username=u;SSL Mode=Disable;Timeout=5;Target Session Attributes=standby");
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await dataSource.OpenConnectionAsync());
        Assert.Contains($"127.0.0.1:{hostile.Port}: down", e.Message, StringComparison.Ordinal);
        Assert.Contains("pg_is_in_recovery", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, dataSource.OpenConnectionCount);
    }
}
