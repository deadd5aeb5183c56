using System.Diagnostics.Metrics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using MQTTnet;

namespace Cpns.Transport.Tests;

public sealed class MqttBrokerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_PortZero_ReportsBoundLoopbackPort()
    {
        await using var broker = await TestNet.StartBrokerAsync(pairing: true);

        Assert.NotEqual(0, broker.LocalEndPoint.Port);
        Assert.Equal("127.0.0.1", broker.Endpoint.Host);
        Assert.NotNull(broker.PairingLocalEndPoint);
        Assert.NotEqual(broker.LocalEndPoint.Port, broker.PairingLocalEndPoint!.Port);
    }

    [Fact]
    public async Task PublishAsync_ValidCertificates_QoS1MessageDelivered()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        var (server, _) = await TestNet.ConnectAsync(broker, "cpns-server");
        var (gateway, gatewayInbox) = await TestNet.ConnectAsync(broker, "gw-1");
        await using (server)
        await using (gateway)
        {
            await gateway.SubscribeAsync(Topics.GatewayDown("gw-1"), Ct);

            await server.PublishAsync(Topics.GatewayDown("gw-1"), "hello"u8.ToArray(), cancellationToken: Ct);

            var message = await gatewayInbox.ReceiveAsync();
            Assert.Equal(Topics.GatewayDown("gw-1"), message.Topic);
            Assert.Equal("hello"u8.ToArray(), message.Payload.ToArray());
        }
    }

    [Fact]
    public async Task SubscribeAsync_LateSubscriber_ReceivesRetainedMessage()
    {
        await using var broker = await TestNet.StartBrokerAsync(TopicPolicies.PnBroker("pn1", "gw-1"));
        var (gateway, _) = await TestNet.ConnectAsync(broker, "gw-1");
        await using (gateway)
        {
            await gateway.PublishAsync(Topics.PnGroup("pn1", "g1"), "epoch-3"u8.ToArray(), retain: true, Ct);
        }

        var (pne, inbox) = await TestNet.ConnectAsync(broker, "watch-1");
        await using (pne)
        {
            await pne.SubscribeAsync(Topics.PnGroupsAll("pn1"), Ct);

            var message = await inbox.ReceiveAsync();
            Assert.Equal(Topics.PnGroup("pn1", "g1"), message.Topic);
            Assert.Equal("epoch-3"u8.ToArray(), message.Payload.ToArray());
            Assert.True(message.Retained);
        }
    }

    [Fact]
    public async Task StartAsync_RetainedMessagesPath_RetainedMessageSurvivesRestart()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cpns-retained-{Guid.NewGuid():N}.bin");
        try
        {
            var policy = TopicPolicies.PnBroker("pn1", "gw-1");
            await using (var first = await TestNet.StartBrokerAsync(policy, retainedPath: path))
            {
                var (gateway, _) = await TestNet.ConnectAsync(first, "gw-1");
                await using (gateway)
                {
                    await gateway.PublishAsync(Topics.PnGroup("pn1", "g1"), "v1"u8.ToArray(), retain: true, Ct);
                    await gateway.PublishAsync(Topics.PnGroup("pn1", "g1"), "v2"u8.ToArray(), retain: true, Ct);
                }
            }

            await using var second = await TestNet.StartBrokerAsync(policy, retainedPath: path);
            var (pne, inbox) = await TestNet.ConnectAsync(second, "watch-1");
            await using (pne)
            {
                await pne.SubscribeAsync(Topics.PnGroupsAll("pn1"), Ct);

                var message = await inbox.ReceiveAsync();
                Assert.Equal("v2"u8.ToArray(), message.Payload.ToArray());
                Assert.True(await inbox.StaysEmptyAsync(TimeSpan.FromMilliseconds(200)));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Connect_WithoutClientCertificate_Refused()
    {
        await using var broker = await TestNet.StartBrokerAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => TestNet.RawConnectAsync(broker.Endpoint, "gw-1", certificate: null));
    }

    [Fact]
    public async Task Connect_CertificateFromAnotherCa_Refused()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        using var foreign = TestPki.ClientCertificate("gw-1", TestPki.OtherCa);

        await Assert.ThrowsAnyAsync<Exception>(() => TestNet.RawConnectAsync(broker.Endpoint, "gw-1", foreign));
    }

    [Fact]
    public async Task Connect_ClientIdOtherThanCertificateCn_RefusedWithClientIdentifierNotValid()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        using var certificate = TestPki.ClientCertificate("gw-1");

        var refused = await TestNet.RawConnectCodeAsync(broker.Endpoint, "cpns-server", certificate);

        Assert.Equal(MQTTnet.MqttClientConnectResultCode.ClientIdentifierNotValid, refused);
        var accepted = await TestNet.RawConnectAsync(broker.Endpoint, "gw-1", certificate);
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.Success, accepted.ResultCode);
    }

    [Fact]
    public async Task Connect_Tls11_HandshakeFails()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        using var certificate = TestPki.ClientCertificate("gw-1");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(broker.LocalEndPoint, Ct);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);

