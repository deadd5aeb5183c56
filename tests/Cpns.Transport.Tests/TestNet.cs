using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport.Tests;

/// <summary>Brokers on 127.0.0.1 with ephemeral ports, connections to them, and message inboxes.</summary>
internal static class TestNet
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static ILoggerFactory Logs { get; } = NullLoggerFactory.Instance;

    public static Task<MqttBroker> StartBrokerAsync(
        ITopicAuthorizationPolicy? policy = null, int port = 0, bool pairing = false, string? retainedPath = null,
        IReadOnlyList<string>? localTopics = null, Func<ReceivedMessage, CancellationToken, Task>? localReceiver = null) =>
        MqttBroker.StartAsync(
            new MqttBrokerOptions
            {
                ServerCertificate = TestPki.ServerCertificate,
                ClientCaCertificate = TestPki.Ca.Certificate,
                AuthorizationPolicy = policy ?? TopicPolicies.ServerBroker(),
                Port = port,
                EnablePairingListener = pairing,
                PairingPort = 0,
                RetainedMessagesPath = retainedPath,
                LocalTopicFilters = localTopics ?? [],
                LocalReceiver = localReceiver,
            },
            Logs,
            TestContext.Current.CancellationToken);

    public static MqttConnection CreateConnection(
        MqttBrokerEndpoint endpoint, string clientId, X509Certificate2? certificate, bool persistent = true, TimeSpan? reconnectDelay = null, int maxConcurrentMessages = 1, TimeSpan? keepAlive = null) =>
        new(
            new MqttConnectionOptions
            {
                Broker = endpoint,
                ClientId = clientId,
                ClientCertificate = certificate,
                CaCertificate = TestPki.Ca.Certificate,
                PersistentSession = persistent,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ReconnectDelay = reconnectDelay ?? TimeSpan.FromMilliseconds(100),
                MaxReconnectDelay = TimeSpan.FromSeconds(1),
                MaxConcurrentMessages = maxConcurrentMessages,
                KeepAlive = keepAlive ?? TimeSpan.FromSeconds(30),
            },
            Logs);

    /// <summary>Creates, starts and waits for a connection with a fresh certificate for <paramref name="identity"/>.</summary>
    public static async Task<(MqttConnection Connection, Inbox Inbox)> ConnectAsync(MqttBroker broker, string identity)
    {
        var connection = CreateConnection(broker.Endpoint, identity, TestPki.ClientCertificate(identity));
        var inbox = new Inbox();
        connection.MessageReceived = inbox.Add;
        connection.Start();
        await connection.WaitUntilConnectedAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        return (connection, inbox);
    }

    /// <summary>The CONNACK code of one raw connect attempt that reached MQTT (TLS succeeded).</summary>
    public static async Task<MqttClientConnectResultCode> RawConnectCodeAsync(MqttBrokerEndpoint endpoint, string clientId, X509Certificate2? certificate)
    {
        return (await RawConnectAsync(endpoint, clientId, certificate)).ResultCode;
    }

    /// <summary>
    /// One raw MQTTnet connect attempt (no retries), to observe what the broker answers.
    /// Returns the connect result, or throws what MQTTnet throws.
    /// </summary>
    public static async Task<MqttClientConnectResult> RawConnectAsync(MqttBrokerEndpoint endpoint, string clientId, X509Certificate2? certificate)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var tls = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithTargetHost(endpoint.Host)
            .WithCertificateValidationHandler(e => TestPki.Ca.ValidatePeerCertificate(X509CertificateLoader.LoadCertificate(e.Certificate.GetRawCertData()), CertificatePurpose.Server));
        if (certificate is not null)
        {
            tls = tls.WithClientCertificates([certificate]);
        }

        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(endpoint.Host, endpoint.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithTlsOptions(tls.Build())
            .Build();
        var result = await client.ConnectAsync(options, TestContext.Current.CancellationToken);
        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), TestContext.Current.CancellationToken);
        }

        return result;
    }
}

/// <summary>Collects received messages for assertions.</summary>
internal sealed class Inbox
{
    private readonly Channel<ReceivedMessage> _messages = Channel.CreateUnbounded<ReceivedMessage>();

    public Task Add(ReceivedMessage message, CancellationToken cancellationToken) =>
        _messages.Writer.WriteAsync(message, cancellationToken).AsTask();

    public async Task<ReceivedMessage> ReceiveAsync(TimeSpan? timeout = null) =>
        await _messages.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(timeout ?? TestNet.Timeout, TestContext.Current.CancellationToken);

    /// <summary>True when nothing arrives within <paramref name="quiet"/>.</summary>
    public async Task<bool> StaysEmptyAsync(TimeSpan quiet)
    {
        await Task.Delay(quiet, TestContext.Current.CancellationToken);
        return !_messages.Reader.TryPeek(out _);
    }
}
