using System.Threading.Channels;

namespace Cpns.Transport.Tests;

public sealed class MqttConnectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_BrokerStoppedAndRestartedOnSamePort_ReconnectsResubscribesAndCallsConnectedAgain()
    {
        var broker = await TestNet.StartBrokerAsync();
        var port = broker.LocalEndPoint.Port;
        var connects = Channel.CreateUnbounded<ConnectedContext>();
        await using var gateway = TestNet.CreateConnection(broker.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"));
        var inbox = new Inbox();
        gateway.MessageReceived = inbox.Add;
        gateway.Connected = (context, ct) => connects.Writer.WriteAsync(context, ct).AsTask();
        gateway.Start();
        var first = await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);
        await gateway.SubscribeAsync(Topics.GatewayDown("gw-1"), Ct);
        Assert.Equal(1, first.ConnectCount);

        await broker.StopAsync();
        await using var restarted = await TestNet.StartBrokerAsync(port: port);

        var second = await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);
        Assert.Equal(2, second.ConnectCount);
        Assert.False(second.SessionPresent); // the new broker had no session: the connection subscribed afresh
        var (server, _) = await TestNet.ConnectAsync(restarted, "cpns-server");
        await using (server)
        {
            await server.PublishAsync(Topics.GatewayDown("gw-1"), "after restart"u8.ToArray(), cancellationToken: Ct);
            Assert.Equal("after restart"u8.ToArray(), (await inbox.ReceiveAsync()).Payload.ToArray());
        }
    }

    [Fact]
    public async Task Start_DisconnectedWhileQoS1MessageSent_MessageDeliveredAfterAutomaticReconnect()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        var connects = Channel.CreateUnbounded<ConnectedContext>();
        await using var gateway = TestNet.CreateConnection(
            broker.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"), reconnectDelay: TimeSpan.FromMilliseconds(600));
        var inbox = new Inbox();
        gateway.MessageReceived = inbox.Add;
        gateway.Connected = (context, ct) => connects.Writer.WriteAsync(context, ct).AsTask();
        gateway.Start();
        await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);
        await gateway.SubscribeAsync(Topics.GatewayDown("gw-1"), Ct);
        var (server, _) = await TestNet.ConnectAsync(broker, "cpns-server");
        await using (server)
        {
            // Drop gw-1 and publish before its reconnect delay (at least 300 ms) has run out.
            await broker.DisconnectClientAsync("gw-1");
            await server.PublishAsync(Topics.GatewayDown("gw-1"), "queued while away"u8.ToArray(), cancellationToken: Ct);

            var reconnect = await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);
            Assert.True(reconnect.SessionPresent);
            Assert.Equal(2, reconnect.ConnectCount);
            Assert.Equal("queued while away"u8.ToArray(), (await inbox.ReceiveAsync()).Payload.ToArray());
        }
    }

    [Fact]
    public async Task DisposeAsync_ThenReconnectWithSameIdentity_QueuedMessageDelivered()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        using var certificate = TestPki.ClientCertificate("gw-3");
        var first = TestNet.CreateConnection(broker.Endpoint, "gw-3", certificate);
        first.Start();
        await first.WaitUntilConnectedAsync(Ct).WaitAsync(TestNet.Timeout, Ct);
        await first.SubscribeAsync(Topics.GatewayDown("gw-3"), Ct);
        await first.DisposeAsync();
        var (server, _) = await TestNet.ConnectAsync(broker, "cpns-server");
        await using (server)
        {
            await server.PublishAsync(Topics.GatewayDown("gw-3"), "while offline"u8.ToArray(), cancellationToken: Ct);
        }

        await using var second = TestNet.CreateConnection(broker.Endpoint, "gw-3", certificate);
        var inbox = new Inbox();
        second.MessageReceived = inbox.Add;
        second.Start();

        Assert.Equal("while offline"u8.ToArray(), (await inbox.ReceiveAsync()).Payload.ToArray());
    }

    [Fact]
    public async Task MessageReceived_BrokerStopsWhileHandlerAnswersOnTheConnection_HandlerAbandonedAndConnectionReconnects()
    {
        var broker = await TestNet.StartBrokerAsync();
        var port = broker.LocalEndPoint.Port;
        var connects = Channel.CreateUnbounded<ConnectedContext>();
        var handling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var gateway = TestNet.CreateConnection(broker.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"));
        gateway.MessageReceived = async (message, ct) =>
        {
            handling.TrySetResult();
            while (gateway.IsConnected)
            {
                await Task.Delay(20, ct);
            }

            // Answering on the connection whose link just dropped: a device's Group Key Response when its PN GW stops.
            try
            {
                await gateway.PublishAsync(Topics.GatewayUp("gw-1"), "answer"u8.ToArray(), cancellationToken: ct);
                answered.TrySetResult(null);
            }
            catch (Exception e)
            {
                answered.TrySetResult(e);
                throw;
            }
        };
        gateway.Connected = (context, ct) => connects.Writer.WriteAsync(context, ct).AsTask();
        gateway.Start();
        await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);
        await gateway.SubscribeAsync(Topics.GatewayDown("gw-1"), Ct);
        var (server, _) = await TestNet.ConnectAsync(broker, "cpns-server");
        await using (server)
        {
            await server.PublishAsync(Topics.GatewayDown("gw-1"), "answer me"u8.ToArray(), cancellationToken: Ct);
            await handling.Task.WaitAsync(TestNet.Timeout, Ct);
        }

        await broker.StopAsync();
        await using var restarted = await TestNet.StartBrokerAsync(port: port);

        // Retrying inside the handler would wait for a reconnect that MQTTnet holds back until the handler returns.
        Assert.IsType<ConnectionLostException>(await answered.Task.WaitAsync(TestNet.Timeout, Ct));
        var second = await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);
        Assert.Equal(2, second.ConnectCount);
        await gateway.PublishAsync(Topics.GatewayUp("gw-1"), "after the reconnect"u8.ToArray(), cancellationToken: Ct);
    }

    [Fact]
    public async Task MessageReceived_HandlerThrows_ConnectionKeepsReceiving()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        var (server, _) = await TestNet.ConnectAsync(broker, "cpns-server");
        await using var gateway = TestNet.CreateConnection(broker.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"));
        var inbox = new Inbox();
        gateway.MessageReceived = (message, ct) => message.Payload.Span.SequenceEqual("boom"u8)
            ? throw new InvalidOperationException("handler bug")
            : inbox.Add(message, ct);
        gateway.Start();
        await gateway.WaitUntilConnectedAsync(Ct).WaitAsync(TestNet.Timeout, Ct);
        await using (server)
        {
            await gateway.SubscribeAsync(Topics.GatewayDown("gw-1"), Ct);

            await server.PublishAsync(Topics.GatewayDown("gw-1"), "boom"u8.ToArray(), cancellationToken: Ct);
            await server.PublishAsync(Topics.GatewayDown("gw-1"), "fine"u8.ToArray(), cancellationToken: Ct);

            Assert.Equal("fine"u8.ToArray(), (await inbox.ReceiveAsync()).Payload.ToArray());
            Assert.True(gateway.IsConnected);
        }
    }

    [Fact]
    public async Task Start_BrokerCertificateFromAnotherCa_NeverConnects()
    {
        await using var broker = await MqttBroker.StartAsync(new MqttBrokerOptions
        {
            ServerCertificate = TestPki.OtherCa.IssueServerCertificate(),
            ClientCaCertificate = TestPki.Ca.Certificate,
            AuthorizationPolicy = TopicPolicies.ServerBroker(),
            Port = 0,
        }, cancellationToken: Ct);
        await using var gateway = TestNet.CreateConnection(broker.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"));
        gateway.Start();

        await Assert.ThrowsAsync<TimeoutException>(() => gateway.WaitUntilConnectedAsync(Ct).WaitAsync(TimeSpan.FromSeconds(1), Ct));
    }

    [Fact]
    public async Task PublishAsync_StartedBeforeBrokerExists_DeliveredOnceBrokerComesUp()
    {
        // Reserve a port, then let it go so the broker can take it later.
        int port;
        await using (var probe = await TestNet.StartBrokerAsync())
        {
            port = probe.LocalEndPoint.Port;
        }

        await using var gateway = TestNet.CreateConnection(
            new MqttBrokerEndpoint("127.0.0.1", port), "gw-1", TestPki.ClientCertificate("gw-1"));
        gateway.Start();
        var publish = gateway.PublishAsync(Topics.GatewayUp("gw-1"), "early"u8.ToArray(), cancellationToken: Ct);
        await Task.Delay(200, Ct);
        Assert.False(publish.IsCompleted);

        await using var broker = await TestNet.StartBrokerAsync(port: port);
        await publish.WaitAsync(TestNet.Timeout, Ct);
    }

    [Fact]
    public void Constructor_MissingCa_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MqttConnection(new MqttConnectionOptions
        {
            Broker = MqttBrokerEndpoint.Parse("mqtts://127.0.0.1:1"),
            ClientId = "gw-1",
        }));
    }
}
