using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Cpns.Server.Tests.Infrastructure;
using Cpns.Server.Tests.Support;
using Cpns.Transport;

namespace Cpns.Server.Tests.Enrollment;

/// <summary><c>POST /gateways/enroll</c> on a real server: certificates from the server CA, per-gateway keys, refused tokens.</summary>
public sealed class EnrollmentEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Enroll_ValidToken_CertificateForTokensGatewayIdAndKey()
    {
        await using var bed = await DeliveryTestBed.StartAsync(BrokerKind.Embedded);
        var token = await bed.CreateTokenAsync("gw-1");

        // The CSR asks for the server's identity: the CA ignores it and writes the id the token names.
        await using var gw = await TestGateway.EnrollAsync(bed.Anonymous, token, requestedCn: "cpns-server");

        Assert.Equal("gw-1", gw.Id);
        Assert.Equal("gw-1", gw.Certificate.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal("CPNS Server CA", gw.Ca.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(bed.Server.Host.MqttEndpoint, gw.Broker);
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(gw.Ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(gw.Certificate));
        }

        await gw.ConnectAsync();
        var ack = await gw.ReportInventoryAsync("pn-1", ["watch"]);
        Assert.Equal(Cpns.Protocol.V1.Status.Ok, ack.Status);
        Assert.True(File.Exists(Path.Combine(bed.Server.Options.DataDirectory, "ca.crt")));
        Assert.DoesNotContain(bed.Server.Logs.Lines, l => l.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enroll_ReusedToken_Refused401AndLogged()
    {
        await using var bed = await DeliveryTestBed.StartAsync(BrokerKind.Embedded);
        var token = await bed.CreateTokenAsync("gw-2");
        await using var first = await TestGateway.EnrollAsync(bed.Anonymous, token);

        var again = await EnrollRawAsync(bed.Anonymous, token);

        await Problems.AssertProblemAsync(again, HttpStatusCode.Unauthorized);
        Assert.True(bed.Logged("refused: already used"));
    }

    [Fact]
    public async Task Enroll_ExpiredToken_Refused401AndLogged()
    {
        await using var bed = await DeliveryTestBed.StartAsync(BrokerKind.Embedded);
        var token = await bed.CreateTokenAsync("gw-3", ttlSeconds: 1);
        await Task.Delay(1200, Ct);

        var response = await EnrollRawAsync(bed.Anonymous, token);

        await Problems.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.True(bed.Logged("refused: expired"));
    }

    [Fact]
    public async Task Enroll_UnknownOrMalformedToken_Refused401()
    {
        await using var bed = await DeliveryTestBed.StartAsync(BrokerKind.Embedded);

        await Problems.AssertProblemAsync(await EnrollRawAsync(bed.Anonymous, "cpnsenr.0011223344556677.secret"), HttpStatusCode.Unauthorized);
        await Problems.AssertProblemAsync(await EnrollRawAsync(bed.Anonymous, "not a token"), HttpStatusCode.Unauthorized);
        Assert.True(bed.Logged("refused: unknown token"));
        Assert.True(bed.Logged("refused: malformed token"));
    }

    [Fact]
    public async Task Enroll_BadCsr_400AndTokenNotSpent()
    {
        await using var bed = await DeliveryTestBed.StartAsync(BrokerKind.Embedded);
        var token = await bed.CreateTokenAsync("gw-4");

        var bad = await bed.Anonymous.PostAsJsonAsync("/gateways/enroll", new { token, csr = Convert.ToBase64String([0x30, 0x03, 0x02, 0x01, 0x00]) }, Ct);

        await Problems.AssertFieldErrorAsync(bad, "csr");
        await using var gw = await TestGateway.EnrollAsync(bed.Anonymous, token);
        Assert.Equal("gw-4", gw.Id);
    }

    [Fact]
    public async Task CreateToken_ServerIdentity_400()
    {
        await using var bed = await DeliveryTestBed.StartAsync(BrokerKind.Embedded);

        var response = await bed.Server.Client.PostAsJsonAsync("/gateways/enrollments", new { gatewayId = "cpns-server" }, Ct);

        await Problems.AssertFieldErrorAsync(response, "gatewayId");
    }

    [Fact]
    public async Task Enroll_AgainWithNewToken_ReplacesKeyAndPendingDeliveriesUseIt()
    {
        await using var bed = await DeliveryTestBed.StartAsync(BrokerKind.Embedded);
        var old = await bed.GatewayAsync("gw-5", "watch");
        await old.DisconnectAsync();

        await using var renewed = await TestGateway.EnrollAsync(bed.Anonymous, await bed.CreateTokenAsync("gw-5"));
        await renewed.ConnectAsync();
        var group = await bed.CreateGroupAsync(("gw-5", "watch"));
        await bed.WaitForStatusAsync(group, 1, "gw-5", "Acknowledged");

        Assert.NotEqual(old.Certificate.SerialNumber, renewed.Certificate.SerialNumber);
        var notification = Assert.Single(renewed.Notifications);
        var key = new byte[32];
        Assert.False(old.Key.TryOpen(notification.WrappedGroupKey.Span, TestGateway.AssociatedData("gw-5", notification.GroupId, 1), key, out _));
        Assert.Single(renewed.Accepted);
        var audit = await bed.Server.Client.GetFromJsonAsync<JsonElement>("/audit", Ct);
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "gateway.reenrolled");
    }

    private static Task<HttpResponseMessage> EnrollRawAsync(HttpClient client, string token)
    {
        using var key = ClientKeyPair.Create();
        return client.PostAsJsonAsync("/gateways/enroll", new { token, csr = Convert.ToBase64String(key.CreateSigningRequest("x")) }, Ct);
    }
}
