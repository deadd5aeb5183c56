namespace Cpns.Transport.Tests;

/// <summary>
/// A PUBLISH goes on the wire as one write, so one TLS record and one TCP send, from the client and from the broker:
/// MQTTnet by default writes the packet's header and its payload apart, which doubles the records, the encryptions
/// and the system calls of every message.
/// </summary>
public sealed class PacketFramingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublishAsync_MessageWithPayload_LeavesTheClientAsOneTlsRecord()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        await using var proxy = new SilentProxy(broker.LocalEndPoint);
        await using var gateway = TestNet.CreateConnection(proxy.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"));
        gateway.Start();
        await gateway.WaitUntilConnectedAsync(Ct).WaitAsync(TestNet.Timeout, Ct);
        var before = proxy.RecordsFromClients;

        // QoS 1: the call returns once the broker's PUBACK is back, so everything the PUBLISH took has passed.
        await gateway.PublishAsync(Topics.GatewayUp("gw-1"), new byte[1_000], cancellationToken: Ct);

        Assert.Equal(1, proxy.RecordsFromClients - before);
    }

    [Fact]
    public async Task Broker_DeliversMessageWithPayload_AsOneTlsRecord()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        await using var proxy = new SilentProxy(broker.LocalEndPoint);
        await using var gateway = TestNet.CreateConnection(proxy.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"));
        var inbox = new Inbox();
        gateway.MessageReceived = inbox.Add;
        gateway.Start();
        await gateway.WaitUntilConnectedAsync(Ct).WaitAsync(TestNet.Timeout, Ct);
        await gateway.SubscribeAsync(Topics.GatewayDown("gw-1"), Ct);
        var (server, _) = await TestNet.ConnectAsync(broker, "cpns-server");
        await using (server)
        {
            var before = proxy.RecordsFromBroker;

            await server.PublishAsync(Topics.GatewayDown("gw-1"), new byte[1_000], cancellationToken: Ct);
            await inbox.ReceiveAsync();

            Assert.Equal(1, proxy.RecordsFromBroker - before);
        }
    }
}
