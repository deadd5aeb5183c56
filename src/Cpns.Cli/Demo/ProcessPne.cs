using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cpns.Cli.Control;
using Cpns.Cli.Device;
using Cpns.Device.Client;
using Cpns.Device.Storage;

namespace Cpns.Cli.Demo;

/// <summary>
/// A PNE as its own process: paired with <c>cpns device pair</c>, run with <c>cpns device run</c>; its key store is
/// read from its data directory (the store file is replaced atomically, so reading beside the running device is safe).
/// </summary>
internal sealed partial class ProcessPne : StoryPne
{
    private readonly string _dataDirectory;
    private readonly string _logPath;
    private readonly Lock _gate = new();
    private readonly List<(string GroupId, string Sender, string Text)> _received = [];
    private readonly List<(string GroupId, ulong Epoch)> _refused = [];
    private int _scanned;

    private ProcessPne(string pneId, GatewayProcess gateway, string dataDirectory, string logPath)
        : base(pneId, gateway)
    {
        _dataDirectory = dataDirectory;
        _logPath = logPath;
    }

    public CpnsProcess Process { get; private set; } = null!;

    public string DataDirectory => _dataDirectory;

    public override IReadOnlyList<(string GroupId, string Sender, string Text)> Received
    {
        get
        {
            lock (_gate)
            {
                ScanNewLines();
                return [.. _received];
            }
        }
    }

    public static async Task<ProcessPne> PairAsync(string pneId, GatewayProcess gateway, string dataDirectory, string logPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var code = await gateway.StartPairingAsync(pneId, cancellationToken).ConfigureAwait(false);
        var (exit, output) = await CpnsProcess.RunAsync(
            logPath,
            ["device", "pair", "--data", dataDirectory, "--pne-id", pneId, "--code", code, "--gateway", gateway.PairingEndpoint.ToString()],
            timeout,
            cancellationToken).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new InvalidOperationException($"cpns device pair of {pneId} failed ({exit}): {output}");
        }

        var pne = new ProcessPne(pneId, gateway, dataDirectory, logPath);
        await pne.StartAsync(timeout, cancellationToken).ConfigureAwait(false);
        return pne;
    }

    /// <summary>Starts <c>cpns device run</c> (again) and waits until it is connected and subscribed.</summary>
    public async Task StartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var process = CpnsProcess.Start(PneId, _logPath, ["device", "run", "--data", _dataDirectory, "--pn", Gateway.PnEndpoint.ToString()]);
        lock (_gate)
        {
            // What the previous process printed stays parsed; the new one is read from its first line.
            Process = process;
            _scanned = 0;
        }

        await Process.WaitForLineAsync(l => l.StartsWith(DeviceCommand.ReadyPrefix, StringComparison.Ordinal), timeout, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<GroupKeyInfo?> GetGroupAsync(string groupId, CancellationToken cancellationToken)
    {
        await using var client = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await client.Store.GetGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<(bool HasGkdk, int? Leaf)> GetGkdkAsync(CancellationToken cancellationToken)
    {
        await using var client = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (client.Store.HasGkdk, client.Store.Leaf);
    }

    public override bool FailedToOpen(string groupId, ulong epoch)
    {
        lock (_gate)
        {
            ScanNewLines();
            return _refused.Any(r => r.GroupId == groupId && r.Epoch >= epoch);
        }
    }

    public override async Task SendAsync(string groupId, string text, CancellationToken cancellationToken)
    {
        var answer = await ControlChannel.RequestAsync(_dataDirectory, new JsonObject { ["command"] = "send", ["group"] = groupId, ["message"] = text }, cancellationToken).ConfigureAwait(false);
        if (answer["error"] is { } error)
        {
            throw new InvalidOperationException($"{PneId} could not send: {(string?)error}");
        }
    }

    public override ValueTask DisposeAsync() => Process?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Parses only the lines printed since the last call: the story polls these many times a second.</summary>
    private void ScanNewLines()
    {
        var (lines, next) = Process.LinesFrom(_scanned);
        _scanned = next;
        foreach (var line in lines)
        {
            if (MessageLine().Match(line) is { Success: true } message)
            {
                _received.Add((message.Groups["group"].Value, message.Groups["sender"].Value, message.Groups["text"].Value));
            }
            else if (RefusedLine().Match(line) is { Success: true } refused)
            {
                _refused.Add((refused.Groups["group"].Value, ulong.Parse(refused.Groups["epoch"].Value, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
    }

    private Task<DeviceClient> OpenAsync(CancellationToken cancellationToken) =>
        DeviceClient.OpenAsync(new DeviceClientOptions { DataDirectory = _dataDirectory }, cancellationToken: cancellationToken);

    // The device's own log of a broadcast it could not open (DeviceClient event 7002, DeviceInputRefusal.GroupKeyNotStored).
    [GeneratedRegex(@"/groups/(?<group>\S+) refused: GroupKeyNotStored \((NotARecipient|AuthenticationFailed) at epoch (?<epoch>\d+)\)")]
    private static partial Regex RefusedLine();

    [GeneratedRegex(@"^\[(?<group>[^\]]+)\] (?<sender>[^:]+): (?<text>.*)$")]
    private static partial Regex MessageLine();
}
