using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>What a session learnt about one SQL text: its server-side statement, parameter types and result shape.</summary>
internal sealed class StatementDescription(
    string name, uint[] parameterTypes, uint[] serverParameterTypes, FormatCode[] resultFormats, RowDescriptionInfo? row)
{
    /// <summary>
    /// The result's columns in the formats Bind asks for, for a named statement that returns rows: its portals need
    /// no Describe. Null for the unnamed statement and for statements without a result.
    /// </summary>
    public RowDescriptionInfo? Row { get; } = row;

    /// <summary>The prepared statement's name on the server; empty for the unnamed statement (re-parsed every time).</summary>
    public string Name { get; } = name;

    /// <summary>The parameter type OIDs the statement was parsed with (0 = left to the server).</summary>
    public uint[] ParameterTypes { get; } = parameterTypes;

    /// <summary>The parameter types the server settled on (ParameterDescription).</summary>
    public uint[] ServerParameterTypes { get; } = serverParameterTypes;

    /// <summary>Per column: binary where PgWire has a codec for the column's type, text otherwise.</summary>
    public FormatCode[] ResultFormats { get; } = resultFormats;

    /// <summary>The last RowDescription a portal of this statement produced, reused while its bytes stay the same.</summary>
    public RowDescriptionInfo? LastRow
    {
        get => _lastRow;
        set
        {
            _lastRow = value;
            // An unnamed statement's columns can change between runs (ALTER TABLE): when the result no longer fits
            // the formats learnt, learn them again before the next run.
            if (value is not null && Name.Length == 0 && !Fits(value)) IsStale = true;
        }
    }

    private RowDescriptionInfo? _lastRow;

    /// <summary>Set when a run showed the learnt result formats no longer fit the statement's columns.</summary>
    public bool IsStale { get; private set; }

    private bool Fits(RowDescriptionInfo row)
    {
        if (row.Count != ResultFormats.Length) return false;
        for (var i = 0; i < row.Count; i++)
            if (row.Fields[i].Format == FormatCode.Binary && row.Codecs[i] is null) return false;
        return true;
    }

    public bool Matches(ReadOnlySpan<uint> parameterTypes) => parameterTypes.SequenceEqual(ParameterTypes);

    /// <summary>The same knowledge for the unnamed statement (after the named one was closed): its row is described per run.</summary>
    public StatementDescription Unnamed() => new("", ParameterTypes, ServerParameterTypes, ResultFormats, null);
}

/// <summary>
/// What a session knows about the SQL texts it ran: a bounded LRU from text to <see cref="StatementDescription"/> and
/// use count. A text run at least <c>minUsages</c> times is prepared as a named server-side statement (at most
/// <c>capacity</c> of them, least recently used closed first), so the server skips parsing and planning; below that, or
/// with <c>capacity</c> 0 (for transaction-mode poolers such as PgBouncer, where a session's statements may be on
/// another server connection), it runs as the unnamed statement, re-parsed each time, with the result formats its
/// first run learnt. Statements dropped from the cache are closed on the server with the session's next request.
/// </summary>
internal sealed class DescriptionCache(int capacity, int minUsages, System.Collections.Concurrent.ConcurrentDictionary<string, byte>? alwaysPrepare = null)
{
    private sealed class Entry(string sql)
    {
        public string Sql { get; } = sql;

        public StatementDescription? Statement { get; set; }

        public int Uses { get; set; }

        public LinkedListNode<Entry>? Node { get; set; }
    }

    // Every member takes this lock: with Multiplexing a read loop (DISCARD ALL seen in an answer) and the callers
    // composing requests use the cache from different threads. Uncontended otherwise.
    private readonly object _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _lru = []; // most recently used first
    private readonly List<string> _toClose = [];
    private readonly int _maxEntries = Math.Max(2 * capacity, 64);
    private int _named;
    private int _nextName;

    /// <summary>Called (under the cache's lock) with the name and text of a named statement dropped to make room.</summary>
    public Action<string, string>? Evicted { get; init; }

