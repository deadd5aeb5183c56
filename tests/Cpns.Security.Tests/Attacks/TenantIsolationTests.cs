using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Security.Tests.Support;
using Cpns.Server;

namespace Cpns.Security.Tests.Attacks;

/// <summary>
/// An API key for one tenant (application scope) used on another tenant's groups, on operator-only operations, and
/// a guessed key: each refused (403 / 401, the group unchanged), logged with the reason and the key id (never the
/// key), and counted in <c>cpns.server.api.refused</c>.
/// </summary>
public sealed class TenantIsolationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ApplicationKey_OnAnotherTenantsGroup_Refused403GroupUnchangedLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var gw = await bed.GatewayAsync("gw-t", "t1");
        using var tenantA = Client(bed, await ServerHost.AddApiKeyAsync(bed.Options, "tenant-a", ApiKeyScope.Application, Ct));
        using var tenantB = Client(bed, await ServerHost.AddApiKeyAsync(bed.Options, "tenant-b", ApiKeyScope.Application, Ct));
        var created = await tenantA.PostAsJsonAsync("/groups", new { name = "a-only" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var group = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        // Tenant B on tenant A's group: read, rotate, add a member, delete.
        HttpResponseMessage[] answers =
        [
            await tenantB.GetAsync($"/groups/{group}", Ct),
            await tenantB.PostAsync($"/groups/{group}/rotate", null, Ct),
            await tenantB.PostAsJsonAsync($"/groups/{group}/members", new { gatewayId = "gw-t", pneId = "t1" }, Ct),
            await tenantB.DeleteAsync($"/groups/{group}", Ct),
        ];
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Forbidden, a.StatusCode));
        Assert.Equal(answers.Length, metrics.Sum("cpns.server.api.refused", ("reason", "not_owner")));
        Assert.True(bed.Logs.Has(4102, $"/groups/{group}/rotate for API key"), "the refusal logged with the path");
        Assert.True(bed.Logs.Has(4102, ": not_owner"), "the refusal logged with its reason");

        // Beyond its scope (operator only) and a guessed key.
        Assert.Equal(HttpStatusCode.Forbidden, (await tenantB.PostAsJsonAsync("/gateways/enrollments", new { gatewayId = "gw-b" }, Ct)).StatusCode);
        Assert.Equal(1, metrics.Sum("cpns.server.api.refused", ("reason", "operator_scope_required")));
        Assert.True(bed.Logs.Has(4002, "operator_scope_required"));
        using var guess = Client(bed, "cpns_" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await guess.GetAsync("/groups", Ct)).StatusCode);
        Assert.Equal(1, metrics.Sum("cpns.server.api.refused", ("reason", "invalid_api_key")));
        Assert.True(bed.Logs.Has(4001, "Rejected an invalid API key"));

        // Unchanged: still epoch 1, no member, still there for its owner.
        var state = await tenantA.GetFromJsonAsync<JsonElement>($"/groups/{group}", Ct);
        Assert.Equal(1, state.GetProperty("currentEpoch").GetInt64());
        Assert.Equal(0, state.GetProperty("activeMembers").GetInt32());
        Assert.Equal(0UL, await gw.EpochAsync("t1", group.ToString("D")));
    }

    private static HttpClient Client(SecurityBed bed, string key)
    {
        var client = new HttpClient { BaseAddress = bed.Server.Addresses[0] };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
