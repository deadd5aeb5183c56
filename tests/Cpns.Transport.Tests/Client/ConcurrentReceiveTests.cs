using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;

namespace Cpns.Transport.Tests;

/// <summary>
/// <see cref="MqttConnectionOptions.MaxConcurrentMessages"/> above 1, as the CPNS Server's uplink runs: gateways'
/// messages overlap, one gateway's stay in order, and a message is acknowledged only once its handler is done.
/// </summary>
public sealed class ConcurrentReceiveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MessageReceived_OneTopicsHandlerBusy_AnotherTopicsMessageHandledMeanwhile()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = Channel.CreateUnbounded<string>();
        await using var server = CreateServer(broker, maxConcurrentMessages: 4);
        server.MessageReceived = async (message, ct) =>
        {
            if (message.Topic == Topics.GatewayUp("gw-1"))
            {
                await release.Task.WaitAsync(ct);
            }

            await handled.Writer.WriteAsync(message.Topic, ct);
        };
        server.Start();
        var (gw1, gw2) = await SubscribeAndConnectTwoGatewaysAsync(server, broker);
        await using (gw1)
        await using (gw2)
        {
            await gw1.PublishAsync(Topics.GatewayUp("gw-1"), "slow"u8.ToArray(), cancellationToken: Ct);
            await gw2.PublishAsync(Topics.GatewayUp("gw-2"), "quick"u8.ToArray(), cancellationToken: Ct);

            // One at a time, gw-2's message would wait behind gw-1's handler, which waits for this very assertion.
            Assert.Equal(Topics.GatewayUp("gw-2"), await handled.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct));
            release.SetResult();
            Assert.Equal(Topics.GatewayUp("gw-1"), await handled.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct));
        }
    }

    [Fact]
    public async Task MessageReceived_ManyMessagesOnTwoTopics_EachTopicsHandledInOrderNeverTwoAtOnce()
    {
        const int PerTopic = 60;
        await using var broker = await TestNet.StartBrokerAsync();
        var order = new ConcurrentDictionary<string, ConcurrentQueue<int>>();
        var active = new ConcurrentDictionary<string, int>();
        var overlaps = 0;
        var done = new CountdownEvent(2 * PerTopic);
        await using var server = CreateServer(broker, maxConcurrentMessages: 8);
        server.MessageReceived = async (message, ct) =>
        {
            if (active.AddOrUpdate(message.Topic, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            await Task.Delay(Random.Shared.Next(0, 4), ct);
            order.GetOrAdd(message.Topic, _ => new ConcurrentQueue<int>()).Enqueue(int.Parse(Encoding.ASCII.GetString(message.Payload.Span), System.Globalization.CultureInfo.InvariantCulture));
            active.AddOrUpdate(message.Topic, 0, (_, n) => n - 1);
            done.Signal();
        };
        server.Start();
        var (gw1, gw2) = await SubscribeAndConnectTwoGatewaysAsync(server, broker);
        await using (gw1)
        await using (gw2)
        {
            await Task.WhenAll(PublishAllAsync(gw1, "gw-1"), PublishAllAsync(gw2, "gw-2"));
            Assert.True(await Task.Run(() => done.Wait(TestNet.Timeout, Ct), Ct), $"{done.CurrentCount} messages not handled");
        }

        Assert.Equal(0, overlaps);
        Assert.Equal(Enumerable.Range(0, PerTopic), order[Topics.GatewayUp("gw-1")]);
        Assert.Equal(Enumerable.Range(0, PerTopic), order[Topics.GatewayUp("gw-2")]);

        static async Task PublishAllAsync(MqttConnection gateway, string id)
        {
            for (var i = 0; i < PerTopic; i++)
            {
                await gateway.PublishAsync(Topics.GatewayUp(id), Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), cancellationToken: Ct);
            }
        }
    }

    [Fact]
    public async Task MessageReceived_HandlerUnfinishedWhenTheLinkDrops_NotAcknowledgedSoTheBrokerDeliversItAgain()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        var connects = Channel.CreateUnbounded<ConnectedContext>();
        var received = Channel.CreateUnbounded<string>();
        var first = true;
        await using var server = CreateServer(broker, maxConcurrentMessages: 4);
        server.MessageReceived = async (message, ct) =>
        {
            var text = Encoding.ASCII.GetString(message.Payload.Span);
            await received.Writer.WriteAsync(text, ct);
            if (text == "unfinished" && first)
            {
                // Still at work when the link drops: a database write that outlasts the connection.
                first = false;
                while (server.IsConnected)
                {
                    await Task.Delay(20, ct);
                }
            }
        };
        server.Connected = (context, ct) => connects.Writer.WriteAsync(context, ct).AsTask();
        server.Start();
        await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);
        var (gw1, gw2) = await SubscribeAndConnectTwoGatewaysAsync(server, broker);
        await using (gw1)
        await using (gw2)
        {
            await gw2.PublishAsync(Topics.GatewayUp("gw-2"), "finished"u8.ToArray(), cancellationToken: Ct);
            Assert.Equal("finished", await received.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct));
            await Task.Delay(300, Ct); // its PUBACK goes out
            await gw1.PublishAsync(Topics.GatewayUp("gw-1"), "unfinished"u8.ToArray(), cancellationToken: Ct);
            Assert.Equal("unfinished", await received.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct));

            await broker.DisconnectClientAsync("cpns-server");

            var reconnect = await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);
            Assert.True(reconnect.SessionPresent);
            Assert.Equal("unfinished", await received.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct));
            await Task.Delay(500, Ct);
            Assert.False(received.Reader.TryRead(out var again), $"'{again}' came again: it had been acknowledged");
        }
    }

    [Fact]
    public void Constructor_MaxConcurrentMessagesBelowOne_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TestNet.CreateConnection(
            MqttBrokerEndpoint.Parse("mqtts://127.0.0.1:8883"), "cpns-server", certificate: null, maxConcurrentMessages: 0));
    }

    private static MqttConnection CreateServer(MqttBroker broker, int maxConcurrentMessages) =>
        TestNet.CreateConnection(broker.Endpoint, "cpns-server", TestPki.ClientCertificate("cpns-server"), maxConcurrentMessages: maxConcurrentMessages);

    /// <summary>Subscribes the server to every gateway uplink, then connects gw-1 and gw-2.</summary>
    private static async Task<(MqttConnection Gw1, MqttConnection Gw2)> SubscribeAndConnectTwoGatewaysAsync(MqttConnection server, MqttBroker broker)
    {
        await server.SubscribeAsync(Topics.GatewayUpAll, Ct);
        var (gw1, _) = await TestNet.ConnectAsync(broker, "gw-1");
        var (gw2, _) = await TestNet.ConnectAsync(broker, "gw-2");
        return (gw1, gw2);
    }
}
