using System.Buffers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Cpns.Transport;

/// <summary>
/// A long-lived MQTT 5 connection over TLS to one broker: client certificate (or none, for pairing), the broker's
/// CA pinned, QoS 1, a persistent session, automatic reconnect with capped exponential back-off and jitter,
/// and a callback after every (re)connect. Used by the CPNS Server, the PN GWs and the PNEs.
/// </summary>
/// <remarks>
/// <para>Delivery: <see cref="PublishAsync"/> waits until connected and retries after a connection loss until the
/// broker acknowledges (PUBACK), so a message is delivered at least once; receivers must tolerate duplicates
/// (the protocol layer does, by epoch). <see cref="SubscribeAsync"/> and <see cref="PublishAsync"/> throw
/// <see cref="TransportException"/> when the broker refuses the operation.</para>
/// <para>Receiving: <see cref="MessageReceived"/> is called for one message at a time, or with
/// <see cref="MqttConnectionOptions.MaxConcurrentMessages"/> above 1 for messages of different topics at once (those
/// of one topic in order); an exception it throws is logged and counted, the message is still acknowledged, and the
/// connection goes on. A publish or subscribe that the handler makes on this same connection is not retried when the
/// link drops under it: MQTTnet finishes a disconnect only after the handler returns, so waiting there for the
/// reconnect would wait forever. The handler throws <see cref="ConnectionLostException"/> instead and is abandoned
/// (logged as a warning); the peer sends again, since every answer in the protocol is awaited and re-sent by its
/// sender.</para>
/// </remarks>
public sealed partial class MqttConnection : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly CertificateValidator _brokerValidator;
    private readonly ILogger _logger;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan _reconnectDelay;
    private readonly TimeSpan _maxReconnectDelay;
    private readonly uint _sessionExpirySeconds;
    private readonly KeepAliveSchedule _keepAlive;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<string> _subscriptions = new(StringComparer.Ordinal);

    // The connection whose MessageReceived handler the current call chain runs in (see the remarks).
    private static readonly AsyncLocal<MqttConnection?> s_handling = new();

    // Received messages per handler slot that may wait for their turn (see the constructor).
    private const int PendingPerHandler = 64;

    // Concurrent receiving (MaxConcurrentMessages > 1); all null when messages are handled inside MQTTnet's loop.
    private readonly SemaphoreSlim? _handlerSlots;
    private readonly SemaphoreSlim? _pendingSlots;
    private readonly Channel<PendingAcknowledgement>? _acknowledgements;
    private readonly Dictionary<string, Task> _topicTails = new(StringComparer.Ordinal);
    private Task? _acknowledgePump;
    private long _disconnectCount;

    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _lost = NewSignal();
    private Task? _loop;
    private long _connectCount;
    private int _pinging;
    private int _disposed;

    /// <summary>Creates a connection; nothing happens on the network until <see cref="Start"/>.</summary>
    /// <param name="options">Broker, identity, certificates and timing.</param>
    /// <param name="loggerFactory">Where logs go; none when null.</param>
    public MqttConnection(MqttConnectionOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var broker = options.Broker ?? throw new ArgumentException("Broker is required.", nameof(options));
        var ca = options.CaCertificate ?? throw new ArgumentException("CaCertificate is required.", nameof(options));
        if (string.IsNullOrEmpty(options.ClientId))
        {
            TransportThrow.InvalidArgument(nameof(options), "ClientId is required.");
        }

        if (options.ClientCertificate is { HasPrivateKey: false })
        {
            TransportThrow.InvalidArgument(nameof(options), "ClientCertificate must hold its private key.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ConnectTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ReconnectDelay, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxReconnectDelay, options.ReconnectDelay, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentMessages, 1, nameof(options));
        if (options.KeepAlive != TimeSpan.Zero && (options.KeepAlive < TimeSpan.FromSeconds(1) || options.KeepAlive > TimeSpan.FromSeconds(ushort.MaxValue)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.KeepAlive, "KeepAlive must be zero (none) or from 1 s to 65,535 s.");
        }
        if (options.MaxConcurrentMessages > 1)
        {
            _handlerSlots = new SemaphoreSlim(options.MaxConcurrentMessages, options.MaxConcurrentMessages);

            // Messages waiting for their topic's turn or for their acknowledgement's turn hold no handler slot, so a
            // burst on one topic does not hold up the others; this bounds them, and past it the broker waits.
            var pending = options.MaxConcurrentMessages * PendingPerHandler;
            _pendingSlots = new SemaphoreSlim(pending, pending);
            _acknowledgements = Channel.CreateUnbounded<PendingAcknowledgement>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        }

        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<MqttConnection>();
        ClientId = options.ClientId;
        _brokerValidator = new CertificateValidator(ca);
        _connectTimeout = options.ConnectTimeout;
        _reconnectDelay = options.ReconnectDelay;
        _maxReconnectDelay = options.MaxReconnectDelay;
        _sessionExpirySeconds = options.PersistentSession
            ? (uint)Math.Clamp(options.SessionExpiry.TotalSeconds, 1, uint.MaxValue - 1)
            : 0;

        var tls = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithTargetHost(broker.Host)
            .WithRevocationMode(X509RevocationMode.NoCheck)
            .WithCertificateValidationHandler(ValidateBrokerCertificate);
        if (options.ClientCertificate is { } certificate)
        {
            tls = tls.WithClientCertificates([certificate]);
        }

        _clientOptions = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(options.ClientId)
            .WithCleanStart(!options.PersistentSession)
            .WithSessionExpiryInterval(_sessionExpirySeconds)
            .WithNoKeepAlive() // announced and kept by _keepAlive (KeepAliveChannel), not by MQTTnet's own poll
            .WithTimeout(options.ConnectTimeout)
            .WithoutPacketFragmentation() // a PUBLISH in one write: one TLS record and one send instead of two
            .WithTlsOptions(tls.Build())
            .Build();

        _keepAlive = new KeepAliveSchedule(options.KeepAlive);
        _client = new MqttClientFactory().CreateMqttClient(new MqttNetLoggerBridge(loggerFactory.CreateLogger("MQTTnet.Client")), _keepAlive);
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>The MQTT client id (the certificate CN, or <c>pairing/{id}</c>).</summary>
    public string ClientId { get; }

    /// <summary>Whether the connection is up right now.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>
    /// Called for every received message: one at a time, or as <see cref="MqttConnectionOptions.MaxConcurrentMessages"/>
    /// allows. Set before <see cref="Start"/>. Exceptions are logged and
    /// do not stop the connection; the token is cancelled when the connection is disposed.
    /// </summary>
    public Func<ReceivedMessage, CancellationToken, Task>? MessageReceived { get; set; }

    /// <summary>
    /// Called after every successful connect and reconnect, once the subscriptions are in place (a PN GW sends its
    /// SyncRequest here). Set before <see cref="Start"/>. Exceptions are logged and do not stop the connection.
    /// </summary>
    public Func<ConnectedContext, CancellationToken, Task>? Connected { get; set; }

    /// <summary>Starts connecting in the background; reconnects for as long as the connection is not disposed.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_lock)
        {
            if (_loop is not null)
            {
                TransportThrow.InvalidOperation("The connection is already started.");
            }

            _loop = Task.Run(() => RunAsync(_stopping.Token));
            KeepAliveClock.Add(this);
            if (_acknowledgements is not null)
            {
                _acknowledgePump = Task.Run(AcknowledgeInOrderAsync);
            }
        }
    }

    /// <summary>Waits until the connection is up (immediately when it is).</summary>
    /// <param name="cancellationToken">Gives up waiting.</param>
    /// <returns>A task that completes when connected.</returns>
    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Volatile.Read(ref _connected).Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Subscribes (QoS 1) and remembers the filter so that it is renewed whenever the broker has lost the session.
    /// Waits until connected.
    /// </summary>
    /// <param name="topicFilter">A topic or filter, e.g. <see cref="Topics.GatewayDown(string)"/>.</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>A task that completes when the broker has granted the subscription.</returns>
    /// <exception cref="TransportException">The broker refused the subscription (e.g. not authorized).</exception>
    public async Task SubscribeAsync(string topicFilter, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topicFilter);
        lock (_lock)
        {
            _subscriptions.Add(topicFilter);
        }

        try
        {
            await WithRetryAsync(ct => SubscribeCoreAsync(topicFilter, ct), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_lock)
            {
                _subscriptions.Remove(topicFilter);
            }

            throw;
        }
    }

    /// <summary>Publishes with QoS 1 and waits for the broker's acknowledgement; waits until connected and retries after a connection loss.</summary>
    /// <param name="topic">The topic name (no wildcards).</param>
    /// <param name="payload">The payload (an Envelope or GroupMessage).</param>
    /// <param name="retain">Ask the broker to keep it for late subscribers (the PN broadcast topics).</param>
    /// <param name="cancellationToken">Gives up.</param>
    /// <returns>A task that completes when the broker has acknowledged the message.</returns>
    /// <exception cref="TransportException">The broker refused the publish (e.g. not authorized).</exception>
    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain = false, CancellationToken cancellationToken = default)
    {
        var message = OutgoingMessage.Build(topic, payload, retain);
        return WithRetryAsync(ct => PublishCoreAsync(message, ct), cancellationToken);
    }

    /// <summary>Stops reconnecting and disconnects gracefully; the broker keeps the persistent session.</summary>
    /// <returns>A task that completes when the connection is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        KeepAliveClock.Remove(this);
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task? loop;
        lock (_lock)
        {
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        // Handlers see the cancellation; those that finished are acknowledged before the disconnect.
        _acknowledgements?.Writer.TryComplete();
        if (_acknowledgePump is { } pump)
        {
            await pump.ConfigureAwait(false);
        }

        if (_client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _client.DisconnectAsync(DisconnectOptions(MqttClientDisconnectOptionsReason.NormalDisconnection), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or IOException)
            {
                LogDisconnectFailed(_logger, ClientId, e.Message);
            }
        }

        Volatile.Read(ref _connected).TrySetException(new ObjectDisposedException(nameof(MqttConnection)));
        _client.Dispose();
        _stopping.Dispose();
        _handlerSlots?.Dispose();
        _pendingSlots?.Dispose();
    }

    /// <summary>A tick of <see cref="KeepAliveClock"/>: sends a PINGREQ if one is due and none is on its way.</summary>
    internal void OnKeepAliveTick(long now)
    {
        if (_client.IsConnected && _keepAlive.IsPingDue(now) && Interlocked.Exchange(ref _pinging, 1) == 0)
        {
            _ = PingAsync();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Repeats the session expiry: MQTT 5 (3.14.2.2.2) lets DISCONNECT change it, and a 0 would end the session.
    private MqttClientDisconnectOptions DisconnectOptions(MqttClientDisconnectOptionsReason reason) =>
        new MqttClientDisconnectOptionsBuilder().WithReason(reason).WithSessionExpiryInterval(_sessionExpirySeconds).Build();

    private async Task PingAsync()
    {
        try
        {
            var interval = _keepAlive.Interval;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(interval);
            try
            {
                await _client.PingAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!_stopping.IsCancellationRequested && _client.IsConnected)
            {
                // MQTT 5 (3.1.2.10): no PINGRESP within a reasonable time, so close the link; the loop reconnects.
                LogKeepAliveFailed(_logger, ClientId, interval, e.Message);
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await _client.DisconnectAsync(DisconnectOptions(MqttClientDisconnectOptionsReason.UnspecifiedError), closing.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // Fire and forget from the clock: a ping racing a disconnect or a dispose ends here, and the loop goes on.
            LogKeepAliveEnded(_logger, ClientId, e.Message);
        }
        finally
        {
            Volatile.Write(ref _pinging, 0);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var lost = NewSignal();
            Volatile.Write(ref _lost, lost);
            MqttClientConnectResult result;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_connectTimeout);
                result = await _client.ConnectAsync(_clientOptions, timeout.Token).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    // MQTTnet reports some CONNACK refusals as a result rather than an exception.
                    TransportThrow.Refused($"Broker refused the connection: {result.ResultCode} {result.ReasonString}".TrimEnd());
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The loop's outer boundary: whatever went wrong, wait and try again.
                var delay = Backoff(failures++);
                LogConnectFailed(_logger, ClientId, failures, delay, e.Message);
                if (!await DelayAsync(delay, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            failures = 0;
            await OnConnectedAsync(result, cancellationToken).ConfigureAwait(false);

            try
            {
                await lost.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Lost: a short jittered pause first, so that a broker that drops everyone is not hammered at once.
            if (!await DelayAsync(Backoff(0), cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private async Task OnConnectedAsync(MqttClientConnectResult result, CancellationToken cancellationToken)
    {
        try
        {
            if (!result.IsSessionPresent)
            {
                await ResubscribeAsync(cancellationToken).ConfigureAwait(false);
            }

            var count = Interlocked.Increment(ref _connectCount);
            Volatile.Read(ref _connected).TrySetResult();
            TransportMeter.ClientConnects.Add(1);
            LogConnected(_logger, ClientId, result.IsSessionPresent, count);

            if (Connected is { } callback)
            {
                await callback(new ConnectedContext(result.IsSessionPresent, count), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogConnectedCallbackFailed(_logger, ClientId, e);
        }
    }

    private async Task ResubscribeAsync(CancellationToken cancellationToken)
    {
        string[] filters;
        lock (_lock)
        {
            filters = [.. _subscriptions];
        }

        foreach (var filter in filters)
        {
            try
            {
                await SubscribeCoreAsync(filter, cancellationToken).ConfigureAwait(false);
            }
            catch (TransportException e)
            {
                // The broker's policy no longer grants it: forget it rather than retry forever.
                lock (_lock)
                {
                    _subscriptions.Remove(filter);
                }

                LogResubscribeRefused(_logger, ClientId, filter, e.Message);
            }
        }
    }

    private async Task SubscribeCoreAsync(string topicFilter, CancellationToken cancellationToken)
    {
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilterBuilder()
                .WithTopic(topicFilter)
                .WithAtLeastOnceQoS()
                .WithRetainHandling(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly)
                .Build())
            .Build();
        var result = await _client.SubscribeAsync(options, cancellationToken).ConfigureAwait(false);
        foreach (var item in result.Items)
        {
            if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
            {
                TransportThrow.Refused($"Subscription to '{topicFilter}' refused: {item.ResultCode} {result.ReasonString}".TrimEnd());
            }
        }
    }

    private async Task PublishCoreAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);

        // 0x10 "no matching subscribers" is a success: the broker took the message.
        if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
        {
            TransportThrow.Refused($"Publish to '{message.Topic}' refused: {result.ReasonCode} {result.ReasonString}".TrimEnd());
        }
    }

    private async Task WithRetryAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var token = linked.Token;
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            await Volatile.Read(ref _connected).Task.WaitAsync(token).ConfigureAwait(false);
            try
            {
                await operation(token).ConfigureAwait(false);
                return;
            }
            catch (MqttCommunicationException e) when (!token.IsCancellationRequested && s_handling.Value == this)
            {
                throw new ConnectionLostException($"{ClientId}: the connection was lost while a message handler used it; not retried there.", e);
            }
            catch (MqttCommunicationException e) when (!token.IsCancellationRequested)
            {
                // The link dropped under the operation: wait for the reconnect and send again (at least once).
                LogOperationRetry(_logger, ClientId, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(50), token).ConfigureAwait(false);
            }
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected)
        {
            lock (_lock)
            {
                if (_connected.Task.IsCompleted)
                {
                    _connected = NewSignal();
                }
            }

            Interlocked.Increment(ref _disconnectCount);
            LogDisconnected(_logger, ClientId, e.Reason, e.ReasonString);
            Volatile.Read(ref _lost).TrySetResult();
        }

        return Task.CompletedTask;
    }

    private async Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var handler = MessageReceived;
        if (handler is null)
        {
            return;
        }

        var application = e.ApplicationMessage;
        var message = new ReceivedMessage(application.Topic, application.Payload.ToArray(), application.Retain);
        if (_acknowledgements is null)
        {
            // One at a time inside MQTTnet's receive loop, which acknowledges when this returns.
            await HandleAsync(handler, message).ConfigureAwait(false);
            return;
        }

        e.AutoAcknowledge = false;
        try
        {
            await _pendingSlots!.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: left unacknowledged, so the broker delivers it again on the next connection.
            return;
        }

        // This callback runs once per message in the order received, so the queue holds the acknowledgement order.
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_acknowledgements.Writer.TryWrite(new PendingAcknowledgement(e, done.Task, Interlocked.Read(ref _disconnectCount))))
        {
            // Disposing: not handled, not acknowledged.
            _pendingSlots.Release();
            return;
        }

        Task? previous;
        lock (_lock)
        {
            _topicTails.TryGetValue(message.Topic, out previous);
            _topicTails[message.Topic] = done.Task;
        }

        _ = Task.Run(() => HandleInTurnAsync(handler, message, previous, done));
    }

    /// <summary>Handles a message once the previous one on its topic is done and a handler slot is free.</summary>
    private async Task HandleInTurnAsync(Func<ReceivedMessage, CancellationToken, Task> handler, ReceivedMessage message, Task? previous, TaskCompletionSource<bool> done)
    {
        var handled = false;
        try
        {
            if (previous is not null)
            {
                await previous.ConfigureAwait(false);
            }

            await _handlerSlots!.WaitAsync(_stopping.Token).ConfigureAwait(false);
            try
            {
                handled = await HandleAsync(handler, message).ConfigureAwait(false);
            }
            finally
            {
                _handlerSlots.Release();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_lock)
            {
                if (_topicTails.TryGetValue(message.Topic, out var tail) && tail == done.Task)
                {
                    _topicTails.Remove(message.Topic);
                }
            }

            done.SetResult(handled);
        }
    }

    /// <summary>Runs the handler; true when the message is done with (handled, or failed for good), false when cut off by the stop.</summary>
    private async Task<bool> HandleAsync(Func<ReceivedMessage, CancellationToken, Task> handler, ReceivedMessage message)
    {
        s_handling.Value = this;
        try
        {
            await handler(message, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return false;
        }
        catch (ConnectionLostException ex)
        {
            // The link dropped while the handler answered on it: give the receive loop back so the reconnect can happen.
            TransportMeter.HandlerFailures.Add(1);
            LogHandlerAbandoned(_logger, ClientId, message.Topic, ex.InnerException?.Message ?? ex.Message);
        }
        catch (Exception ex)
        {
            // One bad message must not kill the connection: log, count, acknowledge, go on.
            TransportMeter.HandlerFailures.Add(1);
            LogHandlerFailed(_logger, ClientId, message.Topic, ex);
        }

        return true;
    }

    /// <summary>
    /// Sends the PUBACKs of concurrently handled messages in the order the messages came (MQTT 5, 4.6.0-2), each once
    /// its handler is done. One received before the last disconnect is not acknowledged: on a new connection its
    /// packet id may name another message, and the broker delivers an unacknowledged one again anyway.
    /// </summary>
    private async Task AcknowledgeInOrderAsync()
    {
        await foreach (var pending in _acknowledgements!.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (await pending.Handled.ConfigureAwait(false) && pending.Connection == Interlocked.Read(ref _disconnectCount))
                {
                    using var timeout = new CancellationTokenSource(_connectTimeout);
                    await pending.Message.AcknowledgeAsync(timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or IOException)
            {
                // The link dropped under it: the broker delivers the message again.
                LogAcknowledgeFailed(_logger, ClientId, pending.Message.ApplicationMessage.Topic, ex.Message);
            }
            finally
            {
                _pendingSlots!.Release();
            }
        }
    }

    private bool ValidateBrokerCertificate(MqttClientCertificateValidationEventArgs e)
    {
        if (e.Certificate is null
            || (e.SslPolicyErrors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            LogBrokerCertificateRefused(_logger, ClientId, $"certificate missing or not for the host ({e.SslPolicyErrors})");
            return false;
        }

        // The chain errors the platform reports are against the system trust store; the pinned CA replaces them.
        var certificate = e.Certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(e.Certificate.GetRawCertData());
        if (!_brokerValidator.Validate(certificate, CertificatePurpose.Server, out var reason))
        {
            LogBrokerCertificateRefused(_logger, ClientId, reason);
            return false;
        }

        return true;
    }

    private TimeSpan Backoff(int failures)
    {
        // Exponential back-off with "equal jitter": a random delay in [d/2, d], d = min(cap, base * 2^failures).
        var exponent = Math.Min(failures, 30);
        var ceiling = Math.Min(_maxReconnectDelay.TotalMilliseconds, _reconnectDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
