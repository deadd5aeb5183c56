using Cpns.Server.Deliveries;
using Cpns.Server.Tests.Infrastructure;
using Cpns.Server.Tests.Support;

namespace Cpns.Server.Tests.Deliveries;

/// <summary>
/// <see cref="DeliveryLeases.ClaimDueAsync"/>'s one statement on real rows (SQLite and PostgreSQL): it claims what is
/// due and pending, hands back exactly the rows it leased, and never leases a row twice while its lease runs. The
/// claims are made at a time after the parked rows' next attempt, which the server's own dispatcher does not reach.
/// </summary>
public sealed class DeliveryLeasesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task ClaimDueAsync_DuePendingRows_ClaimedOnceOldestFirstUntilTheLeaseLapses(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var (groupId, _) = await ParkedDeliveries.CreateAsync(server, "gw1", "gw2", "gw3");
        Assert.True(await server.Service<DeliveryService>().AcknowledgeAsync(groupId, 1, "gw2", Ct));
        var leases = server.Service<DeliveryLeases>();
        var now = DateTime.UtcNow.AddMinutes(1);
        var lease = TimeSpan.FromMinutes(5);

        var (token, claimed) = await leases.ClaimDueAsync("test", now, lease, Ct);
        var (_, again) = await leases.ClaimDueAsync("test", now.AddMinutes(4), lease, Ct);
        var (laterToken, afterLapse) = await leases.ClaimDueAsync("test", now.AddMinutes(6), lease, Ct);

        var stored = (await ParkedDeliveries.RowsAsync(server, groupId)).ToDictionary(r => r.GatewayId);
        Assert.Equal(["gw1", "gw3"], claimed.Select(r => r.GatewayId));
        Assert.True(claimed[0].QueuedAt <= claimed[1].QueuedAt);
        Assert.All(claimed, r => Assert.Equal(token, r.LeaseOwner));
        Assert.Empty(again);
        Assert.Equal(["gw1", "gw3"], afterLapse.Select(r => r.GatewayId));
        Assert.NotEqual(token, laterToken);
        Assert.Equal(laterToken, stored["gw1"].LeaseOwner);
        Assert.Equal(laterToken, stored["gw3"].LeaseOwner);
        Assert.Null(stored["gw2"].LeaseOwner);
    }
}
