using Microsoft.Extensions.Logging;
using PgWire.Configuration;
using PgWire.Connection;

namespace PgWire;

/// <summary>
/// Where a new physical connection's password comes from: the data source's password provider (called for every new
/// connection, so rotating credentials are fresh), else the settings' Password (connection string, service file,
/// PGPASSWORD), else the password file's line for that host, port, database and user.
/// </summary>
internal sealed class PasswordSource(
    string? password, string? passfile, Func<PgPasswordRequest, CancellationToken, ValueTask<string>>? provider, ILogger log)
{
    /// <summary>The password for a connection with <paramref name="options"/>, or null for none.</summary>
    /// <exception cref="PgWireException">The provider failed or gave none (the provider's exception is inside, unprinted).</exception>
    public async ValueTask<string?> GetAsync(ConnectorOptions options, CancellationToken cancellationToken)
    {
        if (provider is not null)
        {
            string? provided;
            try
            {
                provided = await provider(new PgPasswordRequest(options.Host, options.Port, options.Database, options.Username), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The provider's own message may quote what it fetched: only its type is shown.
                throw new PgWireException($"The password provider (UsePasswordProvider) failed for {options.Host}:{options.Port} with {e.GetType().Name}; see the inner exception.", e);
            }
            return provided ?? throw new PgWireException($"The password provider (UsePasswordProvider) returned null for {options.Host}:{options.Port}.");
        }
        if (password is not null || passfile is null) return password;
        var lookup = PassFile.Find(passfile, new HostEndpoint(options.Host, options.Port), options.Database, options.Username);
        if (lookup.Ignored is not null) Diagnostics.Log.PasswordFileIgnored(log, lookup.Ignored);
        return lookup.Password;
    }
}
