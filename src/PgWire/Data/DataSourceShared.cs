using PgWire.Connection;
using PgWire.Diagnostics;
using PgWire.Pooling;
using PgWire.Types;

namespace PgWire;

/// <summary>
/// What a data source and its views by role (<see cref="PgWireDataSource.WithTargetSession"/>) share: the type registry,
/// the explicitly prepared texts, the hosts with their pools and state, the passwords, the notice handler; and how a new
/// physical connection to one of the hosts is opened. The data source that built it owns it and disposes it.
/// </summary>
internal sealed class DataSourceShared : IAsyncDisposable
{
    private readonly EventHandler<PgNoticeEventArgs>? _notice;
    private readonly PasswordSource _passwords;
    private readonly ConnectorOptions[] _hostOptions;
    private int _disposed;

    public DataSourceShared(
        PgWireConnectionStringBuilder settings, IReadOnlyList<(Type ClrType, string PgTypeName, Func<PgCodec>? EnumCodec)> mappings,
        EventHandler<PgNoticeEventArgs>? notice, DataSourceTelemetry telemetry, PasswordSource passwords, string? initializer)
    {
        foreach (var (clrType, pgTypeName, enumCodec) in mappings)
        {
            if (enumCodec is null) Types.Map(clrType, pgTypeName);
            else Types.MapEnum(clrType, pgTypeName, enumCodec);
        }
        _notice = notice;
        _passwords = passwords;
        Telemetry = telemetry;
        var endpoints = DataSourceSettings.Hosts(settings);
        _hostOptions = new ConnectorOptions[endpoints.Length];
        var pools = new ConnectorPool[endpoints.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            // One pool per host; with one host, the data source's own telemetry (its pool name is the data source's).
            var hostTelemetry = endpoints.Length == 1 ? telemetry : telemetry.ForHost(endpoints[i].Host, endpoints[i].Port);
            _hostOptions[i] = DataSourceSettings.ToConnectorOptions(settings, (endpoints[i], i), AlwaysPrepare, hostTelemetry, initializer);
            var host = i;
            pools[i] = new ConnectorPool(DataSourceSettings.ToPoolOptions(settings, hostTelemetry), token => OpenConnectorAsync(host, token));
        }
        Hosts = new HostSet(pools, Array.ConvertAll(endpoints, e => e.ToString()), settings.LoadBalanceHosts,
            TimeSpan.FromSeconds(settings.HostRecheckSeconds), telemetry.ConnectionLog);
    }

    /// <summary>The type mappings and the catalog loaded from the server.</summary>
    public PgTypeRegistry Types { get; } = new();

    /// <summary>Texts prepared explicitly: named from their first use on every connection.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, byte> AlwaysPrepare { get; } = new(StringComparer.Ordinal);

    /// <summary>The hosts, each with its pool.</summary>
    public HostSet Hosts { get; }

    /// <summary>The session options of the first host (the settings every host shares, and the first host's address).</summary>
    public ConnectorOptions First => _hostOptions[0];

    /// <summary>The host list as a DbConnection shows it (DataSource): the host, or the hosts comma-separated.</summary>
    public string HostNames => _hostOptions.Length == 1 ? First.Host : string.Join(',', _hostOptions.Select(o => o.Host));

    /// <summary>The data source's loggers, span and metric attributes.</summary>
    public DataSourceTelemetry Telemetry { get; }

    /// <summary>The sender of the notice events: the data source that owns this.</summary>
    public PgWireDataSource? Owner { get; set; }

    /// <summary>Whether the owner has been disposed (views then refuse new work).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>A new physical connection to host <paramref name="host"/>, with the password this connection is to use.</summary>
    private async Task<PgConnector> OpenConnectorAsync(int host, CancellationToken cancellationToken)
    {
        var options = _hostOptions[host];
        var password = await _passwords.GetAsync(options, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(password, options.Password, StringComparison.Ordinal)) options = options with { Password = password };
        return await ConnectorOpener.OpenAsync(options, Types, RaiseNotice, cancellationToken).ConfigureAwait(false);
    }

    private void RaiseNotice(PgErrorFields notice)
    {
        var handlers = _notice;
        if (handlers is null) return;
        try
        {
            handlers(Owner, new PgNoticeEventArgs(notice));
        }
#pragma warning disable CA1031 // A user's handler must not break the session that is reading.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Closes every host's pool (once).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) await Hosts.DisposeAsync().ConfigureAwait(false);
    }
}