    /// <summary>Called (under the cache's lock) with the number of texts forgotten when the cache is cleared.</summary>
    public Action<int>? Cleared { get; init; }

    /// <summary>Whether named (server-side prepared) statements are used at all.</summary>
    public bool Enabled => capacity > 0;

    /// <summary>The description known for a text, without counting a use.</summary>
    public StatementDescription? Find(string sql)
    {
        lock (_lock) return _entries.TryGetValue(sql, out var entry) ? entry.Statement : null;
    }

    /// <summary>Counts one use of a text and marks it most recently used; returns what is known of it and its uses so far.</summary>
    public StatementDescription? Use(string sql, out int uses)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(sql, out var entry))
            {
                entry = new Entry(sql);
                _entries[sql] = entry;
                entry.Node = _lru.AddFirst(entry);
                TrimEntries();
            }
            else if (entry.Node!.Previous is not null)
            {
                _lru.Remove(entry.Node);
                _lru.AddFirst(entry.Node);
            }
            uses = ++entry.Uses;
            return entry.Statement;
        }
    }

    /// <summary>Whether a text used <paramref name="uses"/> times should run as a named statement (at once when prepared explicitly).</summary>
    public bool ShouldPrepare(string sql, int uses) =>
        capacity > 0 && (uses >= minUsages || (alwaysPrepare is { IsEmpty: false } && alwaysPrepare.ContainsKey(sql)));

    /// <summary>A statement name not used before on this session.</summary>
    public string NextName() => NamePrefix + Interlocked.Increment(ref _nextName).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The prefix of every statement name PgWire creates.</summary>
    public const string NamePrefix = "_pgw";

    /// <summary>Records what was learnt of a text (a named statement, or the unnamed one's description).</summary>
    public void Add(string sql, StatementDescription description)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(sql, out var entry))
            {
                entry = new Entry(sql) { Uses = 1 };
                _entries[sql] = entry;
                entry.Node = _lru.AddFirst(entry);
            }
            if (entry.Statement is { } replaced && replaced.Name.Length > 0 && !ReferenceEquals(replaced, description)) Forget(replaced);
            if (description.Name.Length > 0 && entry.Statement?.Name != description.Name) _named++;
            entry.Statement = description;
            // Over the limit of named statements: the least recently used one is closed (its text keeps its description).
            if (_named > capacity)
            {
                for (var node = _lru.Last; node is not null; node = node.Previous)
                {
                    if (node.Value.Statement is not { Name.Length: > 0 } named || ReferenceEquals(node.Value, entry)) continue;
                    Forget(named);
                    Evicted?.Invoke(named.Name, node.Value.Sql);
                    node.Value.Statement = named.Unnamed();
                    break;
                }
            }
            TrimEntries();
        }
    }

    /// <summary>Forgets every statement; their server-side statements are closed with the next request.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var entry in _entries.Values)
                if (entry.Statement is { } statement) Forget(statement);
            if (_entries.Count > 0) Cleared?.Invoke(_entries.Count);
            _entries.Clear();
            _lru.Clear();
            _named = 0;
        }
    }

    /// <summary>Writes Close for every statement that was dropped; their CloseComplete answers come first.</summary>
    public void WritePendingCloses(MessageBuffer output)
    {
        lock (_lock)
        {
            foreach (var name in _toClose) FrontendMessages.WriteClose(output, portal: false, name);
            _toClose.Clear();
        }
    }

    private void TrimEntries()
    {
        while (_entries.Count > _maxEntries && _lru.Last is { } oldest)
        {
            _lru.RemoveLast();
            _entries.Remove(oldest.Value.Sql);
            if (oldest.Value.Statement is { } statement)
            {
                Forget(statement);
                if (statement.Name.Length > 0) Evicted?.Invoke(statement.Name, oldest.Value.Sql);
            }
        }
    }

    private void Forget(StatementDescription statement)
    {
        if (statement.Name.Length == 0) return;
        _toClose.Add(statement.Name);
        _named--;
    }
}
