using Cpns.Server.Domain;
using Cpns.Server.Storage;
using Cpns.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Tests.Support;

/// <summary>
/// Real delivery rows that the server's own dispatcher leaves alone for a while: a group with one member behind each
/// gateway, none enrolled, so the dispatcher parks every row (NotEnrolled, re-tried only after the maximum delay) and a
/// test can claim, mark or report on them itself.
/// </summary>
internal static class ParkedDeliveries
{
    public const string Pne = "watch";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<(Guid GroupId, IReadOnlyList<DeliveryRecord> Rows)> CreateAsync(TestServer server, params string[] gateways)
    {
        var groupId = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
        foreach (var gw in gateways)
        {
            await server.RegisterPneAsync(gw, Pne);
            await server.AddMemberAsync(groupId, gw, Pne);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var rows = await RowsAsync(server, groupId);
            if (rows.Count == gateways.Length && rows.All(r => r.LastStatus == "NotEnrolled" && r.LeaseOwner is null))
            {
                return (groupId, rows);
            }

            Assert.True(DateTime.UtcNow < deadline, "the dispatcher parks the rows of gateways not enrolled");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>The group's delivery rows as stored now, by gateway id.</summary>
    public static async Task<List<DeliveryRecord>> RowsAsync(TestServer server, Guid groupId)
    {
        await using var db = server.Service<CpnsDatabase>().CreateContext();
        return await db.Deliveries.AsNoTracking().Where(d => d.GroupId == groupId).OrderBy(d => d.GatewayId).ToListAsync(Ct);
    }
}
