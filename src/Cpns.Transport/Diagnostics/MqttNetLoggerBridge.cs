using System.Globalization;
using Microsoft.Extensions.Logging;
using MQTTnet.Diagnostics.Logger;

namespace Cpns.Transport;

/// <summary>Forwards MQTTnet's own log lines to an <see cref="ILogger"/>; MQTTnet's Info is chatty, so it becomes Debug.</summary>
internal sealed partial class MqttNetLoggerBridge(ILogger logger) : IMqttNetLogger
{
    public bool IsEnabled => logger.IsEnabled(LogLevel.Debug);

    public void Publish(MqttNetLogLevel logLevel, string source, string message, object[] parameters, Exception exception)
    {
        var level = logLevel switch
        {
            MqttNetLogLevel.Verbose => LogLevel.Trace,
            MqttNetLogLevel.Info => LogLevel.Debug,
            MqttNetLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        if (!logger.IsEnabled(level))
        {
            return;
        }

        var text = message;
        if (parameters is { Length: > 0 })
        {
            try
            {
                text = string.Format(CultureInfo.InvariantCulture, message, parameters);
            }
            catch (FormatException)
            {
                // Keep the raw template: a log line must never throw.
            }
        }

        Log(logger, level, source, text, exception);
    }

    [LoggerMessage(EventId = 900, Message = "MQTTnet {Source}: {Text}")]
    private static partial void Log(ILogger logger, LogLevel level, string source, string text, Exception? exception);
}
