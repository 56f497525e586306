using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PgWire.Connection;
using PgWire.Diagnostics;

namespace PgWire.Pooling;

/// <summary>
/// The hosts of a data source, each with its own pool, and the choice of a host for a session: in the listed order
/// (shuffled per request with Load Balance Hosts), skipping hosts known to be down or of the wrong role while that
/// knowledge is fresh (Host Recheck Seconds), preferring an idle connector of a fitting host over a new connection,
/// and waiting (up to Timeout) only when every fitting host's pool is full. A connector's role is checked before it
/// is handed out for a target other than Any; a host whose state has gone stale is checked with a query.
/// </summary>
internal sealed class HostSet : IAsyncDisposable
{
    private readonly ConnectorPool[] _pools;
    private readonly string[] _names;
    private readonly HostStatus?[] _states;
    private readonly bool _loadBalance;
    private readonly TimeSpan _recheck;
    private readonly ILogger _log;

    /// <summary>What is known of a host: down (with why) or its role, and when that was found.</summary>
    private sealed record HostStatus(bool Down, ServerRole Role, long CheckedAt, Exception? Failure);

    public HostSet(ConnectorPool[] pools, string[] names, bool loadBalance, TimeSpan recheck, ILogger log)
    {
        _log = log;
        _pools = pools;
        _names = names;
        _states = new HostStatus?[pools.Length];
        _loadBalance = loadBalance;
        _recheck = recheck;
    }

    /// <summary>The hosts' pools, in the listed order.</summary>
    public IReadOnlyList<ConnectorPool> Pools => _pools;

    /// <summary>A source handing out sessions that fit <paramref name="target"/>: with one host and Any, its pool itself.</summary>
    public IConnectorSource For(TargetSession target) =>
        _pools.Length == 1 && target == TargetSession.Any ? _pools[0] : new Targeted(this, target);

    /// <summary>Physical connections open on every host.</summary>
    public int TotalCount => _pools.Sum(p => p.TotalCount);

    /// <summary>The connector's own host's pool takes it back.</summary>
    public ValueTask ReturnAsync(PgConnector connector) => _pools[connector.Options.HostIndex].ReturnAsync(connector);

    /// <summary>A connector on a host whose role fits <paramref name="target"/>; an exception says what each host was when none fits.</summary>
    public async ValueTask<PgConnector> RentAsync(TargetSession target, CancellationToken cancellationToken) =>
        (await RentAsync(target, wait: true, cancellationToken).ConfigureAwait(false))!;

    /// <summary>
    /// As <see cref="RentAsync(TargetSession, CancellationToken)"/>; without <paramref name="wait"/>, null instead of
    /// waiting when the hosts that fit have full pools.
    /// </summary>
    public async ValueTask<PgConnector?> RentAsync(TargetSession target, bool wait, CancellationToken cancellationToken)
    {
        var order = Order();
        // Hosts that failed during this open: not tried again by its later passes, so an open makes one attempt per
        // host at most (each bounded by Timeout), and a dead cluster fails in hosts x Timeout.
        var failed = new bool[_pools.Length];
        var preferring = target is TargetSession.PreferPrimary or TargetSession.PreferStandby;
        // The preferred role first, then (prefer-*) any; hosts known to be down are tried only when nothing else answered.
        foreach (var (loose, lastResort) in preferring ? s_preferPasses : s_strictPasses)
        {
            var (connector, full) = await TryHostsAsync(order, failed, target, loose, lastResort, wait, cancellationToken).ConfigureAwait(false);
            if (connector is not null || full) return connector;
        }
        // The hosts' own failures stay reachable: the most recent one is the inner exception (a SQLSTATE, a socket error).
        var failure = _states.Where(s => s is { Down: true }).OrderByDescending(s => s!.CheckedAt).FirstOrDefault()?.Failure;
        throw new PgWireException(NoneFits(target), failure);
    }

