using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Housing.Tests.Infrastructure;

/// <summary>A logger provider that keeps every line written to it, at every level, for a test to read.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    public sealed record Line(LogLevel Level, string Category, string Message, Exception? Exception);

    public ConcurrentQueue<Line> Lines { get; } = new();

    public ILogger CreateLogger(string category) => new Logger(this, category);
    public void Dispose() { }

    sealed class Logger(CapturedLog to, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel level) => true;
        public void Log<TState>(LogLevel level, EventId id, TState state, Exception? e, Func<TState, Exception?, string> format)
            => to.Lines.Enqueue(new Line(level, category, format(state, e), e));
    }
}
