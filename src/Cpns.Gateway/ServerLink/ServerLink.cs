using System.Threading.Channels;
using Cpns.Gateway.Hosting;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cpns.Gateway.ServerLink;

/// <summary>
/// The PN GW's link to the CPNS Server (docs/gateway-host.md, "Server link"): enrollment with a one-time token on
/// the first start, then a persistent MQTT 5 session over TLS with the issued client certificate. Every envelope
/// of <c>cpns/v1/gw/{id}/down</c> goes to <see cref="GatewayHost.HandleServerEnvelopeAsync"/> and its answer to
/// <c>cpns/v1/gw/{id}/up</c>; after every (re)connect a <c>SyncRequest</c> (the epochs held) and a
/// <c>PnInventoryReport</c> go up, and the <c>SyncResponse</c>'s latest notifications and deletes take the same path.
/// </summary>
/// <remarks>
/// Create it, pass it to <see cref="GatewayHost.StartAsync"/> as the <see cref="IServerUplink"/>, then call
/// <see cref="StartAsync"/> with the host. What the host sends unasked is queued and published in order by one
/// pump, so that a server outage never stalls the PN's message handling.
/// </remarks>
public sealed partial class ServerLink : IServerUplink, IAsyncDisposable
{
    private readonly ServerLinkOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<ServerLink> _logger;
    private readonly Channel<(string Topic, byte[] Payload, string Body)> _outbox =
        Channel.CreateUnbounded<(string, byte[], string)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly CancellationTokenSource _stopping = new();
    private GatewayHost? _host;
    private ServerCredentials? _credentials;
    private MqttConnection? _connection;
    private Task? _pump;
    private long _syncResponses;
    private int _disposed;

