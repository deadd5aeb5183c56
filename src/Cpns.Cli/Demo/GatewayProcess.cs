using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cpns.Cli.Control;
using Cpns.Transport;

namespace Cpns.Cli.Demo;

/// <summary>
/// A <c>cpns gateway run</c> process on loopback, enrolled with a one-time token on its first start; restarted from
/// its data directory on the same ports, so that its PNEs reconnect by themselves.
/// </summary>
internal sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly string _logPath;
    private readonly Uri _server;

    private GatewayProcess(string gatewayId, string pnId, string dataDirectory, string logPath, Uri server)
    {
        GatewayId = gatewayId;
        PnId = pnId;
        DataDirectory = dataDirectory;
        _logPath = logPath;
        _server = server;
    }

    public string GatewayId { get; }

    public string PnId { get; }

    public string DataDirectory { get; }

    public CpnsProcess Process { get; private set; } = null!;

    /// <summary>The PN broker PNEs connect to.</summary>
    public MqttBrokerEndpoint PnEndpoint { get; private set; } = null!;

    /// <summary>The pairing listener.</summary>
    public MqttBrokerEndpoint PairingEndpoint { get; private set; } = null!;

    public static async Task<GatewayProcess> StartAsync(string gatewayId, string pnId, string dataDirectory, string logPath, Uri server, string token, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var gateway = new GatewayProcess(gatewayId, pnId, dataDirectory, logPath, server);
        await gateway.StartAsync(["--pn-id", pnId, "--gateway-id", gatewayId, "--enroll-token", token, "--pn-listen", "127.0.0.1:0", "--pairing-listen", "127.0.0.1:0"], timeout, cancellationToken).ConfigureAwait(false);
        return gateway;
    }

    /// <summary>Starts the gateway again from its data directory (no token: the stored certificate) on the same ports.</summary>
    public async Task RestartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Process.DisposeAsync().ConfigureAwait(false);
        await StartAsync(["--pn-listen", $"127.0.0.1:{PnEndpoint.Port}", "--pairing-listen", $"127.0.0.1:{PairingEndpoint.Port}"], timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the running gateway for a pairing code (<c>cpns gateway pair</c>).</summary>
    public async Task<string> StartPairingAsync(string alias, CancellationToken cancellationToken)
    {
        // `cpns gateway run` listens on its control socket before it prints the ready line StartAsync waited for.
        var answer = await ControlChannel.RequestAsync(DataDirectory, new JsonObject { ["command"] = "pair", ["alias"] = alias }, cancellationToken).ConfigureAwait(false);
        return (string?)answer["code"] ?? throw new InvalidOperationException($"{GatewayId} refused to start pairing: {(string?)answer["error"]}");
    }

    public ValueTask DisposeAsync() => Process?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task StartAsync(IEnumerable<string> extra, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Process = CpnsProcess.Start(GatewayId, _logPath, ["gateway", "run", "--data", DataDirectory, "--server", _server.ToString(), .. extra]);
        var ready = await Process.WaitForLineAsync(l => ReadyLine().IsMatch(l), timeout, cancellationToken).ConfigureAwait(false);
        var match = ReadyLine().Match(ready);
        if (!MqttBrokerEndpoint.TryParse(match.Groups["pn"].Value, out var pn) || !MqttBrokerEndpoint.TryParse(match.Groups["pairing"].Value, out var pairing))
        {
            throw new InvalidOperationException($"{GatewayId} printed an unexpected ready line: {ready}");
        }

        PnEndpoint = pn;
        PairingEndpoint = pairing;
    }

    [GeneratedRegex(@"^gateway \S+ of PN \S+: PN broker (?<pn>[^,\s]+), pairing (?<pairing>[^;\s]+); server broker")]
    private static partial Regex ReadyLine();
}
