using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Server.Deliveries;
using Cpns.Server.Enrollment;
using Cpns.Server.Keys;
using Cpns.Server.Tests.Infrastructure;

namespace Cpns.Server.Tests.Hosting;

public sealed class ServerHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_PortZero_ReportsBoundLoopbackAddress()
    {
        await using var server = await TestServer.StartAsync();

        var address = Assert.Single(server.Host.Addresses);

        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(0, address.Port);
    }

    [Fact]
    public async Task StartAsync_FirstStart_PrintsWorkingOperatorKeyOnceOnly()
    {
        var dir = TestServer.NewDirectory();
        var output = new StringWriter();
        string printed;
        await using (var first = await TestServer.StartAsync(dataDirectory: dir, configure: o => o.BootstrapOutput = output, operatorKey: "unused"))
        {
            printed = output.ToString().Trim().Split(' ')[^1];
            var client = first.CreateClient(printed);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/groups", Ct)).StatusCode);
            Assert.DoesNotContain(first.Logs.Lines, l => l.Contains(printed, StringComparison.Ordinal));
        }

        var second = new StringWriter();
        await using (await TestServer.StartAsync(dataDirectory: dir, configure: o => o.BootstrapOutput = second, operatorKey: "unused"))
        {
            Assert.Equal(string.Empty, second.ToString());
        }

        Assert.StartsWith("cpns.bootstrap.", printed, StringComparison.Ordinal);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task StartAsync_Https_ServesWithGeneratedCertificate()
    {
        await using var server = await TestServer.StartAsync(configure: o =>
        {
            o.HttpUrls.Clear();
            o.HttpUrls.Add("https://127.0.0.1:0");
        });
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Subject == "CN=CPNS Server" };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };

        var response = await client.GetAsync("/healthz", Ct);

        Assert.Equal("https", server.BaseAddress.Scheme);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Logs_AfterFullLifecycle_ContainNoKeyTokenOrGroupKey()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
        await server.AddMemberAsync(id, "gw1", "watch");
        await server.Client.PostAsync($"/groups/{id}/rotate", null, Ct);
        var enrollment = await (await server.Client.PostAsJsonAsync("/gateways/enrollments", new { gatewayId = "gw1" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var token = enrollment.GetProperty("token").GetString()!;
        await server.Service<EnrollmentService>().RedeemAsync(token, Ct);
        await server.Service<EnrollmentService>().RedeemAsync(token, Ct);
        await server.CreateClient(server.OperatorKey + "x").GetAsync("/groups", Ct);
        var gk = new byte[32];
        Assert.True(await server.Service<GroupKeyService>().TryReadGroupKeyAsync(id, 2, gk, Ct));

        var secrets = new[] { server.OperatorKey, token, Convert.ToHexString(gk), Convert.ToHexStringLower(gk), Convert.ToBase64String(gk) };

        Assert.NotEmpty(server.Logs.Lines);
        foreach (var line in server.Logs.Lines)
        {
            Assert.DoesNotContain(secrets, s => line.Contains(s, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AcknowledgeAsync_PendingThenDuplicate_AcknowledgesOnce()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
        await server.AddMemberAsync(id, "gw1", "watch");
        var deliveries = server.Service<DeliveryService>();

        var first = await deliveries.AcknowledgeAsync(id, 1, "gw1", Ct);
        var duplicate = await deliveries.AcknowledgeAsync(id, 1, "gw1", Ct);
        var unknown = await deliveries.AcknowledgeAsync(id, 9, "gw1", Ct);
        var listed = await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}/deliveries", Ct);

        Assert.True(first);
        Assert.False(duplicate);
        Assert.False(unknown);
        Assert.Equal("Acknowledged", listed[0].GetProperty("status").GetString());
        Assert.Empty(await deliveries.PendingForGatewayAsync("gw1", Ct));
    }
}
