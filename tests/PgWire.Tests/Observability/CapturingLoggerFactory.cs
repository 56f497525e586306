using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PgWire.Tests.Observability;

/// <summary>One log event as a sink received it: category, level, event, the formatted message and its named values.</summary>
public sealed record LogEvent(string Category, LogLevel Level, EventId Id, string Message, IReadOnlyList<KeyValuePair<string, object?>> State, Exception? Exception)
{
    public object? this[string name] => State.FirstOrDefault(p => p.Key == name).Value;
}

/// <summary>A logger factory that keeps every event at or above <see cref="MinimumLevel"/>, for assertions.</summary>
public sealed class CapturingLoggerFactory(LogLevel minimumLevel = LogLevel.Trace) : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public LogLevel MinimumLevel { get; set; } = minimumLevel;

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public IEnumerable<LogEvent> WithId(int id) => Events.Where(e => e.Id.Id == id);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            owner._events.Enqueue(new LogEvent(category, logLevel, eventId, formatter(state, exception), [.. values], exception));
        }
    }
}
