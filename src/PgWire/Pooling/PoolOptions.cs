namespace PgWire.Pooling;

/// <summary>The pool's bounds and lifetimes, taken from the connection string by the layer above.</summary>
internal sealed class PoolOptions
{
    public bool Pooling { get; init; } = true;

    /// <summary>The data source's loggers and instrumentation attributes.</summary>
    public Diagnostics.DataSourceTelemetry Telemetry { get; init; } = Diagnostics.DataSourceTelemetry.Silent;
    public int MinPoolSize { get; init; }
    public int MaxPoolSize { get; init; } = 100;

    /// <summary>How long a caller waits for a free connection (the connection string's Timeout).</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A connection older than this is closed instead of reused; zero means no limit.</summary>
    public TimeSpan ConnectionLifetime { get; init; }

    /// <summary>A connection idle longer than this is closed by pruning (down to <see cref="MinPoolSize"/>).</summary>
    public TimeSpan IdleLifetime { get; init; } = TimeSpan.FromSeconds(300);

    public TimeSpan PruningInterval { get; init; } = TimeSpan.FromSeconds(10);
}
