using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cpns.Load.Fleet;

/// <summary>
/// The simulated gateways' and devices' logger: counts warnings and errors by category and keeps the first error
/// messages; everything below warning is off (a fleet of thousands logging each delivery would measure the logger).
/// </summary>
internal sealed class CountingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    private const int KeptMessages = 20;
    private readonly ConcurrentDictionary<string, CountingLogger> _loggers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _warnings = new();
    private long _errorCount;
    private long _warningCount;

    public long ErrorCount => Interlocked.Read(ref _errorCount);

    public long WarningCount => Interlocked.Read(ref _warningCount);

    public IReadOnlyList<string> ErrorMessages => [.. _errors];

    public IReadOnlyList<string> WarningMessages => [.. _warnings];

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, c => new CountingLogger(this, c));

    public void AddProvider(ILoggerProvider provider)
    {
        // One sink only.
    }

    public void Dispose()
    {
        // Nothing to release.
    }

    private void Record(string category, LogLevel level, string message)
    {
        // A PNE of the PN that is not a member cannot open a group's broadcast: by design, not a warning of the run.
        // The device logs "GroupKeyNotStored (NotARecipient at epoch N)".
        if (level < LogLevel.Error && message.Contains("(NotARecipient", StringComparison.Ordinal))
        {
            return;
        }

        if (level >= LogLevel.Error)
        {
            Interlocked.Increment(ref _errorCount);
            if (_errors.Count < KeptMessages)
            {
                _errors.Enqueue($"{category}: {message}");
            }
        }
        else
        {
            Interlocked.Increment(ref _warningCount);
            if (_warnings.Count < KeptMessages)
            {
                _warnings.Enqueue($"{category}: {message}");
            }
        }
    }

    private sealed class CountingLogger(CountingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var text = formatter(state, exception);
                owner.Record(category, logLevel, exception is null ? text : $"{text} ({exception.GetType().Name}: {exception.Message})");
            }
        }
    }
}
