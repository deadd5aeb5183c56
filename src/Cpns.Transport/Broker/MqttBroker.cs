using System.Buffers;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Cpns.Transport;

/// <summary>
/// The embedded MQTT 5 broker of the CPNS Server and of each PN GW: MQTTnet's server behind TLS 1.2/1.3
/// listeners that require a client certificate from one CA, with the identity of every connection taken from
/// its certificate CN and every publish and subscription checked by an <see cref="ITopicAuthorizationPolicy"/>.
/// </summary>
/// <remarks>
/// <para>Identity: the TLS layer validates the client certificate against <see cref="MqttBrokerOptions.ClientCaCertificate"/>
/// (EKU clientAuth); at MQTT CONNECT the broker reads the certificate's CN and refuses the connection unless the
/// MQTT client id equals it. The user name and password are ignored. Because the client id is bound to the
/// certificate, the ACL can read the identity back from the client id on every later packet, and no client can
/// take over another's session.</para>
/// <para>Pairing: on the optional pairing listener no certificate is asked for; the client id must be
/// <c>pairing/{pairingId}</c> (a form no certificate identity can have) and the policy sees a
/// <see cref="PeerKind.Pairing"/> peer.</para>
/// <para>Refusals are logged with the reason, counted on <see cref="TransportMeter"/>, answered with the MQTT 5
/// reason code NotAuthorized (0x87) and a reason string; the broker keeps serving.</para>
/// </remarks>
public sealed partial class MqttBroker : IAsyncDisposable
{
    /// <summary>How often the broker looks for clients that sent nothing for 1.5 times their keep-alive, and drops them.</summary>
    internal static readonly TimeSpan KeepAliveMonitorInterval = TimeSpan.FromSeconds(2);

    private readonly MqttServer _server;
    private readonly TlsServerAdapter _adapter;
    private readonly ITopicAuthorizationPolicy _policy;
    private readonly RetainedMessageFile? _retainedFile;
    private readonly Func<string, Task>? _clientConnected;
    private readonly IReadOnlyList<string> _localTopicFilters;
    private readonly Func<ReceivedMessage, CancellationToken, Task>? _localReceiver;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _localDrained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _localInFlight;
    private readonly ILogger _logger;
    private int _stopped;

    private MqttBroker(MqttServer server, TlsServerAdapter adapter, MqttBrokerOptions options, ITopicAuthorizationPolicy policy, RetainedMessageFile? retainedFile, ILogger logger)
    {
        _clientConnected = options.ClientConnected;
        _localTopicFilters = [.. options.LocalTopicFilters];
        _localReceiver = options.LocalReceiver;
        _server = server;
        _adapter = adapter;
        _policy = policy;
        _retainedFile = retainedFile;
        _logger = logger;
    }

    /// <summary>The bound address of the authenticated listener (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; private set; } = null!;

    /// <summary>The bound address of the pairing listener, or null when it is off.</summary>
    public IPEndPoint? PairingLocalEndPoint { get; private set; }

    /// <summary><see cref="LocalEndPoint"/> as an <c>mqtts://</c> endpoint for clients.</summary>
    public MqttBrokerEndpoint Endpoint => MqttBrokerEndpoint.FromIPEndPoint(LocalEndPoint);

    /// <summary><see cref="PairingLocalEndPoint"/> as an <c>mqtts://</c> endpoint, or null.</summary>
    public MqttBrokerEndpoint? PairingEndpoint => PairingLocalEndPoint is { } p ? MqttBrokerEndpoint.FromIPEndPoint(p) : null;

