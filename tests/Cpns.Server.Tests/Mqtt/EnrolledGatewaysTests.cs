using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Server.Mqtt;
using Cpns.Server.Storage;
using Cpns.Server.Tests.Infrastructure;
using Cpns.Server.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Tests.Mqtt;

/// <summary>
/// The uplink's enrollment check (<see cref="EnrolledGateways"/>) on a real database (SQLite and PostgreSQL), with a
/// clock the test moves: a positive answer is trusted for <see cref="EnrolledGateways.Lifetime"/>, a refusal never.
/// Nothing in the server takes an enrollment back, so the tests clear a gateway's key in the database themselves to
/// see when the check asks again.
/// </summary>
public sealed class EnrolledGatewaysTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task IsEnrolledAsync_Enrolled_TrustedForTheLifetimeThenAskedAgain(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var clock = new ManualTimeProvider();
        var enrolled = new EnrolledGateways(server.Service<CpnsDatabase>(), clock);
        await EnrollAsync(server, "gw1");

        var atFirst = await enrolled.IsEnrolledAsync("gw1", Ct);
        await ClearKeyAsync(server, "gw1");
        var remembered = await enrolled.IsEnrolledAsync("gw1", Ct);
        clock.Advance(EnrolledGateways.Lifetime - TimeSpan.FromMilliseconds(1));
        var justBeforeExpiry = await enrolled.IsEnrolledAsync("gw1", Ct);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var atExpiry = await enrolled.IsEnrolledAsync("gw1", Ct);

        Assert.True(atFirst);
        Assert.True(remembered);
        Assert.True(justBeforeExpiry);
        Assert.False(atExpiry);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task IsEnrolledAsync_NotYetEnrolled_RefusalNotRememberedEnrollmentSeenAtOnce(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var enrolled = new EnrolledGateways(server.Service<CpnsDatabase>(), new ManualTimeProvider());

        var before = await enrolled.IsEnrolledAsync("gw1", Ct);
        await EnrollAsync(server, "gw1");
        var after = await enrolled.IsEnrolledAsync("gw1", Ct);

        Assert.False(before);
        Assert.True(after);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task Invalidate_RememberedGateway_NextCheckAsksTheDatabase(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var enrolled = new EnrolledGateways(server.Service<CpnsDatabase>(), new ManualTimeProvider());
        await EnrollAsync(server, "gw1");
        await EnrollAsync(server, "gw2");
        Assert.True(await enrolled.IsEnrolledAsync("gw1", Ct));
        Assert.True(await enrolled.IsEnrolledAsync("gw2", Ct));
        await ClearKeyAsync(server, "gw1");
        await ClearKeyAsync(server, "gw2");

        enrolled.Invalidate("gw1");

        Assert.False(await enrolled.IsEnrolledAsync("gw1", Ct));
        Assert.True(await enrolled.IsEnrolledAsync("gw2", Ct));
    }

    /// <summary>A real enrollment: a token from the API, redeemed with a CSR over HTTP.</summary>
    private static async Task EnrollAsync(TestServer server, string gatewayId)
    {
        var created = await server.Client.PostAsJsonAsync("/gateways/enrollments", new { gatewayId }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;
        await using var gateway = await TestGateway.EnrollAsync(server.CreateClient(null), token);
    }

    private static async Task ClearKeyAsync(TestServer server, string gatewayId)
    {
        await using var db = server.Service<CpnsDatabase>().CreateContext();
        await db.Gateways.Where(g => g.Id == gatewayId).ExecuteUpdateAsync(s => s.SetProperty(g => g.SealedKey, (byte[]?)null), Ct);
    }
}
