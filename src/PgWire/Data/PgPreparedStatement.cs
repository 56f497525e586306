namespace PgWire;

/// <summary>
/// A statement prepared for repeated use (<see cref="PgWireDataSource.Prepare"/>): on every connection of its data
/// source it runs as a named server statement from its first use, parsed and planned once per connection.
/// </summary>
public sealed class PgPreparedStatement
{
    private readonly PgWireDataSource _dataSource;

    internal PgPreparedStatement(PgWireDataSource dataSource, string sql)
    {
        _dataSource = dataSource;
        Sql = sql;
    }

    /// <summary>The statement's text.</summary>
    public string Sql { get; }

    /// <summary>Runs the statement and returns all of its rows (see <see cref="PgWireDataSource.QueryAsync(string, object?[])"/>).</summary>
    /// <param name="parameters">The parameter values, in order.</param>
    public ValueTask<PgRowSet> QueryAsync(params object?[] parameters) => _dataSource.QueryAsync(Sql, parameters);

    /// <summary>Runs the statement and returns all of its rows.</summary>
    /// <param name="parameters">The parameter values, in order.</param>
    /// <param name="cancellationToken">Cancels the query on the server.</param>
    public ValueTask<PgRowSet> QueryAsync(IReadOnlyList<object?> parameters, CancellationToken cancellationToken = default) =>
        _dataSource.QueryAsync(Sql, parameters, cancellationToken);

    /// <summary>Runs the statement; returns the rows it affected.</summary>
    /// <param name="parameters">The parameter values, in order.</param>
    public ValueTask<long> ExecuteAsync(params object?[] parameters) => _dataSource.ExecuteAsync(Sql, parameters);

    /// <summary>Runs the statement once per parameter set, as one pipeline (see <see cref="PgWireDataSource.PipelineAsync(string, IReadOnlyList{object?[]}, bool, CancellationToken)"/>).</summary>
    /// <param name="parameterSets">The parameter values of each execution, in order.</param>
    /// <param name="independentQueries">One Sync for all (false: all or nothing) or one per execution (true).</param>
    /// <param name="cancellationToken">Cancels the pipeline on the server.</param>
    public ValueTask<PgPipelineResults> PipelineAsync(
        IReadOnlyList<object?[]> parameterSets, bool independentQueries = false, CancellationToken cancellationToken = default) =>
        _dataSource.PipelineAsync(Sql, parameterSets, independentQueries, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => Sql;
}
