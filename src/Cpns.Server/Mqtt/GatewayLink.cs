using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Cpns.Server.Enrollment;
using Cpns.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cpns.Server.Mqtt;

/// <summary>
/// The server's side of MQTT: starts the embedded broker (unless <see cref="ServerOptions.Broker"/> names an external
/// one), connects to it as <c>cpns-server</c> with a certificate from the server's CA, subscribes to every gateway's
/// uplink and publishes to each gateway's downlink. On an external broker the subscription is shared
/// (<c>$share/cpns-server/...</c>) so that, with several instances, each uplink message reaches one of them.
/// </summary>
internal sealed partial class GatewayLink(
    ServerCertificates certificates,
    UplinkHandler uplink,
    IOptions<ServerOptions> options,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    public const string SharedSubscriptionGroup = "cpns-server";

    private readonly ILogger _logger = loggerFactory.CreateLogger<GatewayLink>();
    private MqttBroker? _broker;
    private MqttConnection? _connection;
    private X509Certificate2? _brokerCertificate;
    private X509Certificate2? _clientCertificate;
    private X509Certificate2? _externalCa;

    /// <summary>The address gateways are told to connect to at enrollment (the embedded broker's bound port, or the external broker).</summary>
    public MqttBrokerEndpoint? AdvertisedEndpoint { get; private set; }

    /// <summary>The embedded broker's bound endpoint, or null with an external broker.</summary>
    public MqttBrokerEndpoint? EmbeddedEndpoint => _broker?.Endpoint;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.UplinkConcurrency < 1)
        {
            throw new InvalidOperationException($"Server:UplinkConcurrency must be at least 1; it is {o.UplinkConcurrency}.");
        }

        await certificates.InitializeAsync(cancellationToken).ConfigureAwait(false);
        MqttBrokerEndpoint connectTo;
        X509Certificate2 brokerCa;
        string clientId;
        string filter;
        if (o.Broker is null)
        {
            var listen = ParseListen(o.MqttListen);
            _brokerCertificate = certificates.IssueBrokerCertificate(listen.Address);
            _broker = await MqttBroker.StartAsync(
                new MqttBrokerOptions
                {
                    ServerCertificate = _brokerCertificate,
                    ClientCaCertificate = certificates.Authority.Certificate,
                    AuthorizationPolicy = TopicPolicies.ServerBroker(ServerCertificates.ServerIdentity),
                    Address = listen.Address,
                    Port = listen.Port,
                },
                loggerFactory,
                cancellationToken).ConfigureAwait(false);
            var port = _broker.LocalEndPoint.Port;
            var wildcard = listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any);
            connectTo = wildcard
                ? new MqttBrokerEndpoint(listen.Address.Equals(IPAddress.IPv6Any) ? "::1" : "127.0.0.1", port)
                : MqttBrokerEndpoint.FromIPEndPoint(_broker.LocalEndPoint);
            AdvertisedEndpoint = wildcard && o.MqttNames.Count > 0 ? new MqttBrokerEndpoint(o.MqttNames[0], port) : connectTo;
            brokerCa = certificates.Authority.Certificate;
            clientId = ServerCertificates.ServerIdentity;
            filter = Topics.GatewayUpAll;
            LogEmbeddedBroker(_logger, _broker.LocalEndPoint.ToString());
        }
        else
        {
            connectTo = MqttBrokerEndpoint.Parse(o.Broker);
            AdvertisedEndpoint = connectTo;
            if (o.BrokerCaPath is not null)
            {
                _externalCa = X509Certificate2.CreateFromPemFile(o.BrokerCaPath);
                brokerCa = _externalCa;
            }
            else
            {
                brokerCa = certificates.Authority.Certificate;
            }

            clientId = o.MqttClientId ?? ServerCertificates.ServerIdentity;
            filter = $"$share/{SharedSubscriptionGroup}/{Topics.GatewayUpAll}";
            LogExternalBroker(_logger, connectTo.ToString(), clientId);
        }

        _clientCertificate = certificates.IssueServerClientCertificate();
        _connection = new MqttConnection(
            new MqttConnectionOptions
            {
                Broker = connectTo,
                ClientId = clientId,
                ClientCertificate = _clientCertificate,
                CaCertificate = brokerCa,
                ReconnectDelay = TimeSpan.FromMilliseconds(500),
                MaxReconnectDelay = TimeSpan.FromSeconds(30),
                MaxConcurrentMessages = o.UplinkConcurrency,
            },
            loggerFactory);
        _connection.MessageReceived = OnMessageAsync;
        _connection.Start();

        var subscribed = _connection.SubscribeAsync(filter, CancellationToken.None);
        try
        {
            await subscribed.WaitAsync(o.MqttStartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The broker may come later (external broker restarting): the subscription goes on in the background.
            LogSubscriptionPending(_logger, connectTo.ToString(), o.MqttStartTimeout);
            _ = subscribed.ContinueWith(t => LogSubscriptionFailed(_logger, t.Exception!), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>Publishes an encoded envelope on the gateway's downlink (QoS 1); waits at most <paramref name="timeout"/> for the broker.</summary>
    public async Task PublishAsync(string gatewayId, byte[] payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = _connection ?? throw new InvalidOperationException("MQTT is not started.");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        await connection.PublishAsync(Topics.GatewayDown(gatewayId), payload, retain: false, limit.Token).ConfigureAwait(false);
    }

    private async Task OnMessageAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        // Replies (SyncResponse, PnInventoryAck) go back on the sender's downlink; the handler never publishes itself.
        if (await uplink.HandleAsync(message, cancellationToken).ConfigureAwait(false) is { } reply)
        {
            await PublishAsync(reply.GatewayId, reply.Payload, options.Value.MqttStartTimeout, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_broker is { } broker)
        {
            _broker = null;
            await broker.DisposeAsync().ConfigureAwait(false);
        }

        _clientCertificate?.Dispose();
        _brokerCertificate?.Dispose();
        _externalCa?.Dispose();
        _clientCertificate = _brokerCertificate = _externalCa = null;
    }

    /// <summary>Parses <c>host:port</c> with an IP literal host (IPv6 in brackets) or <c>localhost</c>.</summary>
    internal static IPEndPoint ParseListen(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new FormatException($"'{text}' is not a listen address of the form host:port.");
        }

        var host = text[..colon].Trim('[', ']');
        var address = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var ip) ? ip
            : throw new FormatException($"'{host}' is not an IP address (the broker binds to an address, not a name).");
        return new IPEndPoint(address, port);
    }
}