    /// <summary>Creates the link; nothing happens before <see cref="StartAsync"/>.</summary>
    /// <param name="options">Server address, token, broker override.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    public ServerLink(ServerLinkOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<ServerLink>();
    }

    /// <summary>Whether the data directory holds server credentials from an earlier enrollment.</summary>
    /// <param name="dataDirectory">The gateway's data directory.</param>
    /// <returns>True when no token is needed any more.</returns>
    public static bool IsEnrolled(string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        return File.Exists(Path.Combine(dataDirectory, ServerCredentials.FileName));
    }

    /// <summary>Whether the MQTT session with the server broker is up right now.</summary>
    public bool IsConnected => _connection?.IsConnected ?? false;

    /// <summary>The server broker in use (after <see cref="StartAsync"/>).</summary>
    public MqttBrokerEndpoint? Broker { get; private set; }

    /// <summary>How many SyncResponses have been handled since start.</summary>
    public long SyncResponseCount => Interlocked.Read(ref _syncResponses);

    /// <summary>
    /// Enrolls when the data directory holds no server certificate yet (<see cref="ServerLinkOptions.EnrollmentToken"/>,
    /// stores the certificate and the per-gateway key), then connects to the server broker in the background and
    /// returns once the downlink subscription is in place.
    /// </summary>
    /// <param name="host">The running gateway host this link serves.</param>
    /// <param name="cancellationToken">Gives up starting.</param>
    /// <returns>A task that completes when the link is connected and subscribed.</returns>
    /// <exception cref="GatewayStartupException">Not enrolled and no token, or the enrollment was refused.</exception>
    public async Task StartAsync(GatewayHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.CompareExchange(ref _host, host, null) is not null)
        {
            GatewayThrow.InvalidOperation("The server link is already started.");
        }

        var directory = Path.GetFullPath(host.Store.Options.DataDirectory);
        _credentials = ServerCredentials.Load(host.Store, directory);
        if (_credentials is null)
        {
            _credentials = await EnrollAsync(host.Store, directory, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Log.CredentialsLoaded(_logger, host.GatewayId, _credentials.Mqtt.ToString());
        }

        Broker = _options.Mqtt ?? _credentials.Mqtt;
        var connection = new MqttConnection(
            new MqttConnectionOptions
            {
                Broker = Broker,
                ClientId = host.GatewayId,
                ClientCertificate = _credentials.Certificate,
                CaCertificate = _credentials.Ca,
                PersistentSession = true,
                ReconnectDelay = _options.ReconnectDelay,
                MaxReconnectDelay = _options.MaxReconnectDelay,
            },
            _loggerFactory);
        connection.MessageReceived = OnMessageAsync;
        connection.Connected = OnConnectedAsync;
        _connection = connection;

        // Subscribe before starting: the connection renews remembered subscriptions before it calls Connected, so
        // the SyncResponse to the SyncRequest sent there cannot arrive before the downlink subscription.
        var subscribed = connection.SubscribeAsync(Topics.GatewayDown(host.GatewayId), cancellationToken);
        // Group messages other PNs' gateways relay through the server broker (architecture.md); the host
        // republishes one only into this PN's messages topic, where only member devices can open it.
        var relays = connection.SubscribeAsync(Topics.RelayAll, cancellationToken);
        connection.Start();
        _pump = Task.Run(() => PumpAsync(_stopping.Token), CancellationToken.None);
        await subscribed.ConfigureAwait(false);
        await relays.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task SendAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (_host is not { } host)
        {
            Log.NotStarted(_logger, envelope.BodyCase.ToString());
            return Task.CompletedTask;
        }

        _outbox.Writer.TryWrite((Topics.GatewayUp(host.GatewayId), EnvelopeCodec.Encode(envelope), envelope.BodyCase.ToString()));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task RelayGroupMessageAsync(string groupId, ReadOnlyMemory<byte> groupMessage, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        if (_host is not { } host || !Topics.IsValidId(groupId))
        {
            Log.NotStarted(_logger, "GroupMessage");
            return Task.CompletedTask;
        }

        _outbox.Writer.TryWrite((Topics.Relay(groupId, host.GatewayId), groupMessage.ToArray(), "GroupMessage"));
        return Task.CompletedTask;
    }

    /// <summary>Disconnects from the server broker (the broker keeps the session); the host is not disposed.</summary>
    /// <returns>A task that completes when the link is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _outbox.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_pump is not null)
        {
            await _pump.ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        _credentials?.Dispose();
        _stopping.Dispose();
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (topic, payload, _) in _outbox.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    // Waits for the connection and retries after a loss: at least once while the gateway runs.
                    await _connection!.PublishAsync(topic, payload, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.SendFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task OnConnectedAsync(ConnectedContext context, CancellationToken cancellationToken)
    {
        var host = _host!;
        try
        {
            var sync = new SyncRequest();
            sync.Known.AddRange(await host.GetGroupEpochsAsync(cancellationToken).ConfigureAwait(false));
            var inventory = await host.CreateInventoryReportAsync(cancellationToken).ConfigureAwait(false);
            await SendAsync(EnvelopeCodec.CreateEnvelope(inventory, host.GatewayId), cancellationToken).ConfigureAwait(false);
            await SendAsync(EnvelopeCodec.CreateEnvelope(sync, host.GatewayId), cancellationToken).ConfigureAwait(false);
            Log.Synced(_logger, context.ConnectCount, sync.Known.Count, inventory.Registered.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.SyncFailed(_logger, e);
        }
    }

    private async Task OnMessageAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        try
        {
            if (Topics.TryParse(message.Topic, out var topic) && topic.Kind == TopicKind.Relay)
            {
                // Our own relays come back through the wildcard subscription; this PN has them already.
                if (_host is { } relayHost && !string.Equals(topic.GatewayId, relayHost.GatewayId, StringComparison.Ordinal))
                {
                    await relayHost.DeliverRelayedGroupMessageAsync(topic.GroupId!, message.Payload, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            if (!EnvelopeCodec.TryDecode(message.Payload.Span, out var envelope, out var error))
            {
                Log.Refused(_logger, error);
                Diagnostics.GatewayMetrics.ServerInputRefused.Add(1, new KeyValuePair<string, object?>("reason", "malformed_envelope"));
                return;
            }

            if (envelope.BodyCase == Envelope.BodyOneofCase.PnInventoryAck)
            {
                Log.InventoryAcknowledged(_logger, envelope.PnInventoryAck.Status.ToString());
                return;
            }

            if (envelope.BodyCase != Envelope.BodyOneofCase.SyncResponse)
            {
                await HandleAsync(envelope, cancellationToken).ConfigureAwait(false);
                return;
            }

            // Each latest notification and each delete takes the path of a live one; the answers correlate
            // with the SyncResponse that carried them.
            var sync = envelope.SyncResponse;
            Log.SyncResponse(_logger, sync.Latest.Count, sync.Deletes.Count);
            foreach (var notification in sync.Latest)
            {
                var carried = envelope.Clone();
                carried.GroupKeyNotification = notification;
                await HandleAsync(carried, cancellationToken).ConfigureAwait(false);
            }

            foreach (var delete in sync.Deletes)
            {
                var carried = envelope.Clone();
                carried.GroupKeyDelete = delete;
                await HandleAsync(carried, cancellationToken).ConfigureAwait(false);
            }

            Interlocked.Increment(ref _syncResponses);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ConnectionLostException)
        {
            // Not a bad message: the link dropped under the answer; the connection logs it and reconnects.
            throw;
        }
        catch (Exception e)
        {
            // The link's outer boundary: one bad message never stops it.
            Log.HandlingFailed(_logger, e);
        }
    }

    private async Task HandleAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var answer = await _host!.HandleServerEnvelopeAsync(envelope, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        Log.Handled(_logger, envelope.BodyCase.ToString(), answer?.BodyCase.ToString() ?? "nothing");
        if (answer is not null)
        {
            // Through the outbox, not from inside the receive callback: a QoS 1 publish waiting there for its
            // PUBACK can time out while the client is busy delivering this very message.
            _outbox.Writer.TryWrite((Topics.GatewayUp(_host!.GatewayId), EnvelopeCodec.Encode(answer), answer.BodyCase.ToString()));
        }
    }
}
