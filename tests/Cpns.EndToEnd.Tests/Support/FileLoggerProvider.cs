using Microsoft.Extensions.Logging;

namespace Cpns.EndToEnd.Tests.Support;

/// <summary>Debug aid: when CPNS_E2E_LOG names a file, every log line of the server, gateways and links is appended to it.</summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public static ILoggerProvider? Shared { get; } =
        Environment.GetEnvironmentVariable("CPNS_E2E_LOG") is { Length: > 0 } path ? new FileLoggerProvider(path) : null;

    public static ILoggerFactory Factory { get; } = Shared is { } shared
        ? LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(shared))
        : Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (_lock)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug && !category.StartsWith("Microsoft", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {exception}");
            }
        }
    }
}
