using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Server.Inventory;
using Cpns.Server.Tests.Infrastructure;

namespace Cpns.Server.Tests.Inventory;

public sealed class InventoryServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RemovePneAsync_MemberOfTwoGroups_LeavesBothWithNewEpochs()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterPneAsync("gw1", "watch");
        var a = (await server.CreateGroupAsync("a")).GetProperty("id").GetGuid();
        var b = (await server.CreateGroupAsync("b")).GetProperty("id").GetGuid();
        await server.AddMemberAsync(a, "gw1", "watch");
        await server.AddMemberAsync(b, "gw1", "watch");

        Assert.True(await server.Service<InventoryService>().RemovePneAsync("gw1", "watch", Ct));

        foreach (var id in new[] { a, b })
        {
            var group = await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}", Ct);
            Assert.Equal(2, group.GetProperty("currentEpoch").GetInt64());
            Assert.Equal("Left", group.GetProperty("members")[0].GetProperty("state").GetString());
        }

        var rejoin = await server.Client.PostAsJsonAsync($"/groups/{a}/members", new { gatewayId = "gw1", pneId = "watch" }, Ct);
        await Problems.AssertProblemAsync(rejoin, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task PutPne_OperatorEndpoint_RecordsInventoryAndAllowsMembership()
    {
        await using var server = await TestServer.StartAsync();

        var created = await server.Client.PutAsJsonAsync("/gateways/gw9/pnes/sensor1", new { pnId = "pn9", alias = "kitchen" }, Ct);
        var updated = await server.Client.PutAsJsonAsync("/gateways/gw9/pnes/sensor1", new { pnId = "pn9", alias = "hall" }, Ct);
        var listed = await server.Client.GetFromJsonAsync<JsonElement>("/gateways/gw9/pnes", Ct);
        var id = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
        var member = await server.AddMemberAsync(id, "gw9", "sensor1");
        var removed = await server.Client.DeleteAsync("/gateways/gw9/pnes/sensor1", Ct);
        var removedAgain = await server.Client.DeleteAsync("/gateways/gw9/pnes/sensor1", Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("hall", listed[0].GetProperty("alias").GetString());
        Assert.Equal("gw9:sensor1", member.GetProperty("member").GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await Problems.AssertProblemAsync(removedAgain, HttpStatusCode.NotFound);
        await Problems.AssertFieldErrorAsync(await server.Client.PutAsJsonAsync("/gateways/gw9/pnes/x", new { alias = "no pn" }, Ct), "pnId");
    }
}
