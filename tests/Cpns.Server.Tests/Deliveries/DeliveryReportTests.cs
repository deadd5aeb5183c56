using Cpns.Protocol.V1;
using Cpns.Server.Deliveries;
using Cpns.Server.Domain;
using Cpns.Server.Storage;
using Cpns.Server.Tests.Infrastructure;
using Cpns.Server.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Tests.Deliveries;

/// <summary>
/// <see cref="DeliveryService.RecordReportAsync"/> upserts a gateway's per-PNE statuses on real rows (SQLite and
/// PostgreSQL): the latest report about a PNE is what is kept.
/// </summary>
public sealed class DeliveryReportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task RecordReportAsync_LaterReport_ReplacesTheStatusesItNamesKeepsTheOthers(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var (groupId, _) = await ParkedDeliveries.CreateAsync(server, "gw1");
        var deliveries = server.Service<DeliveryService>();

        var first = await deliveries.RecordReportAsync("gw1", Report(groupId, 1, ("watch", Status.Timeout), ("phone", Status.Ok)), Ct);
        var before = (await ReportsAsync(server, groupId)).ToDictionary(r => r.PneId);
        var second = await deliveries.RecordReportAsync("gw1", Report(groupId, 1, ("watch", Status.Ok), ("tablet", Status.NotARecipient)), Ct);
        var after = (await ReportsAsync(server, groupId)).ToDictionary(r => r.PneId);

        Assert.Null(first);
        Assert.Null(second);
        Assert.Equal(["phone:Ok", "tablet:NotARecipient", "watch:Ok"], after.Values.Select(r => $"{r.PneId}:{r.Status}").Order(StringComparer.Ordinal));
        Assert.All(after.Values, r => Assert.Equal((groupId, 1L, "gw1"), (r.GroupId, r.Epoch, r.GatewayId)));
        Assert.Equal(before["phone"].ReportedAt, after["phone"].ReportedAt);
        Assert.True(after["watch"].ReportedAt >= before["watch"].ReportedAt);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task RecordReportAsync_SamePneTwiceInOneReport_LastEntryCounts(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var (groupId, _) = await ParkedDeliveries.CreateAsync(server, "gw1");

        var refusal = await server.Service<DeliveryService>().RecordReportAsync(
            "gw1", Report(groupId, 1, ("watch", Status.Timeout), ("phone", Status.Ok), ("watch", Status.Ok)), Ct);

        Assert.Null(refusal);
        Assert.Equal(["phone:Ok", "watch:Ok"], (await ReportsAsync(server, groupId)).Select(r => $"{r.PneId}:{r.Status}"));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task RecordReportAsync_MorePnesThanOneStatementHolds_EveryPneRecorded(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var (groupId, _) = await ParkedDeliveries.CreateAsync(server, "gw1");
        var count = (2 * DeliveryService.ReportChunkSize) + 1;
        var pnes = Enumerable.Range(0, count).Select(i => ($"pne-{i:D5}", i % 2 == 0 ? Status.Ok : Status.Timeout)).ToArray();

        var refusal = await server.Service<DeliveryService>().RecordReportAsync("gw1", Report(groupId, 1, pnes), Ct);

        Assert.Null(refusal);
        var stored = await ReportsAsync(server, groupId);
        Assert.Equal(pnes.Select(p => $"{p.Item1}:{p.Item2}"), stored.Select(r => $"{r.PneId}:{r.Status}"));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task RecordReportAsync_NoKeyUpdateForThatEpochAndGateway_RefusedNothingRecorded(DatabaseKind database)
    {
        await using var server = await TestServer.StartAsync(database);
        var (groupId, _) = await ParkedDeliveries.CreateAsync(server, "gw1");
        var deliveries = server.Service<DeliveryService>();

        var otherEpoch = await deliveries.RecordReportAsync("gw1", Report(groupId, 9, ("watch", Status.Ok)), Ct);
        var otherGateway = await deliveries.RecordReportAsync("gw2", Report(groupId, 1, ("watch", Status.Ok)), Ct);

        Assert.Equal("unknown_delivery", otherEpoch);
        Assert.Equal("unknown_delivery", otherGateway);
        Assert.Empty(await ReportsAsync(server, groupId));
    }

    private static GroupKeyDeliveryReport Report(Guid groupId, ulong epoch, params (string PneId, Status Status)[] pnes)
    {
        var report = new GroupKeyDeliveryReport { GroupId = groupId.ToString(), Epoch = epoch };
        report.Deliveries.AddRange(pnes.Select(p => new PneDelivery { PneId = p.PneId, Status = p.Status }));
        return report;
    }

    private static async Task<List<PneDeliveryReport>> ReportsAsync(TestServer server, Guid groupId)
    {
        await using var db = server.Service<CpnsDatabase>().CreateContext();
        return await db.PneDeliveryReports.AsNoTracking().Where(r => r.GroupId == groupId).OrderBy(r => r.PneId).ToListAsync(Ct);
    }
}
