using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cpns.Security.Tests.Support;

/// <summary>
/// Captures every log event of every component at Debug and above (category, event id, level, formatted message and
/// the exception's full text) in memory; one instance is both the provider (for the server's logging builder) and
/// the factory (for gateways, links and devices).
/// </summary>
internal sealed class LogCapture : ILoggerProvider, ILoggerFactory
{
    public ConcurrentQueue<LogLine> Lines { get; } = new();

    /// <summary>Every line as one text: message and exception.</summary>
    public IEnumerable<string> Texts => Lines.Select(l => l.Text);

    public bool Has(int eventId, string contains) =>
        Lines.Any(l => l.EventId == eventId && l.Text.Contains(contains, StringComparison.Ordinal));

    public bool Has(string contains) => Lines.Any(l => l.Text.Contains(contains, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    internal sealed record LogLine(string Category, int EventId, LogLevel Level, string Message, string? Exception)
    {
        public string Text => Exception is null ? Message : Message + " " + Exception;

        public override string ToString() => $"{Level} {Category}[{EventId}] {Text}";
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Lines.Enqueue(new LogLine(category, eventId.Id, logLevel, formatter(state, exception), exception?.ToString()));
            }
        }
    }
}
