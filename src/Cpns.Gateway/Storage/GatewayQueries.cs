using Microsoft.EntityFrameworkCore;

namespace Cpns.Gateway.Storage;

/// <summary>
/// The queries a gateway runs per message (a PNE's answer, a Group Key Notification), compiled once: an ad-hoc LINQ
/// query is looked up in EF's query cache by hashing its expression tree on every call, which was about a tenth of a
/// loaded gateway's CPU.
/// </summary>
internal static class GatewayQueries
{
    /// <summary>True when the PNE is registered in the PN and not removed.</summary>
    public static readonly Func<GatewayDbContext, string, CancellationToken, Task<bool>> IsActivePne =
        EF.CompileAsyncQuery((GatewayDbContext db, string pneId, CancellationToken _) =>
            db.Pnes.AsNoTracking().Any(p => p.PneId == pneId && !p.Removed));

    /// <summary>The ids among the given PNEs that are registered in the PN and not removed: what a batch of answers checks.</summary>
    public static readonly Func<GatewayDbContext, string[], IAsyncEnumerable<string>> ActivePneIds =
        EF.CompileAsyncQuery((GatewayDbContext db, string[] pneIds) =>
            db.Pnes.Where(p => pneIds.Contains(p.PneId) && !p.Removed).Select(p => p.PneId));

    /// <summary>True when the PNE is a member of the group's latest epoch.</summary>
    public static readonly Func<GatewayDbContext, string, string, CancellationToken, Task<bool>> IsMember =
        EF.CompileAsyncQuery((GatewayDbContext db, string groupId, string pneId, CancellationToken _) =>
            db.GroupMembers.AsNoTracking().Any(m => m.GroupId == groupId && m.PneId == pneId));

    /// <summary>The group's latest epoch alone (the row also holds the sealed key and the broadcast), or null.</summary>
    public static readonly Func<GatewayDbContext, string, CancellationToken, Task<long?>> GroupEpoch =
        EF.CompileAsyncQuery((GatewayDbContext db, string groupId, CancellationToken _) =>
            db.Groups.AsNoTracking().Where(g => g.GroupId == groupId).Select(g => (long?)g.Epoch).SingleOrDefault());

    /// <summary>The group's row, tracked, or null.</summary>
    public static readonly Func<GatewayDbContext, string, CancellationToken, Task<GroupEntity?>> Group =
        EF.CompileAsyncQuery((GatewayDbContext db, string groupId, CancellationToken _) =>
            db.Groups.SingleOrDefault(g => g.GroupId == groupId));

    /// <summary>The group's member rows, untracked (removing one attaches it).</summary>
    public static readonly Func<GatewayDbContext, string, IAsyncEnumerable<GroupMemberEntity>> Members =
        EF.CompileAsyncQuery((GatewayDbContext db, string groupId) =>
            db.GroupMembers.AsNoTracking().Where(m => m.GroupId == groupId));

    /// <summary>The ids among the given PNEs that are members of the group's latest epoch: what a batch of answers updates.</summary>
    public static readonly Func<GatewayDbContext, string, string[], IAsyncEnumerable<string>> MemberIdsAmong =
        EF.CompileAsyncQuery((GatewayDbContext db, string groupId, string[] pneIds) =>
            db.GroupMembers.AsNoTracking().Where(m => m.GroupId == groupId && pneIds.Contains(m.PneId)).Select(m => m.PneId));

    /// <summary>True when a member of the group's latest epoch has not answered it yet.</summary>
    public static readonly Func<GatewayDbContext, string, CancellationToken, Task<bool>> AnyPending =
        EF.CompileAsyncQuery((GatewayDbContext db, string groupId, CancellationToken _) =>
            db.GroupMembers.Any(m => m.GroupId == groupId && m.State == Delivery.PneDeliveryState.Pending));

    /// <summary>The latest epoch at which the whole group was deleted, or null.</summary>
    public static readonly Func<GatewayDbContext, string, CancellationToken, Task<long?>> LastGroupDelete =
        EF.CompileAsyncQuery((GatewayDbContext db, string groupId, CancellationToken _) =>
            db.PendingDeletes.Where(d => d.GroupId == groupId && d.WholeGroup).Max(d => (long?)d.Epoch));

    /// <summary>The rows of the given PNEs that are registered.</summary>
    public static readonly Func<GatewayDbContext, string[], IAsyncEnumerable<PneEntity>> Pnes =
        EF.CompileAsyncQuery((GatewayDbContext db, string[] pneIds) =>
            db.Pnes.AsNoTracking().Where(p => pneIds.Contains(p.PneId)));
}
