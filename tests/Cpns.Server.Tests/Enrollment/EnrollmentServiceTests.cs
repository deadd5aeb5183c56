using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Server.Auth;
using Cpns.Server.Enrollment;
using Cpns.Server.Tests.Infrastructure;

namespace Cpns.Server.Tests.Enrollment;

public sealed class EnrollmentServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostEnrollment_Operator_ReturnsTokenRedeemableOnce()
    {
        await using var server = await TestServer.StartAsync();

        var response = await server.Client.PostAsJsonAsync("/gateways/enrollments", new { gatewayId = "gw-home", ttlSeconds = 600 }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var token = body.GetProperty("token").GetString()!;
        var service = server.Service<EnrollmentService>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("gw-home", await service.RedeemAsync(token, Ct));
        Assert.Null(await service.RedeemAsync(token, Ct));
        Assert.Contains(server.Logs.Lines, l => l.Contains("already used", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RedeemAsync_ExpiredWrongOrMalformed_Refused()
    {
        await using var server = await TestServer.StartAsync();
        var service = server.Service<EnrollmentService>();
        var expired = await service.CreateAsync(Caller.System, "gw1", TimeSpan.FromMilliseconds(-1), Ct);
        var valid = await service.CreateAsync(Caller.System, "gw1", TimeSpan.FromHours(1), Ct);

        Assert.Null(await service.RedeemAsync(expired.Token, Ct));
        Assert.Null(await service.RedeemAsync(valid.Token[..^1] + (valid.Token[^1] == 'A' ? 'B' : 'A'), Ct));
        Assert.Null(await service.RedeemAsync("garbage", Ct));
        Assert.Equal("gw1", await service.RedeemAsync(valid.Token, Ct));
    }

    [Fact]
    public async Task PostEnrollment_MissingGatewayId_400()
    {
        await using var server = await TestServer.StartAsync();

        await Problems.AssertFieldErrorAsync(await server.Client.PostAsJsonAsync("/gateways/enrollments", new { ttlSeconds = 5 }, Ct), "gatewayId");
    }
}
