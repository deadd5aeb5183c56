using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Server.Tests.Infrastructure;

namespace Cpns.Server.Tests.Rotation;

public sealed class PeriodicRotationServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BackgroundLoop_IntervalElapsed_RotatesGroupWithPeriodicAuditEntry()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.RotationCheckInterval = TimeSpan.FromMilliseconds(100));
        var id = (await server.CreateGroupAsync(policy: new { rotationIntervalSeconds = 1 })).GetProperty("id").GetGuid();
        var untouched = (await server.CreateGroupAsync("no policy")).GetProperty("id").GetGuid();

        long epoch = 1;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (epoch < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, Ct);
            epoch = (await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}", Ct)).GetProperty("currentEpoch").GetInt64();
        }

        var audit = await server.Client.GetFromJsonAsync<JsonElement>($"/audit?groupId={id}", Ct);
        Assert.True(epoch >= 2, "the group was not rotated periodically");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("actor").GetString() == "system" && a.GetProperty("detail").GetString() == "Periodic");
        Assert.Equal(1, (await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{untouched}", Ct)).GetProperty("currentEpoch").GetInt64());
    }
}