    private static readonly (bool Loose, bool LastResort)[] s_strictPasses = [(false, false), (false, true)];
    private static readonly (bool Loose, bool LastResort)[] s_preferPasses = [(false, false), (true, false), (true, true)];

    /// <summary>One pass over the hosts: a connector that fits, or none; Full when (not waiting) a fitting host's pool is full.</summary>
    private async ValueTask<(PgConnector? Connector, bool Full)> TryHostsAsync(
        int[] order, bool[] failed, TargetSession target, bool loose, bool lastResort, bool wait, CancellationToken cancellationToken)
    {
        // An idle connector of a host known to fit costs nothing. With load balancing every fitting host takes its turn
        // (in the shuffled order, idle or new), so that hosts not reached yet get sessions too.
        if (!lastResort && !_loadBalance)
        {
            foreach (var i in order)
            {
                if (failed[i] || _states[i] is not { Down: false } state || !IsFresh(state) || !Fits(state.Role, target, loose)) continue;
                var idle = await _pools[i].TryRentAsync(openNew: false, cancellationToken).ConfigureAwait(false);
                if (idle is null) continue;
                var chosen = await CheckAsync(i, idle, target, loose, failed, cancellationToken).ConfigureAwait(false);
                if (chosen is not null) return (chosen, false);
            }
        }
        int? full = null;
        foreach (var i in order)
        {
            if (failed[i]) continue;
            var state = _states[i];
            if (state is not null && IsFresh(state))
            {
                if (state.Down != lastResort) continue; // down hosts only as the last resort, and only then
                if (!state.Down && state.Role != ServerRole.Unknown && !Fits(state.Role, target, loose)) continue;
            }
            else if (lastResort) continue;
            PgConnector? connector;
            try
            {
                connector = await _pools[i].TryRentAsync(openNew: true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                MarkDown(i, e);
                failed[i] = true;
                continue;
            }
            if (connector is null)
            {
                full ??= i;
                continue;
            }
            var chosen = await CheckAsync(i, connector, target, loose, failed, cancellationToken).ConfigureAwait(false);
            if (chosen is not null) return (chosen, false);
        }
        if (full is not { } busy) return (null, false);
        if (!wait) return (null, true);
        // Every fitting host's pool is in use: wait for one (up to Timeout, as a single pool does).
        var waited = await _pools[busy].RentAsync(cancellationToken).ConfigureAwait(false);
        return (await CheckAsync(busy, waited, target, loose, failed, cancellationToken).ConfigureAwait(false), false);
    }

    /// <summary>
    /// The connector when its session fits; else it goes back to its pool (for other targets) and null. A failed check
    /// marks the host down, and (for a new connection) in <paramref name="failed"/> as tried by this open.
    /// </summary>
    private async ValueTask<PgConnector?> CheckAsync(
        int host, PgConnector connector, TargetSession target, bool loose, bool[] failed, CancellationToken cancellationToken)
    {
        var state = _states[host];
        var known = state is { Down: false, Role: not ServerRole.Unknown } && IsFresh(state);
        ServerRole role;
        try
        {
            // Any takes the role the session reports (no round trip). Other targets make sure of it: a session fresh from
            // its login reports its role; one that sat idle is asked when the host's state is stale or disagrees with
            // what it reports, since a promotion reaches an idle session only with its next answer.
            var reported = ServerRoles.Current(connector);
            var fresh = connector.LastReturnedAt == 0;
            var force = !fresh && (!known || (reported != ServerRole.Unknown && reported != state!.Role));
            role = target == TargetSession.Any ? reported
                : await ServerRoles.DetectAsync(connector, force, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await _pools[host].ReturnAsync(connector).ConfigureAwait(false);
            MarkDown(host, e);
            // A new connection that failed its check counts as this open's attempt on the host; an idle one that did
            // may only have outlived its server process (a restart), so a new connection is still worth a try.
            if (connector.LastReturnedAt == 0) failed[host] = true;
            return null;
        }
        catch
        {
            await _pools[host].ReturnAsync(connector).ConfigureAwait(false);
            throw;
        }
        // The host is up. Its role is recorded when this check established it (what an idle session of Any reports
        // may be out of date, and does not replace a fresh state).
        if (target != TargetSession.Any || !known)
        {
            var previous = Interlocked.Exchange(ref _states[host], new HostStatus(false, role, Stopwatch.GetTimestamp(), null));
            if (role != ServerRole.Unknown && previous?.Role != role && _pools.Length > 1) Log.HostRole(_log, _names[host], Describe(role));
        }
        if (target == TargetSession.Any || Fits(role, target, loose)) return connector;
        await _pools[host].ReturnAsync(connector).ConfigureAwait(false);
        return null;
    }

    private void MarkDown(int host, Exception e)
    {
        var previous = Interlocked.Exchange(ref _states[host], new HostStatus(true, ServerRole.Unknown, Stopwatch.GetTimestamp(), e));
        if (previous is not { Down: true }) Log.HostDown(_log, _names[host], e.Message, _recheck.TotalSeconds);
    }

    private bool IsFresh(HostStatus state) => Stopwatch.GetElapsedTime(state.CheckedAt) < _recheck;

    /// <summary>Whether a session of <paramref name="role"/> is what <paramref name="target"/> asks for (loose: any role will do).</summary>
    internal static bool Fits(ServerRole role, TargetSession target, bool loose) => loose || target switch
    {
        TargetSession.Any => true,
        TargetSession.ReadWrite => role == ServerRole.Primary,
        TargetSession.ReadOnly => role is ServerRole.Standby or ServerRole.ReadOnlyPrimary,
        TargetSession.Primary or TargetSession.PreferPrimary => role is ServerRole.Primary or ServerRole.ReadOnlyPrimary,
        TargetSession.Standby or TargetSession.PreferStandby => role == ServerRole.Standby,
        _ => false,
    };

    private int[] Order()
    {
        var order = new int[_pools.Length];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        if (_loadBalance) Random.Shared.Shuffle(order);
        return order;
    }

    /// <summary>Why no host would do, host by host (names, roles and errors; nothing secret).</summary>
    private string NoneFits(TargetSession target)
    {
        var hosts = new List<string>();
        for (var i = 0; i < _pools.Length; i++)
        {
            var state = _states[i];
            var age = state is null ? "" : $", {Stopwatch.GetElapsedTime(state.CheckedAt).TotalSeconds:0.#} s ago";
            hosts.Add(state switch
            {
                null => $"{_names[i]}: not reached",
                { Down: true } => $"{_names[i]}: down ({state.Failure?.Message}{age})",
                _ => $"{_names[i]}: {Describe(state.Role)}{age}",
            });
        }
        return $"No host fits Target Session Attributes={TargetSessions.ToText(target)}: {string.Join("; ", hosts)}. " +
            $"A host's state is checked again after Host Recheck Seconds ({_recheck.TotalSeconds:0.###}).";
    }

    private static string Describe(ServerRole role) => role switch
    {
        ServerRole.Primary => "a primary",
        ServerRole.ReadOnlyPrimary => "a primary with default_transaction_read_only on",
        ServerRole.Standby => "a standby",
        _ => "role unknown",
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools) await pool.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>One target's view of the hosts.</summary>
    private sealed class Targeted(HostSet hosts, TargetSession target) : IConnectorSource
    {
        public ValueTask<PgConnector> RentAsync(CancellationToken cancellationToken) => hosts.RentAsync(target, cancellationToken);

        public ValueTask<PgConnector?> TryRentAsync(CancellationToken cancellationToken) => hosts.RentAsync(target, wait: false, cancellationToken);

        public ValueTask ReturnAsync(PgConnector connector) => hosts.ReturnAsync(connector);
    }
}
