using System.Collections.Concurrent;
using System.Text;
using Cpns.Device.Client;
using Cpns.Device.Groups;
using Cpns.Device.Storage;
using Microsoft.Extensions.Logging;

namespace Cpns.Cli.Demo;

/// <summary>A PNE hosted in this process: a real <see cref="DeviceClient"/> with its own data directory, MQTT connection and TLS identity.</summary>
internal sealed class InProcessPne : StoryPne
{
    private readonly DeviceClient _client;
    private readonly ConcurrentQueue<(string GroupId, ulong Epoch, GroupKeyReceiveStatus Status)> _handled = new();
    private readonly ConcurrentQueue<(string GroupId, string Sender, string Text)> _received = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    private InProcessPne(string pneId, GatewayProcess gateway, DeviceClient client)
        : base(pneId, gateway)
    {
        _client = client;
        client.GroupKeyHandled = (group, epoch, status) => _handled.Enqueue((group, epoch, status));
        _reader = Task.Run(ReadAsync);
    }

    public override IReadOnlyList<(string GroupId, string Sender, string Text)> Received => [.. _received];

    /// <summary>Pairs with the gateway (a code from its control socket), then connects to its PN broker and gets the GKDK.</summary>
    public static async Task<InProcessPne> PairAsync(string pneId, GatewayProcess gateway, string dataDirectory, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var code = await gateway.StartPairingAsync(pneId, cancellationToken).ConfigureAwait(false);
        var options = new DeviceClientOptions { DataDirectory = dataDirectory, GkdkTimeout = TimeSpan.FromSeconds(30) };
        var client = await DeviceClient.PairAsync(options, code, gateway.PairingEndpoint, pneId, loggerFactory: logs, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var pne = new InProcessPne(pneId, gateway, client);
            await client.StartAsync(gateway.PnEndpoint, cancellationToken).ConfigureAwait(false);
            return pne;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override Task<GroupKeyInfo?> GetGroupAsync(string groupId, CancellationToken cancellationToken) => _client.Store.GetGroupAsync(groupId, cancellationToken);

    public override Task<(bool HasGkdk, int? Leaf)> GetGkdkAsync(CancellationToken cancellationToken) =>
        Task.FromResult((_client.Store.HasGkdk, _client.Store.Leaf));

    public override bool FailedToOpen(string groupId, ulong epoch) =>
        _handled.Any(h => h.GroupId == groupId && h.Epoch >= epoch && h.Status is GroupKeyReceiveStatus.NotARecipient or GroupKeyReceiveStatus.AuthenticationFailed);

    public override Task SendAsync(string groupId, string text, CancellationToken cancellationToken) =>
        _client.SendAsync(groupId, Encoding.UTF8.GetBytes(text), cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _client.DisposeAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var message in _client.ReadMessagesAsync(_stop.Token).ConfigureAwait(false))
            {
                _received.Enqueue((message.GroupId, message.SenderPneId, Encoding.UTF8.GetString(message.Payload.Span)));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}