#pragma warning disable SYSLIB0039 // TLS 1.1 on purpose: the broker must refuse it.
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            EnabledSslProtocols = SslProtocols.Tls11,
            ClientCertificates = [certificate],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        };
#pragma warning restore SYSLIB0039

        // Either side may be the one that says no (OpenSSL often disables TLS 1.1 locally too); it must fail.
        await Assert.ThrowsAnyAsync<Exception>(() => ssl.AuthenticateAsClientAsync(options, Ct));
    }

    [Fact]
    public async Task Connect_Tls12WithValidCertificate_Negotiated()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        using var certificate = TestPki.ClientCertificate("gw-1");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(broker.LocalEndPoint, Ct);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);

        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                EnabledSslProtocols = SslProtocols.Tls12,
                ClientCertificates = [certificate],
                RemoteCertificateValidationCallback = (_, c, _, _) => c is not null,
            },
            Ct);

        Assert.Equal(SslProtocols.Tls12, ssl.SslProtocol);
    }

    [Fact]
    public async Task PublishAsync_GatewayOnAnotherGatewaysTopic_RefusedNotDeliveredBrokerKeepsServing()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        var (server, serverInbox) = await TestNet.ConnectAsync(broker, "cpns-server");
        var (gw1, _) = await TestNet.ConnectAsync(broker, "gw-1");
        var (gw2, gw2Inbox) = await TestNet.ConnectAsync(broker, "gw-2");
        await using (server)
        await using (gw1)
        await using (gw2)
        {
            await server.SubscribeAsync(Topics.GatewayUpAll, Ct);
            await gw2.SubscribeAsync(Topics.GatewayDown("gw-2"), Ct);
            using var refusals = new RefusalCounter();

            var spoofUp = await Assert.ThrowsAsync<TransportException>(
                () => gw1.PublishAsync(Topics.GatewayUp("gw-2"), "forged"u8.ToArray(), cancellationToken: Ct));
            var spoofDown = await Assert.ThrowsAsync<TransportException>(
                () => gw1.PublishAsync(Topics.GatewayDown("gw-2"), "forged"u8.ToArray(), cancellationToken: Ct));

            Assert.Contains("NotAuthorized", spoofUp.Message, StringComparison.Ordinal);
            Assert.Contains("NotAuthorized", spoofDown.Message, StringComparison.Ordinal);
            Assert.True(await serverInbox.StaysEmptyAsync(TimeSpan.FromMilliseconds(300)));
            Assert.True(await gw2Inbox.StaysEmptyAsync(TimeSpan.Zero));
            Assert.True(refusals.Count(TopicAction.Publish) >= 2);

            // The broker and gw-1's connection both go on.
            await gw1.PublishAsync(Topics.GatewayUp("gw-1"), "ok"u8.ToArray(), cancellationToken: Ct);
            var message = await serverInbox.ReceiveAsync();
            Assert.Equal(Topics.GatewayUp("gw-1"), message.Topic);
            Assert.True(gw1.IsConnected);
        }
    }

    [Fact]
    public async Task SubscribeAsync_GatewayOnAnotherGatewaysDownlink_RefusedAndNothingLeaks()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        var (server, _) = await TestNet.ConnectAsync(broker, "cpns-server");
        var (gw1, gw1Inbox) = await TestNet.ConnectAsync(broker, "gw-1");
        await using (server)
        await using (gw1)
        {
            using var refusals = new RefusalCounter();

            var error = await Assert.ThrowsAsync<TransportException>(() => gw1.SubscribeAsync(Topics.GatewayDown("gw-2"), Ct));
            await Assert.ThrowsAsync<TransportException>(() => gw1.SubscribeAsync("cpns/v1/gw/#", Ct));

            Assert.Contains("NotAuthorized", error.Message, StringComparison.Ordinal);
            Assert.True(refusals.Count(TopicAction.Subscribe) >= 2);
            await server.PublishAsync(Topics.GatewayDown("gw-2"), "secret-ish"u8.ToArray(), cancellationToken: Ct);
            Assert.True(await gw1Inbox.StaysEmptyAsync(TimeSpan.FromMilliseconds(300)));

            await gw1.SubscribeAsync(Topics.GatewayDown("gw-1"), Ct);
            await server.PublishAsync(Topics.GatewayDown("gw-1"), "mine"u8.ToArray(), cancellationToken: Ct);
            Assert.Equal(Topics.GatewayDown("gw-1"), (await gw1Inbox.ReceiveAsync()).Topic);
        }
    }

    [Fact]
    public async Task PublishAsync_PneOnBroadcastTopic_Refused()
    {
        await using var broker = await TestNet.StartBrokerAsync(TopicPolicies.PnBroker("pn1", "gw-1"));
        var (gateway, _) = await TestNet.ConnectAsync(broker, "gw-1");
        var (pne, _) = await TestNet.ConnectAsync(broker, "watch-1");
        var (other, otherInbox) = await TestNet.ConnectAsync(broker, "speaker-1");
        await using (gateway)
        await using (pne)
        await using (other)
        {
            await other.SubscribeAsync(Topics.PnGroupsAll("pn1"), Ct);

            await Assert.ThrowsAsync<TransportException>(
                () => pne.PublishAsync(Topics.PnGroup("pn1", "g1"), "fake key"u8.ToArray(), retain: true, Ct));

            Assert.True(await otherInbox.StaysEmptyAsync(TimeSpan.FromMilliseconds(300)));
            await pne.PublishAsync(Topics.PneUp("pn1", "watch-1"), "ack"u8.ToArray(), cancellationToken: Ct);
        }
    }

    [Fact]
    public async Task PairingListener_NoCertificate_OnlyOwnPairingTopics()
    {
        await using var broker = await TestNet.StartBrokerAsync(TopicPolicies.PnBroker("pn1", "gw-1"), pairing: true);
        var (gateway, gatewayInbox) = await TestNet.ConnectAsync(broker, "gw-1");
        await using var pairing = TestNet.CreateConnection(broker.PairingEndpoint!, Topics.PairingClientId("p1"), certificate: null, persistent: false);
        var pairingInbox = new Inbox();
        pairing.MessageReceived = pairingInbox.Add;
        pairing.Start();
        await pairing.WaitUntilConnectedAsync(Ct).WaitAsync(TestNet.Timeout, Ct);
        await using (gateway)
        {
            await gateway.SubscribeAsync(Topics.PairingUpAll("pn1"), Ct);
            await pairing.SubscribeAsync(Topics.PairingDown("pn1", "p1"), Ct);

            await pairing.PublishAsync(Topics.PairingUp("pn1", "p1"), "hello"u8.ToArray(), cancellationToken: Ct);
            Assert.Equal(Topics.PairingUp("pn1", "p1"), (await gatewayInbox.ReceiveAsync()).Topic);
            await gateway.PublishAsync(Topics.PairingDown("pn1", "p1"), "welcome"u8.ToArray(), cancellationToken: Ct);
            Assert.Equal("welcome"u8.ToArray(), (await pairingInbox.ReceiveAsync()).Payload.ToArray());

            await Assert.ThrowsAsync<TransportException>(() => pairing.SubscribeAsync(Topics.PnGroupsAll("pn1"), Ct));
            await Assert.ThrowsAsync<TransportException>(() => pairing.PublishAsync(Topics.PneUp("pn1", "p1"), "x"u8.ToArray(), cancellationToken: Ct));
        }
    }

    [Fact]
    public async Task PairingListener_CertificateIdentityAsClientId_Refused()
    {
        await using var broker = await TestNet.StartBrokerAsync(TopicPolicies.PnBroker("pn1", "gw-1"), pairing: true);

        var refused = await TestNet.RawConnectCodeAsync(broker.PairingEndpoint!, "watch-1", certificate: null);

        Assert.Equal(MQTTnet.MqttClientConnectResultCode.ClientIdentifierNotValid, refused);
    }

    [Fact]
    public async Task Connect_MainListenerWithPairingClientId_Refused()
    {
        await using var broker = await TestNet.StartBrokerAsync(TopicPolicies.PnBroker("pn1", "gw-1"), pairing: true);
        using var certificate = TestPki.ClientCertificate("watch-1");

        var refused = await TestNet.RawConnectCodeAsync(broker.Endpoint, Topics.PairingClientId("p1"), certificate);

        Assert.Equal(MQTTnet.MqttClientConnectResultCode.ClientIdentifierNotValid, refused);
    }

    [Fact]
    public async Task Connect_WillMessageOnAnotherGatewaysTopic_NotDelivered()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        var (server, serverInbox) = await TestNet.ConnectAsync(broker, "cpns-server");
        await using (server)
        {
            await server.SubscribeAsync("cpns/v1/gw/#", Ct);
            using var certificate = TestPki.ClientCertificate("gw-1");
            using var client = new MqttClientFactory().CreateMqttClient();
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer(broker.Endpoint.Host, broker.Endpoint.Port)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .WithClientId("gw-1")
                .WithWillTopic(Topics.GatewayDown("gw-2"))
                .WithWillPayload("forged will"u8.ToArray())
                .WithTlsOptions(new MqttClientTlsOptionsBuilder()
                    .UseTls(true)
                    .WithTargetHost(broker.Endpoint.Host)
                    .WithClientCertificates([certificate])
                    .WithCertificateValidationHandler(_ => true)
                    .Build())
                .Build();
            var result = await client.ConnectAsync(options, Ct);

            // Either the broker refuses the CONNECT, or it never publishes the forged will.
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                await broker.DisconnectClientAsync("gw-1");
            }

            Assert.True(await serverInbox.StaysEmptyAsync(TimeSpan.FromMilliseconds(500)));
        }
    }

    /// <summary>Counts refused operations on the Cpns.Transport meter while alive.</summary>
    private sealed class RefusalCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _publish;
        private long _subscribe;

        public RefusalCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TransportMeter.Name && instrument.Name == "cpns.transport.broker.operations.refused")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "action")
                    {
                        if ((string?)tag.Value == "publish")
                        {
                            Interlocked.Add(ref _publish, value);
                        }
                        else
                        {
                            Interlocked.Add(ref _subscribe, value);
                        }
                    }
                }
            });
            _listener.Start();
        }

        // Other tests run in parallel and refuse too, so assertions use "at least".
        public long Count(TopicAction action) => action == TopicAction.Publish ? Interlocked.Read(ref _publish) : Interlocked.Read(ref _subscribe);

        public void Dispose() => _listener.Dispose();
    }
}
