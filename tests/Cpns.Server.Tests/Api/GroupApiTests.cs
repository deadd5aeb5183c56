using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Server.Tests.Infrastructure;

namespace Cpns.Server.Tests.Api;

public sealed class GroupApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateGroup_ValidBody_StartsAtEpochOne()
    {
        await using var server = await TestServer.StartAsync();

        var group = await server.CreateGroupAsync("family photos", policy: new { rotationIntervalSeconds = 3600, rotateOnJoin = true });

        Assert.Equal("family photos", group.GetProperty("name").GetString());
        Assert.Equal(1, group.GetProperty("currentEpoch").GetInt64());
        Assert.Equal(3600, group.GetProperty("policy").GetProperty("rotationIntervalSeconds").GetInt32());
        Assert.True(group.GetProperty("policy").GetProperty("rotateOnJoin").GetBoolean());
    }

    [Fact]
    public async Task ListAndGet_CreatedGroups_AreReturned()
    {
        await using var server = await TestServer.StartAsync();
        var a = await server.CreateGroupAsync("a");
        var b = await server.CreateGroupAsync("b");

        var list = await server.Client.GetFromJsonAsync<JsonElement>("/groups", Ct);
        var got = await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{b.GetProperty("id").GetGuid()}", Ct);

        Assert.Equal(new[] { "a", "b" }, list.EnumerateArray().Select(g => g.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(a.GetProperty("id").GetGuid(), list[0].GetProperty("id").GetGuid());
        Assert.Equal("b", got.GetProperty("name").GetString());
        Assert.Equal(0, got.GetProperty("members").GetArrayLength());
    }

    [Fact]
    public async Task Rotate_ThreeTimes_EpochIncrementsByOneEachTime()
    {
        await using var server = await TestServer.StartAsync();
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();

        var epochs = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var response = await server.Client.PostAsync($"/groups/{id}/rotate", null, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            epochs.Add((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("epoch").GetInt64());
        }

        Assert.Equal([2L, 3L, 4L], epochs);
        var group = await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}", Ct);
        Assert.Equal(4, group.GetProperty("currentEpoch").GetInt64());
    }

    [Fact]
    public async Task AddMember_RegisteredPne_QueuesCurrentEpochForItsGateway()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();

        var added = await server.AddMemberAsync(id, "gw1", "watch");
        var deliveries = await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}/deliveries", Ct);
        var group = await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}", Ct);

        Assert.Equal("gw1:watch", added.GetProperty("member").GetProperty("id").GetString());
        Assert.Equal(1, added.GetProperty("epoch").GetInt64());
        Assert.False(added.GetProperty("rotated").GetBoolean());
        var d = Assert.Single(deliveries.EnumerateArray());
        Assert.Equal((1L, "gw1", "KeyUpdate", "Pending"), (d.GetProperty("epoch").GetInt64(), d.GetProperty("gatewayId").GetString(), d.GetProperty("kind").GetString(), d.GetProperty("status").GetString()));
        Assert.Equal("Active", group.GetProperty("members")[0].GetProperty("state").GetString());
        Assert.Equal(1, group.GetProperty("activeMembers").GetInt32());
    }

    [Fact]
    public async Task AddMember_RotateOnJoinPolicy_IssuesNewEpoch()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        var id = (await server.CreateGroupAsync(policy: new { rotateOnJoin = true })).GetProperty("id").GetGuid();

        var added = await server.AddMemberAsync(id, "gw1", "watch");

        Assert.Equal(2, added.GetProperty("epoch").GetInt64());
        Assert.True(added.GetProperty("rotated").GetBoolean());
    }

    [Fact]
    public async Task RemoveMember_LastOfItsGateway_RotatesAndTellsGatewayToDelete()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        await server.RegisterPneAsync("gw2", "speaker");
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
        await server.AddMemberAsync(id, "gw1", "watch");
        await server.AddMemberAsync(id, "gw2", "speaker");

        var response = await server.Client.DeleteAsync($"/groups/{id}/members/gw1:watch", Ct);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var deliveries = (await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}/deliveries", Ct)).EnumerateArray()
            .ToDictionary(d => (d.GetProperty("epoch").GetInt64(), d.GetProperty("gatewayId").GetString()), d => (d.GetProperty("kind").GetString(), d.GetProperty("status").GetString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, result.GetProperty("epoch").GetInt64());
        Assert.Equal("MemberLeft", result.GetProperty("reason").GetString());
        Assert.Equal(("KeyUpdate", "Superseded"), deliveries[(1, "gw1")]);
        Assert.Equal(("KeyUpdate", "Superseded"), deliveries[(1, "gw2")]);
        Assert.Equal(("Delete", "Pending"), deliveries[(2, "gw1")]);
        Assert.Equal(("KeyUpdate", "Pending"), deliveries[(2, "gw2")]);
    }

    [Fact]
    public async Task Compromise_ActiveMember_RotatesAndBarsRejoin()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        await server.RegisterPneAsync("gw1", "laptop");
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
        await server.AddMemberAsync(id, "gw1", "watch");
        await server.AddMemberAsync(id, "gw1", "laptop");

        var response = await server.Client.PostAsync($"/groups/{id}/members/gw1:laptop/compromise", null, Ct);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var rejoin = await server.Client.PostAsJsonAsync($"/groups/{id}/members", new { gatewayId = "gw1", pneId = "laptop" }, Ct);
        var leaveFirst = await server.Client.DeleteAsync($"/groups/{id}/members/gw1:laptop", Ct);
        var group = await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, result.GetProperty("epoch").GetInt64());
        Assert.Equal("MemberCompromised", result.GetProperty("reason").GetString());
        var problem = await Problems.AssertProblemAsync(rejoin, HttpStatusCode.Conflict);
        Assert.Contains("compromised", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        await Problems.AssertProblemAsync(leaveFirst, HttpStatusCode.NotFound);
        var laptop = group.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("pneId").GetString() == "laptop");
        Assert.Equal("Compromised", laptop.GetProperty("state").GetString());
        Assert.Equal(2, group.GetProperty("currentEpoch").GetInt64());
    }

    [Fact]
    public async Task DeleteGroup_WithMembers_GroupGoneAndDeleteDeliveriesQueued()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
        await server.AddMemberAsync(id, "gw1", "watch");

        var response = await server.Client.DeleteAsync($"/groups/{id}", Ct);
        var get = await server.Client.GetAsync($"/groups/{id}", Ct);
        var list = await server.Client.GetFromJsonAsync<JsonElement>("/groups", Ct);
        var deliveries = await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}/deliveries", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Problems.AssertProblemAsync(get, HttpStatusCode.NotFound);
        Assert.Equal(0, list.GetArrayLength());
        var last = deliveries.EnumerateArray().Last();
        Assert.Equal((2L, "Delete", "Pending"), (last.GetProperty("epoch").GetInt64(), last.GetProperty("kind").GetString(), last.GetProperty("status").GetString()));
        var key = new byte[32];
        Assert.False(await server.Service<Keys.GroupKeyService>().TryReadGroupKeyAsync(id, 1, key, Ct));
    }

    [Fact]
    public async Task Audit_AfterLifecycle_ListsEveryEventWithEpochs()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
        await server.AddMemberAsync(id, "gw1", "watch");
        await server.Client.PostAsync($"/groups/{id}/rotate", null, Ct);
        await server.Client.PostAsync($"/groups/{id}/members/gw1:watch/compromise", null, Ct);
        await server.Client.DeleteAsync($"/groups/{id}", Ct);

        var audit = await server.Client.GetFromJsonAsync<JsonElement>($"/audit?groupId={id}", Ct);

        var events = audit.EnumerateArray().Select(a => (a.GetProperty("action").GetString(), a.GetProperty("epoch").GetInt64())).ToArray();
        Assert.Equal(
            [("group.created", 1L), ("member.added", 1L), ("gk.rotated", 2L), ("member.compromised", 3L), ("group.deleted", 4L)],
            events);
        Assert.All(audit.EnumerateArray(), a => Assert.StartsWith("key:", a.GetProperty("actor").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApplicationKey_OwnGroups_ListedAndManageable()
    {
        await using var server = await TestServer.StartAsync();
        var appKey = await server.AddKeyAsync("photo-app", ApiKeyScope.Application);
        var app = server.CreateClient(appKey);
        await server.CreateGroupAsync("operator's");
        var own = await server.CreateGroupAsync("app's", app);

        var list = await app.GetFromJsonAsync<JsonElement>("/groups", Ct);
        var rotate = await app.PostAsync($"/groups/{own.GetProperty("id").GetGuid()}/rotate", null, Ct);

        Assert.Equal("photo-app", own.GetProperty("application").GetString());
        Assert.Equal("app's", Assert.Single(list.EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
    }

    [Fact]
    public async Task XApiKeyHeader_ValidKey_Accepted()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.CreateClient(null);
        client.DefaultRequestHeaders.Add("X-Api-Key", server.OperatorKey);

        var response = await client.GetAsync("/groups", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HealthAndOpenApi_NoKey_Served()
    {
        await using var server = await TestServer.StartAsync();
        var anonymous = server.CreateClient(null);

        var health = await anonymous.GetAsync("/healthz", Ct);
        var ready = await anonymous.GetAsync("/readyz", Ct);
        var openApi = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var paths = openApi.GetProperty("paths");
        foreach (var path in new[] { "/groups", "/groups/{id}", "/groups/{id}/members", "/groups/{id}/members/{memberId}", "/groups/{id}/members/{memberId}/compromise", "/groups/{id}/rotate", "/groups/{id}/deliveries", "/audit", "/gateways/enrollments" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI document lacks {path}");
        }

        // The interactive page over the same document, its script served by the server itself (no CDN).
        var page = await anonymous.GetStringAsync("/swagger/index.html", Ct);
        Assert.Contains("CPNS Server REST API", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/swagger/swagger-ui-bundle.js", Ct)).StatusCode);
    }
}
