using PgWire.Connection;

namespace PgWire.Pooling;

/// <summary>Where a data source's requests take their connectors: one host's pool, or a choice among several hosts' pools.</summary>
internal interface IConnectorSource
{
    /// <summary>A connector ready for a request, waiting (up to Timeout) when every one is in use.</summary>
    ValueTask<PgConnector> RentAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A connector when one is idle or can be opened now; null, without waiting, when every pool that would do is at its
    /// maximum (the multiplexer then shares a connector it has instead of queueing for another).
    /// </summary>
    ValueTask<PgConnector?> TryRentAsync(CancellationToken cancellationToken);

    /// <summary>Takes back a connector this source handed out.</summary>
    ValueTask ReturnAsync(PgConnector connector);
}
