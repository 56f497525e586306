using System.Diagnostics;

namespace PgWire.Diagnostics;

/// <summary>What an operation is, for its span, metrics and log events.</summary>
internal enum OperationKind : byte
{
    /// <summary>One statement (a query, a command).</summary>
    Command,

    /// <summary>Several statements in one round trip (an ADO.NET batch, a command with several statements).</summary>
    Batch,

    /// <summary>A pipeline of executions (<c>PipelineAsync</c>, a prepared statement run many times).</summary>
    Pipeline,

    /// <summary>A COPY (binary or text import or export, a bulk insert).</summary>
    Copy,
}

/// <summary>
/// One measured database operation: its span when someone samples it, its start when something needs the duration
/// (the duration histogram, a command log event, the slow-command warning). The default value measures nothing and
/// ends for free: that is what every operation gets when nobody listens.
/// </summary>
internal struct Operation
{
    internal Activity? Activity;
    internal long Started;
    internal string Sql;
    internal QuerySummary Summary;
    internal object? Parameters;
    internal OperationKind Kind;
    internal int ProcessId;

    /// <summary>Whether anything measures this operation.</summary>
    public readonly bool IsActive => Started != 0;

    /// <summary>Whether the span wants a timestamp of the first row (so the session should note it).</summary>
    public readonly bool WantsFirstRow => Activity is { IsAllDataRequested: true };
}
