using System.Data.Common;
using Cpns.Server.Deliveries;
using Cpns.Server.Domain;
using Cpns.Server.Storage;
using Cpns.Server.Tests.Infrastructure;
using Cpns.Server.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Tests.Deliveries;

/// <summary>
/// <see cref="DeliveryService.MarkSentAsync"/> records a whole claimed batch in one transaction: each row still under
/// its own conditional UPDATE, and all or nothing when the transaction fails. The rows are real (SQLite and
/// PostgreSQL, <see cref="ParkedDeliveries"/>); the test holds the claims itself.
/// </summary>
public sealed class MarkSentBatchTests
{
    private const string Token = "test/claim";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task MarkSentAsync_BatchOfClaimedRows_EachRecordedWithItsMessage(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var (groupId, rows) = await ParkedDeliveries.CreateAsync(server, "gw1", "gw2", "gw3");
        await ClaimAsync(server, groupId, Token, "gw1", "gw2", "gw3");

        var marked = await server.Service<DeliveryService>().MarkSentAsync(
            [.. rows.Select((r, i) => new SendAttempt(r, MessageId(i), DateTime.UtcNow))], Token, Ct);

        Assert.Equal([true, true, true], marked);
        var after = await ParkedDeliveries.RowsAsync(server, groupId);
        Assert.All(after, r =>
        {
            Assert.Equal(1, r.Attempts);
            Assert.Null(r.LeaseOwner);
            Assert.NotNull(r.LastSentAt);
        });
        var messages = await MessagesAsync(server, groupId);
        Assert.Equal(["gw1", "gw2", "gw3"], messages.Select(m => m.GatewayId).Order(StringComparer.Ordinal));
        Assert.Equal(3, messages.Select(m => Convert.ToHexString(m.MessageId)).Distinct().Count());
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task MarkSentAsync_StaleAndForeignRowsInBatch_OnlyTheirsRefusedStaleReleasedForeignUntouched(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var (groupId, rows) = await ParkedDeliveries.CreateAsync(server, "gw1", "gw2", "gw3");
        await ClaimAsync(server, groupId, Token, "gw1", "gw2");
        await ClaimAsync(server, groupId, "other/claim", "gw3");
        var gw2 = rows.Single(r => r.GatewayId == "gw2");

        // gw2's content was read before the row was (re)queued: a join changed its member list since.
        var marked = await server.Service<DeliveryService>().MarkSentAsync(
            [
                new SendAttempt(rows.Single(r => r.GatewayId == "gw1"), MessageId(1), DateTime.UtcNow),
                new SendAttempt(gw2, MessageId(2), gw2.QueuedAt.AddTicks(-1)),
                new SendAttempt(rows.Single(r => r.GatewayId == "gw3"), MessageId(3), DateTime.UtcNow),
            ],
            Token,
            Ct);

        Assert.Equal([true, false, false], marked);
        var after = (await ParkedDeliveries.RowsAsync(server, groupId)).ToDictionary(r => r.GatewayId);
        Assert.Equal(1, after["gw1"].Attempts);
        Assert.Equal(0, after["gw2"].Attempts);
        Assert.Null(after["gw2"].LeaseOwner);
        Assert.Equal(0, after["gw3"].Attempts);
        Assert.Equal("other/claim", after["gw3"].LeaseOwner);
        Assert.Equal(["gw1"], (await MessagesAsync(server, groupId)).Select(m => m.GatewayId));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task MarkSentAsync_RowRequeuedAfterItsClaim_RefusedAndReleasedOthersMarked(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var (groupId, rows) = await ParkedDeliveries.CreateAsync(server, "gw1", "gw2");
        await ClaimAsync(server, groupId, Token, "gw1", "gw2");

        // A join that took its time before the content was read but committed after: QueuedAt moves, yet stays
        // before builtAt, so only the version read at the claim tells the content is stale.
        var builtAt = DateTime.UtcNow;
        await using (var db = server.Service<CpnsDatabase>().CreateContext())
        {
            var requeuedAt = builtAt.AddMilliseconds(-1);
            await db.Deliveries.Where(d => d.GroupId == groupId && d.GatewayId == "gw2")
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.QueuedAt, requeuedAt), Ct);
        }

        var marked = await server.Service<DeliveryService>().MarkSentAsync(
            [new SendAttempt(rows[0], MessageId(1), builtAt), new SendAttempt(rows[1], MessageId(2), builtAt)], Token, Ct);

        Assert.Equal([true, false], marked);
        var after = (await ParkedDeliveries.RowsAsync(server, groupId)).ToDictionary(r => r.GatewayId);
        Assert.Equal(1, after["gw1"].Attempts);
        Assert.Equal(0, after["gw2"].Attempts);
        Assert.Null(after["gw2"].LeaseOwner);
        Assert.Equal(["gw1"], (await MessagesAsync(server, groupId)).Select(m => m.GatewayId));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task MarkSentAsync_OneAttemptCannotBeStored_NoneOfTheBatchIsRecorded(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var (groupId, rows) = await ParkedDeliveries.CreateAsync(server, "gw1", "gw2");
        await ClaimAsync(server, groupId, Token, "gw1", "gw2");

        // A message id the table refuses (NOT NULL) fails the batch: the marks made before it are rolled back with it.
        await Assert.ThrowsAnyAsync<DbException>(() => server.Service<DeliveryService>().MarkSentAsync(
            [new SendAttempt(rows[0], MessageId(1), DateTime.UtcNow), new SendAttempt(rows[1], null!, DateTime.UtcNow)], Token, Ct));

        Assert.All(await ParkedDeliveries.RowsAsync(server, groupId), r =>
        {
            Assert.Equal(0, r.Attempts);
            Assert.Equal(Token, r.LeaseOwner);
        });
        Assert.Empty(await MessagesAsync(server, groupId));
    }

    private static byte[] MessageId(int i)
    {
        var id = Guid.NewGuid().ToByteArray();
        id[0] = (byte)i;
        return id;
    }

    private static async Task ClaimAsync(TestServer server, Guid groupId, string token, params string[] gateways)
    {
        await using var db = server.Service<CpnsDatabase>().CreateContext();
        var expires = DateTime.UtcNow.AddMinutes(5);
        await db.Deliveries.Where(d => d.GroupId == groupId && gateways.Contains(d.GatewayId))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseOwner, token).SetProperty(d => d.LeaseExpiresAt, expires), Ct);
    }

    private static async Task<List<DeliveryMessage>> MessagesAsync(TestServer server, Guid groupId)
    {
        await using var db = server.Service<CpnsDatabase>().CreateContext();
        return await db.DeliveryMessages.AsNoTracking().Where(m => m.GroupId == groupId).ToListAsync(Ct);
    }
}
