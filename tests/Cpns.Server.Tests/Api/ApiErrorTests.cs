using System.Net;
using System.Net.Http.Json;
using System.Text;
using Cpns.Server.Tests.Infrastructure;

namespace Cpns.Server.Tests.Api;

public sealed class ApiErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_NoKeyOrWrongKey_401ProblemDetails()
    {
        await using var server = await TestServer.StartAsync();
        var anonymous = server.CreateClient(null);
        var wrong = server.CreateClient("cpns.bootstrap.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        var garbage = server.CreateClient("not-a-key");
        var tampered = server.CreateClient(server.OperatorKey[..^2] + (server.OperatorKey[^2] == 'A' ? "BB" : "AA"));

        foreach (var client in new[] { anonymous, wrong, garbage, tampered })
        {
            await Problems.AssertProblemAsync(await client.GetAsync("/groups", Ct), HttpStatusCode.Unauthorized);
            await Problems.AssertProblemAsync(await client.PostAsJsonAsync("/groups", new { name = "x" }, Ct), HttpStatusCode.Unauthorized);
            await Problems.AssertProblemAsync(await client.GetAsync("/audit", Ct), HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task Group_UnknownId_404ProblemDetails()
    {
        await using var server = await TestServer.StartAsync();
        var id = Guid.NewGuid();

        await Problems.AssertProblemAsync(await server.Client.GetAsync($"/groups/{id}", Ct), HttpStatusCode.NotFound);
        await Problems.AssertProblemAsync(await server.Client.DeleteAsync($"/groups/{id}", Ct), HttpStatusCode.NotFound);
        await Problems.AssertProblemAsync(await server.Client.PostAsync($"/groups/{id}/rotate", null, Ct), HttpStatusCode.NotFound);
        await Problems.AssertProblemAsync(await server.Client.GetAsync($"/groups/{id}/deliveries", Ct), HttpStatusCode.NotFound);
        await Problems.AssertProblemAsync(await server.Client.GetAsync("/groups/not-a-guid", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task CreateGroup_BadBodies_400NamingTheField()
    {
        await using var server = await TestServer.StartAsync();

        await Problems.AssertFieldErrorAsync(await server.Client.PostAsJsonAsync("/groups", new { application = "x" }, Ct), "name");
        await Problems.AssertFieldErrorAsync(await server.Client.PostAsJsonAsync("/groups", new { name = new string('n', 201) }, Ct), "name");
        await Problems.AssertFieldErrorAsync(await server.Client.PostAsJsonAsync("/groups", new { name = "g", policy = new { rotationIntervalSeconds = 0 } }, Ct), "policy.rotationIntervalSeconds");
        await Problems.AssertFieldErrorAsync(await PostRawAsync(server, "/groups", """{"name":"g","policy":{"rotationIntervalSeconds":"soon"}}"""), "policy.rotationIntervalSeconds");
        // A truncated document is reported at the field where reading stopped.
        await Problems.AssertFieldErrorAsync(await PostRawAsync(server, "/groups", """{"name": """), "name");
        await Problems.AssertFieldErrorAsync(await PostRawAsync(server, "/groups", "[1,2]"), "body");
    }

    [Fact]
    public async Task AddMember_BadBodyOrConflicts_400Or409()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
        await server.AddMemberAsync(id, "gw1", "watch");

        await Problems.AssertFieldErrorAsync(await server.Client.PostAsJsonAsync($"/groups/{id}/members", new { pneId = "watch" }, Ct), "gatewayId");
        await Problems.AssertFieldErrorAsync(await server.Client.PostAsJsonAsync($"/groups/{id}/members", new { gatewayId = "gw1", pneId = "a/b" }, Ct), "pneId");
        var duplicate = await Problems.AssertProblemAsync(await server.Client.PostAsJsonAsync($"/groups/{id}/members", new { gatewayId = "gw1", pneId = "watch" }, Ct), HttpStatusCode.Conflict);
        var notInInventory = await Problems.AssertProblemAsync(await server.Client.PostAsJsonAsync($"/groups/{id}/members", new { gatewayId = "gw1", pneId = "stranger" }, Ct), HttpStatusCode.Conflict);
        await Problems.AssertFieldErrorAsync(await server.Client.DeleteAsync($"/groups/{id}/members/no-colon", Ct), "memberId");
        await Problems.AssertProblemAsync(await server.Client.DeleteAsync($"/groups/{id}/members/gw1:nobody", Ct), HttpStatusCode.NotFound);
        await Problems.AssertProblemAsync(await server.Client.PostAsync($"/groups/{id}/members/gw1:nobody/compromise", null, Ct), HttpStatusCode.NotFound);

        Assert.Contains("already a member", duplicate.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("not registered", notInInventory.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplicationKey_AnotherApplicationsGroup_403()
    {
        await using var server = await TestServer.StartAsync();
        var other = server.CreateClient(await server.AddKeyAsync("app-b", ApiKeyScope.Application));
        var ownerClient = server.CreateClient(await server.AddKeyAsync("app-a", ApiKeyScope.Application));
        var id = (await server.CreateGroupAsync("a's group", ownerClient)).GetProperty("id").GetGuid();

        await Problems.AssertProblemAsync(await other.GetAsync($"/groups/{id}", Ct), HttpStatusCode.Forbidden);
        await Problems.AssertProblemAsync(await other.PostAsync($"/groups/{id}/rotate", null, Ct), HttpStatusCode.Forbidden);
        await Problems.AssertProblemAsync(await other.DeleteAsync($"/groups/{id}", Ct), HttpStatusCode.Forbidden);
        await Problems.AssertProblemAsync(await other.GetAsync($"/groups/{id}/deliveries", Ct), HttpStatusCode.Forbidden);
        await Problems.AssertProblemAsync(await other.PostAsJsonAsync("/groups", new { name = "x", application = "app-a" }, Ct), HttpStatusCode.Forbidden);
        await Problems.AssertProblemAsync(await other.PostAsJsonAsync("/gateways/enrollments", new { gatewayId = "gw1" }, Ct), HttpStatusCode.Forbidden);
        Assert.Equal(0, (await other.GetFromJsonAsync<System.Text.Json.JsonElement>($"/audit?groupId={id}", Ct)).GetArrayLength());
    }

    private static Task<HttpResponseMessage> PostRawAsync(TestServer server, string path, string json) =>
        server.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Ct);
}
