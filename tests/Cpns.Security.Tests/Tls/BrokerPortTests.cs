using System.Net.Sockets;
using Cpns.Security.Tests.Support;
using Cpns.Transport;

namespace Cpns.Security.Tests.Tls;

/// <summary>
/// A listener port cannot be shared: a second broker (another process of the same user, say) binding the port of a
/// running one is refused, instead of silently taking a share of its connections; a restart on the port still works.
/// </summary>
public sealed class BrokerPortTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_PortOfARunningBroker_RefusedAndRestartOnThePortWorks()
    {
        using var ca = CertificateAuthority.Create("port test");
        using var certificate = ca.IssueServerCertificate();
        MqttBrokerOptions Options(int port) => new()
        {
            ServerCertificate = certificate,
            ClientCaCertificate = ca.Certificate,
            AuthorizationPolicy = TopicPolicies.ServerBroker(),
            Port = port,
        };

        var first = await MqttBroker.StartAsync(Options(0), new LogCapture(), Ct);
        var port = first.LocalEndPoint.Port;

        // Connections to the port leave TIME_WAIT entries behind when the broker stops.
        using (var probe = new TcpClient())
        {
            await probe.ConnectAsync(first.LocalEndPoint, Ct);
        }

        var stolen = await Record.ExceptionAsync(async () => await (await MqttBroker.StartAsync(Options(port), new LogCapture(), Ct)).DisposeAsync());
        Assert.IsType<SocketException>(stolen, exactMatch: false);
        Assert.Equal(SocketError.AddressAlreadyInUse, ((SocketException)stolen).SocketErrorCode);

        await first.DisposeAsync();
        await using var restarted = await MqttBroker.StartAsync(Options(port), new LogCapture(), Ct);
        Assert.Equal(port, restarted.LocalEndPoint.Port);
    }
}
