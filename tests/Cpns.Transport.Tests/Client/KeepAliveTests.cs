using System.Threading.Channels;

namespace Cpns.Transport.Tests;

/// <summary>
/// The connection's own keep-alive (<see cref="KeepAliveClock"/>): it announces the interval, pings an idle link in
/// time, and notices a link that went silent.
/// </summary>
public sealed class KeepAliveTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task IdleConnection_KeepAliveOneSecond_BrokerKeepsItWithoutAReconnect()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        var connects = Channel.CreateUnbounded<ConnectedContext>();
        await using var gateway = TestNet.CreateConnection(broker.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"), keepAlive: OneSecond);
        gateway.Connected = (context, ct) => connects.Writer.WriteAsync(context, ct).AsTask();
        gateway.Start();
        await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);

        // The broker drops a client it heard nothing from for 1.5 s; only the pings keep this one.
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);

        Assert.True(gateway.IsConnected);
        Assert.False(connects.Reader.TryRead(out var again), $"reconnected (connect #{again.ConnectCount})");
    }

    [Fact]
    public async Task BrokerGoesSilent_LinkClosedAndMadeAgain()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        await using var proxy = new SilentProxy(broker.LocalEndPoint);
        var connects = Channel.CreateUnbounded<ConnectedContext>();
        await using var gateway = TestNet.CreateConnection(proxy.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"), keepAlive: OneSecond);
        gateway.Connected = (context, ct) => connects.Writer.WriteAsync(context, ct).AsTask();
        gateway.Start();
        await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);

        // No reset, no close: without a keep-alive the client would wait on this link for ever.
        proxy.SilenceBothWays();

        var second = await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestNet.Timeout, Ct);
        Assert.Equal(2, second.ConnectCount);
        Assert.True(second.SessionPresent);
    }

    [Fact]
    public async Task ClientGoesSilent_BrokerDropsIt_SoCONNECTAnnouncedTheKeepAlive()
    {
        await using var broker = await TestNet.StartBrokerAsync();
        await using var proxy = new SilentProxy(broker.LocalEndPoint);
        await using var gateway = TestNet.CreateConnection(proxy.Endpoint, "gw-1", TestPki.ClientCertificate("gw-1"), keepAlive: OneSecond);
        gateway.Start();
        await gateway.WaitUntilConnectedAsync(Ct).WaitAsync(TestNet.Timeout, Ct);

        // A client that announced no keep-alive is never dropped for silence.
        proxy.SilenceClients();

        await proxy.BrokerClosedSilencedLink.WaitAsync(TestNet.Timeout, Ct);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(65_536_000)]
    public void Constructor_KeepAliveOutOfRange_Throws(int milliseconds)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TestNet.CreateConnection(
            MqttBrokerEndpoint.Parse("mqtts://127.0.0.1:1"), "gw-1", null, keepAlive: TimeSpan.FromMilliseconds(milliseconds)));

        Assert.Contains("KeepAlive must be zero (none) or from 1 s to 65,535 s", e.Message, StringComparison.Ordinal);
    }
}
