using System.Net;
using System.Security.Authentication;
using Cpns.Gateway;
using Cpns.Gateway.Hosting;
using Cpns.Gateway.ServerLink;
using Cpns.Security.Tests.Support;
using Cpns.Transport;
using GatewayServerLink = Cpns.Gateway.ServerLink.ServerLink;

namespace Cpns.Security.Tests.Tls;

/// <summary>
/// TLS on the three listeners a peer can reach: the server's embedded broker, a PN broker, the server's HTTPS. Only
/// TLS 1.2 and 1.3 (1.3 preferred), client certificates of another CA refused, and the real clients (DeviceClient,
/// ServerLink) refusing a server certificate they were not told to trust.
/// </summary>
public sealed class TlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Listeners_Tls10And11ClientHello_NoServerHelloWhileTls12HelloIsAnswered()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync(https: true);
        var node = await PnAsync(bed);
        foreach (var (name, endpoint) in Listeners(bed, node))
        {
            // Hand-made hellos: what the server does with an old version, whatever the local TLS library would offer.
            foreach (var old in new ushort[] { 0x0301, 0x0302 })
            {
                var (answer, alert) = await TlsProbe.HelloAsync(endpoint, old, Ct);
                TestContext.Current.SendDiagnosticMessage($"{name}: hello 0x{old:x4} answered {answer} {alert}");
                Assert.NotEqual(TlsProbe.Answer.ServerHello, answer);
                if (answer == TlsProbe.Answer.Alert)
                {
                    Assert.Equal(70, alert); // protocol_version (RFC 5246 7.2.2)
                }
            }

            // The same hello at TLS 1.2 gets a ServerHello: the refusal above is the version's.
            Assert.Equal(TlsProbe.Answer.ServerHello, (await TlsProbe.HelloAsync(endpoint, 0x0303, Ct)).Answer);
            TestContext.Current.SendDiagnosticMessage($"{name}: TLS 1.0/1.1 hellos refused, TLS 1.2 answered");
        }

        // The brokers count the failed handshakes they saw.
        Assert.True(metrics.Sum("cpns.transport.broker.connections.refused", ("reason", "tls handshake failed")) >= 4, metrics.Dump());
        Assert.True(bed.Logs.Has(102, "TLS handshake"), "the broker logs the failed handshake");
    }

    [Fact]
    public async Task Listeners_SslStreamClient_NegotiatesTls13ByDefaultTls12WhenAskedNeverTls11()
    {
        await using var bed = await SecurityBed.StartAsync(https: true);
        var node = await PnAsync(bed);
#pragma warning disable SYSLIB0039 // TLS 1.0/1.1 on purpose: they must fail.
        const SslProtocols Old = SslProtocols.Tls | SslProtocols.Tls11;
#pragma warning restore SYSLIB0039

        foreach (var (name, endpoint) in Listeners(bed, node))
        {
            Assert.Equal(SslProtocols.Tls13, (await TlsProbe.HandshakeAsync(endpoint, SslProtocols.None, null, Ct)).Negotiated);
            Assert.Equal(SslProtocols.Tls12, (await TlsProbe.HandshakeAsync(endpoint, SslProtocols.Tls12, null, Ct)).Negotiated);
            var (negotiated, error) = await TlsProbe.HandshakeAsync(endpoint, Old, null, Ct);
            Assert.Null(negotiated);
            TestContext.Current.SendDiagnosticMessage($"{name}: SslStream offering only TLS 1.0/1.1 failed: {error?.GetType().Name} {error?.InnerException?.Message ?? error?.Message}");
        }
    }

    [Fact]
    public async Task Brokers_ClientCertificateFromAnotherCa_RefusedLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var node = await PnAsync(bed);
        using var rogueCa = CertificateAuthority.Create("rogue CA");
        using var key = ClientKeyPair.Create();
        using var issued = rogueCa.IssueClientCertificate("gw-pn", key.CreateSigningRequest("gw-pn"));
        using var certificate = key.AttachCertificate(issued);
        foreach (var broker in new[] { bed.Server.MqttEndpoint, node.Host.PnEndpoint })
        {
            var before = metrics.Sum("cpns.transport.broker.connections.refused", ("reason", "client certificate invalid"));
            foreach (var protocol in new[] { SslProtocols.Tls12, SslProtocols.Tls13 })
            {
                Assert.True(await TlsProbe.ClientCertificateRefusedAsync(ToIp(broker), protocol, certificate, Ct), $"{broker} {protocol}");
            }

            await Eventually.TrueAsync(
                () => metrics.Sum("cpns.transport.broker.connections.refused", ("reason", "client certificate invalid")) == before + 2,
                $"{broker} to count both refusals");
        }

        Assert.True(bed.Logs.Has(103, "refused"), "the broker logs why it refused the certificate");
    }

    [Fact]
    public async Task DeviceClient_PnBrokerWithSelfMadeCertificate_NeverConnects()
    {
        await using var bed = await SecurityBed.StartAsync();
        var node = await PnAsync(bed);
        var device = await Device.Client.DeviceClient.PairAsync(node.DeviceOptions("d1"), node.Host.StartPairing().Code, node.Host.PairingEndpoint, "d1", loggerFactory: bed.Logs, cancellationToken: Ct);
        await using var _ = device;

        // A broker on loopback with a certificate of its own CA, as someone impersonating the PN GW would run.
        await using var rogue = await RogueBrokerAsync(bed);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(4));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => device.StartAsync(rogue.Broker.Endpoint, wait.Token));
        Assert.Empty(rogue.Connected);
        Assert.True(bed.Logs.Has(207, "d1 refused the broker's certificate: certificate chain invalid"), "the device logs why it refused the broker");
    }

    [Fact]
    public async Task ServerLink_ServerWithSelfMadeHttpsCertificate_EnrollmentRefusedUnlessPinned()
    {
        await using var bed = await SecurityBed.StartAsync(https: true);

        // Not pinned: the system trust store does not know the server's self-made certificate.
        var token = await bed.TokenAsync("gw-unpinned");
        var error = await Record.ExceptionAsync(() => StartLinkAsync(bed, "gw-unpinned", token, serverCaPath: null, mqtt: null, Ct));
        Assert.NotNull(error);
        Assert.Contains(Flatten(error), e => e is AuthenticationException);

        // Pinned (the operator hands the gateway the server's certificate): the same enrollment succeeds.
        using var certificate = await TlsProbe.ServerCertificateAsync(new IPEndPoint(IPAddress.Loopback, bed.Server.Addresses[0].Port), Ct);
        var pem = Path.Combine(bed.RootDirectory, "server-https.pem");
        await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem(), Ct);
        var node = await bed.PinnedGatewayAsync("gw-pinned", pem);
        Assert.True(node.Link.IsConnected || GatewayServerLink.IsEnrolled(node.GatewayDirectory));
    }

    [Fact]
    public async Task ServerLink_ServerBrokerWithSelfMadeCertificate_NeverConnects()
    {
        await using var bed = await SecurityBed.StartAsync();
        await using var rogue = await RogueBrokerAsync(bed);
        var token = await bed.TokenAsync("gw-lured");

        // Enrolled for real (the server CA is pinned from the enrollment answer), then pointed at the rogue broker.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(4));
        var started = await Record.ExceptionAsync(() => StartLinkAsync(bed, "gw-lured", token, null, rogue.Broker.Endpoint, wait.Token));
        Assert.Empty(rogue.Connected);
        Assert.True(bed.Logs.Has(207, "gw-lured refused the broker's certificate: certificate chain invalid"), "the link logs why it refused the broker");
        TestContext.Current.SendDiagnosticMessage($"ServerLink against the rogue broker: {started?.GetType().Name ?? "started, not connected"}");
    }

    private static async Task<PnNode> PnAsync(SecurityBed bed)
    {
        if (bed.Server.Addresses[0].Scheme == Uri.UriSchemeHttps)
        {
            using var certificate = await TlsProbe.ServerCertificateAsync(new IPEndPoint(IPAddress.Loopback, bed.Server.Addresses[0].Port), Ct);
            var pem = Path.Combine(bed.RootDirectory, "server-https.pem");
            await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem(), Ct);
            return await bed.PinnedGatewayAsync("gw-pn", pem);
        }

        return await bed.GatewayAsync("gw-pn");
    }

    private static IEnumerable<(string Name, IPEndPoint Endpoint)> Listeners(SecurityBed bed, PnNode node) =>
    [
        ("server broker", ToIp(bed.Server.MqttEndpoint)),
        ("PN broker", ToIp(node.Host.PnEndpoint)),
        ("server HTTPS", new IPEndPoint(IPAddress.Loopback, bed.Server.Addresses[0].Port)),
    ];

    private static IPEndPoint ToIp(MqttBrokerEndpoint endpoint) => new(IPAddress.Parse(endpoint.Host), endpoint.Port);

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
        }
    }

    private static async Task StartLinkAsync(SecurityBed bed, string gatewayId, string token, string? serverCaPath, MqttBrokerEndpoint? mqtt, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(bed.RootDirectory, gatewayId);
        await using var link = new GatewayServerLink(
            new ServerLinkOptions { Server = bed.Server.Addresses[0], EnrollmentToken = token, ServerCaPath = serverCaPath, Mqtt = mqtt, ReconnectDelay = TimeSpan.FromMilliseconds(200) },
            bed.Logs);
        var options = new GatewayHostOptions
        {
            Gateway = new GatewayOptions { DataDirectory = Path.Combine(directory, "gateway"), TreeHeight = 4 },
            GatewayId = gatewayId,
            PnId = "pn-" + gatewayId,
            Port = 0,
            PairingPort = 0,
        };
        await using var host = await GatewayHost.StartAsync(options, link, bed.Logs, cancellationToken: Ct);
        await link.StartAsync(host, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        Assert.False(link.IsConnected);
    }

    private static async Task<RogueBroker> RogueBrokerAsync(SecurityBed bed)
    {
        var ca = CertificateAuthority.Create("self-made");
        var connected = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var broker = await MqttBroker.StartAsync(
            new MqttBrokerOptions
            {
                ServerCertificate = ca.IssueServerCertificate(),
                ClientCaCertificate = ca.Certificate,
                AuthorizationPolicy = TopicPolicies.ServerBroker(),
                Port = 0,
                ClientConnected = id =>
                {
                    connected.Enqueue(id);
                    return Task.CompletedTask;
                },
            },
            bed.Logs,
            Ct);
        return new RogueBroker(ca, broker, connected);
    }

    private sealed record RogueBroker(CertificateAuthority Ca, MqttBroker Broker, System.Collections.Concurrent.ConcurrentQueue<string> Connected) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Broker.DisposeAsync();
            Ca.Dispose();
        }
    }
}