    /// <summary>Starts a broker.</summary>
    /// <param name="options">Certificates, policy, addresses.</param>
    /// <param name="loggerFactory">Where logs go; none when null.</param>
    /// <param name="cancellationToken">Cancels loading retained messages.</param>
    /// <returns>The running broker.</returns>
    public static async Task<MqttBroker> StartAsync(MqttBrokerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var serverCertificate = options.ServerCertificate
            ?? throw new ArgumentException("ServerCertificate is required.", nameof(options));
        var clientCa = options.ClientCaCertificate
            ?? throw new ArgumentException("ClientCaCertificate is required.", nameof(options));
        var policy = options.AuthorizationPolicy
            ?? throw new ArgumentException("AuthorizationPolicy is required.", nameof(options));
        ArgumentNullException.ThrowIfNull(options.Address, nameof(options));
        if (!serverCertificate.HasPrivateKey)
        {
            TransportThrow.InvalidArgument(nameof(options), "ServerCertificate must hold its private key.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.HandshakeTimeout, TimeSpan.Zero, nameof(options));
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<MqttBroker>();

        var adapter = new TlsServerAdapter(serverCertificate, clientCa, options.HandshakeTimeout, logger);
        adapter.AddListener(TlsListenerKind.Authenticated, new IPEndPoint(options.Address, options.Port));
        if (options.EnablePairingListener)
        {
            adapter.AddListener(TlsListenerKind.Pairing, new IPEndPoint(options.Address, options.PairingPort));
        }

        var serverOptions = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropOldestQueuedMessage)
            .Build();

        // MQTTnet gives every broker a thread that wakes this often to look for clients silent past 1.5 keep-alives
        // (500 ms by default): with a broker per gateway, the load tool's fleet spent a twentieth of its CPU there
        // (fix 24 in bench/results/load-notes.md). A silent client is so dropped up to this much later.
        serverOptions.KeepAliveOptions.MonitorInterval = KeepAliveMonitorInterval;

        var mqttLogger = new MqttNetLoggerBridge(loggerFactory.CreateLogger("MQTTnet.Server"));
        var server = new MqttServerFactory().CreateMqttServer(serverOptions, [adapter], mqttLogger);
        var retainedFile = options.RetainedMessagesPath is { } path ? new RetainedMessageFile(path) : null;
        var broker = new MqttBroker(server, adapter, options, policy, retainedFile, logger);
        server.ValidatingConnectionAsync += broker.OnValidatingConnectionAsync;
        server.InterceptingPublishAsync += broker.OnInterceptingPublishAsync;
        server.InterceptingSubscriptionAsync += broker.OnInterceptingSubscriptionAsync;
        server.ClientConnectedAsync += broker.OnClientConnectedAsync;
        server.ClientDisconnectedAsync += broker.OnClientDisconnectedAsync;
        if (retainedFile is not null)
        {
            var loaded = await broker.LoadRetainedAsync(retainedFile, cancellationToken).ConfigureAwait(false);
            server.LoadingRetainedMessageAsync += e =>
            {
                e.LoadedRetainedMessages = loaded;
                return Task.CompletedTask;
            };
            server.RetainedMessageChangedAsync += broker.OnRetainedMessageChangedAsync;
            server.RetainedMessagesClearedAsync += broker.OnRetainedMessagesClearedAsync;
        }

        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        broker.LocalEndPoint = adapter.GetBoundEndPoint(TlsListenerKind.Authenticated)!;
        broker.PairingLocalEndPoint = adapter.GetBoundEndPoint(TlsListenerKind.Pairing);
        return broker;
    }

    /// <summary>
    /// Publishes a message from this process (QoS 1), as a client of this broker would, to every subscriber and, when
    /// <paramref name="retain"/>, into the retained store (an empty payload clears the topic's retained message).
    /// The ACL does not apply: the process that owns the broker is not one of its peers.
    /// </summary>
    /// <param name="topic">The topic name (no wildcards).</param>
    /// <param name="payload">The payload; copied.</param>
    /// <param name="retain">Whether the broker keeps it for later subscribers.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>A task that completes when the message is queued for every subscriber's session.</returns>
    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain = false, CancellationToken cancellationToken = default)
    {
        var message = OutgoingMessage.Build(topic, payload, retain);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _stopped) != 0, this);
        return _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message), cancellationToken);
    }

    /// <summary>
    /// Disconnects every client and closes the listeners, after the <see cref="MqttBrokerOptions.LocalReceiver"/> calls
    /// in flight have ended (they see their token cancelled). Persistent sessions are lost (they live in memory).
    /// </summary>
    /// <returns>A task that completes when the broker has stopped.</returns>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            if (Volatile.Read(ref _localInFlight) == 0)
            {
                _localDrained.TrySetResult();
            }

            await _localDrained.Task.ConfigureAwait(false);
            var stop = new MqttServerStopOptionsBuilder()
                .WithDefaultClientDisconnectOptions(o => o.WithReasonCode(MqttDisconnectReasonCode.ServerShuttingDown))
                .Build();
            await _server.StopAsync(stop).ConfigureAwait(false);
        }
        finally
        {
            _server.Dispose();
            _adapter.Dispose();
            _stopping.Dispose();
            LogStopped(_logger, LocalEndPoint);
        }
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    /// <returns>A task that completes when the broker has stopped.</returns>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Drops one client's connection (its persistent session stays). For tests and administration.</summary>
    internal Task DisconnectClientAsync(string clientId) =>
        _server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.AdministrativeAction });

    private Task OnValidatingConnectionAsync(ValidatingConnectionEventArgs e)
    {
        if (!_adapter.TryGetConnection(e.ChannelAdapter, out var connection))
        {
            Refuse(e, MqttConnectReasonCode.NotAuthorized, "connection did not come through a TLS listener");
            return Task.CompletedTask;
        }

        if (e.ProtocolVersion != MqttProtocolVersion.V500)
        {
            Refuse(e, MqttConnectReasonCode.UnsupportedProtocolVersion, "MQTT 5 required");
            return Task.CompletedTask;
        }

        if (connection.Listener == TlsListenerKind.Pairing)
        {
            if (PeerIdentity.FromClientId(e.ClientId) is not { Kind: PeerKind.Pairing })
            {
                Refuse(e, MqttConnectReasonCode.ClientIdentifierNotValid, "pairing client id must be pairing/{pairingId}");
                return Task.CompletedTask;
            }

            return Task.CompletedTask;
        }

        var certificate = connection.ClientCertificate ?? e.ClientCertificate;
        if (certificate is null)
        {
            Refuse(e, MqttConnectReasonCode.NotAuthorized, "no client certificate");
            return Task.CompletedTask;
        }

        var identity = CertificateNames.GetIdentity(certificate);
        if (identity is null)
        {
            Refuse(e, MqttConnectReasonCode.NotAuthorized, "client certificate has no valid CN");
            return Task.CompletedTask;
        }

        if (!string.Equals(e.ClientId, identity, StringComparison.Ordinal))
        {
            Refuse(e, MqttConnectReasonCode.ClientIdentifierNotValid, "client id must equal the certificate CN");
            return Task.CompletedTask;
        }

        return Task.CompletedTask;
    }

    private void Refuse(ValidatingConnectionEventArgs e, MqttConnectReasonCode code, string reason)
    {
        e.ReasonCode = code;
        e.ReasonString = reason;
        LogConnectionRefused(_logger, e.RemoteEndPoint, e.ClientId, reason);
        TransportMeter.ConnectionRefused(reason);
    }

    private Task OnInterceptingPublishAsync(InterceptingPublishEventArgs e)
    {
        // Messages the broker itself injects carry no client id; only peers are subject to the ACL.
        if (string.IsNullOrEmpty(e.ClientId))
        {
            return Task.CompletedTask;
        }

        var decision = Authorize(e.ClientId, e.ApplicationMessage.Topic, TopicAction.Publish);
        if (!decision.IsAllowed)
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = decision.Reason;
            return Task.CompletedTask;
        }

        return IsLocal(e.ApplicationMessage.Topic) ? ReceiveLocallyAsync(e) : Task.CompletedTask;
    }

    private bool IsLocal(string topic)
    {
        if (_localReceiver is null)
        {
            return false;
        }

        foreach (var filter in _localTopicFilters)
        {
            if (MqttTopicFilterComparer.Compare(topic, filter) == MqttTopicFilterCompareResult.IsMatch)
            {
                return true;
            }
        }

        return false;
    }

    // Runs in the publisher's receive loop: its next packet waits, so its messages are handled in order, and the
    // PUBACK MQTTnet sends when this returns follows the handling.
    private async Task ReceiveLocallyAsync(InterceptingPublishEventArgs e)
    {
        e.ProcessPublish = false;

        // Counted in before the stop check, so that StopAsync, which cancels before it reads the count, either sees
        // this call or this call sees the cancellation.
        Interlocked.Increment(ref _localInFlight);
        try
        {
            if (_stopping.IsCancellationRequested)
            {
                e.CloseConnection = true;
                return;
            }

            var token = _stopping.Token;
            var message = new ReceivedMessage(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), Retained: false);
            try
            {
                await _localReceiver!(message, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                e.CloseConnection = true;
            }
            catch (Exception ex)
            {
                // The receiver's business; a failure there must not take the publisher's connection or the broker down.
                TransportMeter.HandlerFailures.Add(1);
                LogLocalReceiverFailed(_logger, e.ClientId, message.Topic, ex);
                e.Response.ReasonCode = MqttPubAckReasonCode.UnspecifiedError;
                e.Response.ReasonString = "the message could not be handled";
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _localInFlight) == 0 && _stopping.IsCancellationRequested)
            {
                _localDrained.TrySetResult();
            }
        }
    }

    private Task OnInterceptingSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        var decision = Authorize(e.ClientId, e.TopicFilter.Topic, TopicAction.Subscribe);
        if (!decision.IsAllowed)
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            e.Response.ReasonString = decision.Reason;
        }

        return Task.CompletedTask;
    }

    private TopicAuthorization Authorize(string? clientId, string? topic, TopicAction action)
    {
        TopicAuthorization decision;
        var peer = PeerIdentity.FromClientId(clientId);
        if (peer is null || string.IsNullOrEmpty(topic))
        {
            decision = TopicAuthorization.Deny("unknown peer or empty topic");
        }
        else
        {
            try
            {
                decision = _policy.Authorize(peer.Value, topic, action);
            }
            catch (Exception e)
            {
                // A policy that throws must fail closed without taking the broker down.
                LogPolicyFailed(_logger, clientId, e);
                decision = TopicAuthorization.Deny("authorization policy failed");
            }
        }

        if (!decision.IsAllowed)
        {
            LogOperationRefused(_logger, action, clientId, topic, decision.Reason);
            TransportMeter.OperationRefused(action, decision.Reason);
        }

        return decision;
    }

    private async Task OnClientConnectedAsync(ClientConnectedEventArgs e)
    {
        LogClientConnected(_logger, e.ClientId, e.RemoteEndPoint);
        if (_clientConnected is not null && PeerIdentity.FromClientId(e.ClientId) is { Kind: not PeerKind.Pairing })
        {
            try
            {
                await _clientConnected(e.ClientId).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The callback is the host's business; a failure there must not affect the connection.
                LogClientConnectedCallbackFailed(_logger, e.ClientId, ex);
            }
        }
    }

    private Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        LogClientDisconnected(_logger, e.ClientId, e.DisconnectType);
        return Task.CompletedTask;
    }

    private async Task<List<MqttApplicationMessage>> LoadRetainedAsync(RetainedMessageFile file, CancellationToken cancellationToken)
    {
        try
        {
            var messages = await file.LoadAsync(cancellationToken).ConfigureAwait(false);
            LogRetainedLoaded(_logger, messages.Count, file.Path);
            return messages;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // The gateway republishes the latest broadcast of each group on start, so an unreadable file only
            // costs a short gap; refusing to start would cost the whole PN.
            LogRetainedLoadFailed(_logger, file.Path, e);
            return [];
        }
    }

    private Task OnRetainedMessageChangedAsync(RetainedMessageChangedEventArgs e) => SaveRetainedAsync([.. e.StoredRetainedMessages]);

    private Task OnRetainedMessagesClearedAsync(EventArgs e) => SaveRetainedAsync([]);

    private async Task SaveRetainedAsync(List<MqttApplicationMessage> messages)
    {
        try
        {
            await _retainedFile!.SaveAsync(messages, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogRetainedSaveFailed(_logger, _retainedFile!.Path, ex);
        }
    }
}
