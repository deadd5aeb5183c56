using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cpns.Pn.Tests.Support;

/// <summary>Captures log events (id, category, message) in memory.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider, ILoggerFactory
{
    public ConcurrentQueue<(int EventId, string Category, string Message)> Events { get; } = new();

    public ILoggerFactory Factory => this;

    public bool Has(int eventId) => Events.Any(e => e.EventId == eventId);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Events.Enqueue((eventId.Id, category, formatter(state, exception) + (exception is null ? "" : " EX: " + exception)));
    }
}
