using System.Collections;
using PgWire.Buffers;
using PgWire.Connection;

namespace PgWire;

/// <summary>
/// The results of a pipeline, one per query in the order sent: each a <see cref="PgRowSet"/> (empty, with
/// <see cref="PgRowSet.RowsAffected"/>, for a command). All rows live in one pooled buffer: dispose the results when
/// done, which invalidates every set taken from them.
/// </summary>
/// <remarks>
/// With a Sync per query (<c>independentQueries: true</c>) a query can fail while the others succeed: its index then
/// throws its <see cref="PgWireServerException"/> and <see cref="GetError"/> returns it.
/// </remarks>
public sealed class PgPipelineResults : IReadOnlyList<PgRowSet>, IDisposable
{
    private readonly PipelineOutcome[] _outcomes;
    private readonly PgRowSet?[] _sets;
    private RowBuffer? _rows;

    internal PgPipelineResults(PipelineOutcome[] outcomes, RowBuffer? rows)
    {
        _outcomes = outcomes;
        _sets = new PgRowSet?[outcomes.Length];
        _rows = rows;
    }

    /// <summary>The number of queries.</summary>
    public int Count => _outcomes.Length;

    /// <summary>Rows received for every query together (for metrics).</summary>
    internal int RowCount => _rows?.RowCount ?? 0;

    /// <summary>How many queries failed (only with a Sync per query; otherwise a failure fails the whole pipeline).</summary>
    public int FailedCount
    {
        get
        {
            var failed = 0;
            foreach (var outcome in _outcomes)
                if (outcome.Error is not null) failed++;
            return failed;
        }
    }

    /// <summary>The result of query <paramref name="index"/>.</summary>
    /// <exception cref="PgWireServerException">That query failed (its <see cref="PgWireServerException.StatementIndex"/> is <paramref name="index"/>).</exception>
    /// <exception cref="ObjectDisposedException">The results were disposed.</exception>
    public PgRowSet this[int index]
    {
        get
        {
            var rows = _rows ?? throw new ObjectDisposedException(nameof(PgPipelineResults));
            if ((uint)index >= (uint)_outcomes.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"The pipeline ran {_outcomes.Length} queries.");
            ref readonly var outcome = ref _outcomes[index];
            if (outcome.Error is not null) throw outcome.Error;
            return _sets[index] ??= new PgRowSet(outcome.Description, rows, outcome.FirstRow, outcome.RowCount, outcome.RowsAffected, ownsRows: false);
        }
    }

    /// <summary>The error of query <paramref name="index"/>, or null when it succeeded.</summary>
    public PgWireServerException? GetError(int index) =>
        (uint)index < (uint)_outcomes.Length ? _outcomes[index].Error
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"The pipeline ran {_outcomes.Length} queries.");

    /// <summary>Enumerates the results in order; a failed query throws its error when reached.</summary>
    public IEnumerator<PgRowSet> GetEnumerator()
    {
        for (var i = 0; i < _outcomes.Length; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Returns the rows' memory to the pool; every set taken from these results becomes unreadable.</summary>
    public void Dispose()
    {
        foreach (var set in _sets) set?.Dispose();
        var rows = Interlocked.Exchange(ref _rows, null);
        if (rows is not null) RowBufferPool.Return(rows);
    }
}
