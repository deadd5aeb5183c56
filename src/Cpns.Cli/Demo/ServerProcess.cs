using System.Text.RegularExpressions;
using Cpns.Transport;

namespace Cpns.Cli.Demo;

/// <summary>A <c>cpns server</c> process on loopback, started and waited for until it serves.</summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly List<string> _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _logPath;

    private ServerProcess(string name, List<string> arguments, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        Name = name;
        _arguments = arguments;
        _environment = environment;
        _logPath = logPath;
    }

    public string Name { get; }

    public CpnsProcess Process { get; private set; } = null!;

    /// <summary>The REST API's base address.</summary>
    public Uri Api { get; private set; } = null!;

    /// <summary>The broker the server uses (its embedded one, or the external one).</summary>
    public MqttBrokerEndpoint Mqtt { get; private set; } = null!;

    /// <summary>The bootstrap operator API key, printed on the first start of a new database only.</summary>
    public string? BootstrapKey { get; private set; }

    /// <summary>
    /// Starts <c>cpns server --data <paramref name="dataDirectory"/></c> on a free loopback port (or <paramref name="http"/>)
    /// with <paramref name="extra"/> arguments and waits for its ready line.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(
        string name,
        string dataDirectory,
        string logPath,
        IEnumerable<string> extra,
        IReadOnlyDictionary<string, string> environment,
        string http,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        List<string> arguments = ["server", "--data", dataDirectory, "--http", http, "--mqtt", "127.0.0.1:0", .. extra];
        var server = new ServerProcess(name, arguments, environment, logPath);
        await server.StartAsync(timeout, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>
    /// Starts the process again with the same arguments, the same HTTP port and (embedded broker) the same MQTT port,
    /// after a stop or a kill: gateways keep the broker address they were given at enrollment.
    /// </summary>
    public async Task RestartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Process.DisposeAsync().ConfigureAwait(false);
        var http = _arguments.IndexOf("--http");
        _arguments[http + 1] = Api.GetLeftPart(UriPartial.Authority);
        if (!_arguments.Contains("--broker"))
        {
            var mqtt = _arguments.IndexOf("--mqtt");
            _arguments[mqtt + 1] = $"127.0.0.1:{Mqtt.Port}";
        }

        await StartAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => Process?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task StartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Process = CpnsProcess.Start(Name, _logPath, _arguments, _environment);
        var ready = await Process.WaitForLineAsync(l => l.StartsWith(ServerCommand.ReadyPrefix, StringComparison.Ordinal), timeout, cancellationToken).ConfigureAwait(false);
        var match = ReadyLine().Match(ready);
        if (!match.Success || !MqttBrokerEndpoint.TryParse(match.Groups["mqtt"].Value, out var mqtt))
        {
            throw new InvalidOperationException($"{Name} printed an unexpected ready line: {ready}");
        }

        Api = new Uri(match.Groups["http"].Value);
        Mqtt = mqtt;
        foreach (var line in Process.Lines)
        {
            if (BootstrapKeyLine().Match(line) is { Success: true } key)
            {
                BootstrapKey = key.Groups["key"].Value;
            }
        }
    }

    [GeneratedRegex(@"ready: http (?<http>\S+).* mqtt (?<mqtt>\S+)")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"API key \(shown once, store it now\): (?<key>\S+)")]
    private static partial Regex BootstrapKeyLine();
}
