using System.Threading.Channels;
using Cpns.Server.Tests.Support;
using Cpns.Transport;

namespace Cpns.Server.Tests.Mqtt;

/// <summary>
/// A broker that asks for a shorter keep-alive than the client announced (MQTT 5 Server Keep Alive, Mosquitto's
/// <c>max_keepalive</c>): the connection pings at the broker's pace and is not dropped.
/// </summary>
public sealed class ServerKeepAliveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MosquittoMaxKeepAliveTen_ClientAnnouncedSixty_PingsInTimeAndStaysConnected()
    {
        await using var bed = await DeliveryTestBed.StartAsync(BrokerKind.Mosquitto, mosquittoMaxKeepAlive: 10);
        var gateway = await TestGateway.EnrollAsync(bed.Anonymous, await bed.CreateTokenAsync("gw-ka"), broker: bed.Mosquitto!.Endpoint);
        var connects = Channel.CreateUnbounded<ConnectedContext>();
        await using var connection = gateway.CreateConnection(keepAlive: TimeSpan.FromSeconds(60));
        connection.Connected = (context, ct) => connects.Writer.WriteAsync(context, ct).AsTask();
        connection.Start();
        await connects.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // Mosquitto drops a client it heard nothing from for 15 s; pinging at the announced pace would be after 45 s.
        await Task.Delay(TimeSpan.FromSeconds(20), Ct);

        Assert.True(connection.IsConnected);
        Assert.False(connects.Reader.TryRead(out var again), $"reconnected (connect #{again.ConnectCount})");
    }
}
