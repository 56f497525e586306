using System.Data.Common;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PgWire;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PgWire data sources and connections in an <see cref="IServiceCollection"/>.</summary>
/// <example>
/// <code>
/// builder.Services.AddPgWireDataSource(builder.Configuration.GetConnectionString("app")!, pg => pg.MapEnum&lt;Mood&gt;("mood"));
/// // then inject PgWireDataSource (or DbDataSource), or PgWireConnection (or DbConnection), where needed.
/// </code>
/// </example>
public static class PgWireServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="PgWireDataSource"/> built from <paramref name="connectionString"/> (also as
    /// <see cref="DbDataSource"/>), and <see cref="PgWireConnection"/> (also as <see cref="DbConnection"/>) made from it,
    /// closed and not yet opened. The data source logs through the container's <see cref="ILoggerFactory"/> when there
    /// is one, and is disposed with the container (with the host).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">The connection string (Npgsql-style keywords).</param>
    /// <param name="configure">Further configuration of the data source (type mappings, parameter logging, ...); may be null.</param>
    /// <param name="connectionLifetime">The lifetime of <see cref="PgWireConnection"/>: transient (the default) or scoped.</param>
    /// <param name="dataSourceLifetime">The lifetime of the data source: singleton (the default, and the right choice
    /// unless each scope needs its own pool).</param>
    /// <param name="serviceKey">Registers keyed services under this key (several databases in one application); null
    /// for unkeyed ones, which are added only when none of the same type is registered yet.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddPgWireDataSource(
        this IServiceCollection services,
        string connectionString,
        Action<PgWireDataSourceBuilder>? configure = null,
        ServiceLifetime connectionLifetime = ServiceLifetime.Transient,
        ServiceLifetime dataSourceLifetime = ServiceLifetime.Singleton,
        object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return services.AddPgWireDataSource(connectionString, configure is null ? null : (_, builder) => configure(builder), connectionLifetime, dataSourceLifetime, serviceKey);
    }

    /// <summary>
    /// Registers a data source and connections as <see cref="AddPgWireDataSource(IServiceCollection, string, Action{PgWireDataSourceBuilder}?, ServiceLifetime, ServiceLifetime, object?)"/>
    /// does, configured with access to the container (for options, secrets, other services).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">The connection string (Npgsql-style keywords).</param>
    /// <param name="configure">Further configuration of the data source, given the container; may be null.</param>
    /// <param name="connectionLifetime">The lifetime of <see cref="PgWireConnection"/>: transient (the default) or scoped.</param>
    /// <param name="dataSourceLifetime">The lifetime of the data source: singleton by default.</param>
    /// <param name="serviceKey">Registers keyed services under this key; null for unkeyed ones.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddPgWireDataSource(
        this IServiceCollection services,
        string connectionString,
        Action<IServiceProvider, PgWireDataSourceBuilder>? configure,
        ServiceLifetime connectionLifetime = ServiceLifetime.Transient,
        ServiceLifetime dataSourceLifetime = ServiceLifetime.Singleton,
        object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connectionString);
        if (connectionLifetime == ServiceLifetime.Singleton)
            throw new ArgumentException("A PgWireConnection is not thread-safe: register it as Transient or Scoped, and share the data source instead.", nameof(connectionLifetime));
        // Checked now, not at the first resolve: a bad keyword fails at start-up, naming itself.
        _ = new PgWireConnectionStringBuilder(connectionString);

        PgWireDataSource Build(IServiceProvider provider)
        {
            var builder = new PgWireDataSourceBuilder(connectionString);
            builder.UseLoggerFactory(provider.GetService<ILoggerFactory>());
            configure?.Invoke(provider, builder);
            return builder.Build();
        }

        if (serviceKey is null)
        {
            services.TryAdd(new ServiceDescriptor(typeof(PgWireDataSource), Build, dataSourceLifetime));
            services.TryAdd(new ServiceDescriptor(typeof(DbDataSource), static p => p.GetRequiredService<PgWireDataSource>(), dataSourceLifetime));
            services.TryAdd(new ServiceDescriptor(typeof(PgWireConnection), static p => p.GetRequiredService<PgWireDataSource>().CreateConnection(), connectionLifetime));
            services.TryAdd(new ServiceDescriptor(typeof(DbConnection), static p => p.GetRequiredService<PgWireConnection>(), connectionLifetime));
        }
        else
        {
            services.Add(new ServiceDescriptor(typeof(PgWireDataSource), serviceKey, (p, _) => Build(p), dataSourceLifetime));
            services.Add(new ServiceDescriptor(typeof(DbDataSource), serviceKey, static (p, k) => p.GetRequiredKeyedService<PgWireDataSource>(k), dataSourceLifetime));
            services.Add(new ServiceDescriptor(typeof(PgWireConnection), serviceKey, static (p, k) => p.GetRequiredKeyedService<PgWireDataSource>(k).CreateConnection(), connectionLifetime));
            services.Add(new ServiceDescriptor(typeof(DbConnection), serviceKey, static (p, k) => p.GetRequiredKeyedService<PgWireConnection>(k), connectionLifetime));
        }
        return services;
    }
}
