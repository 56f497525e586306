using System.Diagnostics;

namespace PgWire.Diagnostics;

/// <summary>
/// Reports a long operation's <see cref="PgProgress"/> at a bounded rate: <see cref="Tick"/> may be called as often as
/// the caller likes (it reads the clock only every <see cref="CheckEvery"/> calls) and reports at most every
/// <see cref="Interval"/>; <see cref="Complete"/> reports once more at the end.
/// </summary>
internal sealed class ProgressReporter(IProgress<PgProgress> progress)
{
    /// <summary>The shortest time between two reports.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Calls of <see cref="Tick"/> between two looks at the clock.</summary>
    public const int CheckEvery = 64;

    private static readonly long s_intervalTicks = (long)(Interval.TotalSeconds * Stopwatch.Frequency);
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _next = Stopwatch.GetTimestamp() + s_intervalTicks;
    private int _calls;
    private bool _completed;

    /// <summary>Null when there is nobody to report to.</summary>
    public static ProgressReporter? For(IProgress<PgProgress>? progress) => progress is null ? null : new ProgressReporter(progress);

    /// <summary>Reports when the interval has passed since the last report.</summary>
    public void Tick(long rows, long bytes)
    {
        if (++_calls % CheckEvery != 0) return;
        Now(rows, bytes);
    }

    /// <summary>Reports when the interval has passed (for callers that call rarely: once per 64 KB sent).</summary>
    public void Now(long rows, long bytes)
    {
        var now = Stopwatch.GetTimestamp();
        if (now < _next || _completed) return;
        _next = now + s_intervalTicks;
        progress.Report(new PgProgress(rows, bytes, Stopwatch.GetElapsedTime(_started, now), IsCompleted: false));
    }

    /// <summary>The last report, once.</summary>
    public void Complete(long rows, long bytes)
    {
        if (_completed) return;
        _completed = true;
        progress.Report(new PgProgress(rows, bytes, Stopwatch.GetElapsedTime(_started), IsCompleted: true));
    }
}
