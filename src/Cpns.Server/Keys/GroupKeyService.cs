using System.Security.Cryptography;
using Cpns.Server.Auth;
using Cpns.Server.Deliveries;
using Cpns.Server.Domain;
using Cpns.Server.Errors;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Cpns.Server.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Keys;

/// <summary>
/// The Group Key lifecycle: every change to a group's key or membership goes through here. Each GK update is one
/// epoch (current + 1) written in one transaction with its sealed key, its audit entry and a Pending delivery row
/// per gateway, so an epoch is durable before anything can announce it (the delivery rows are the outbox).
/// The group's <see cref="ServiceGroup.CurrentEpoch"/> is an optimistic concurrency token: a concurrent update from
/// another instance makes this one fail, re-read and retry (<see cref="CpnsDatabase.WriteAsync{T}"/>), so epochs are
/// never issued twice nor skipped.
/// </summary>
internal sealed partial class GroupKeyService(
    CpnsDatabase database,
    SecretProtector protector,
    ServerMetrics metrics,
    DeliverySignal signal,
    TimeProvider time,
    ILogger<GroupKeyService> logger)
{
    /// <summary>GK length: 256 bits.</summary>
    public const int KeySize = 32;

    public async Task<ServiceGroup> CreateGroupAsync(Caller caller, string name, string ownerApplication, GroupPolicy policy, CancellationToken cancellationToken)
    {
        var (group, issued) = await database.WriteAsync(async (db, ct) =>
        {
            var now = Now();
            var group = new ServiceGroup
            {
                Id = Guid.CreateVersion7(),
                Name = name,
                OwnerApplication = ownerApplication,
                RotationIntervalSeconds = policy.RotationIntervalSeconds,
                RotateOnJoin = policy.RotateOnJoin,
                CurrentEpoch = 0,
                CreatedAt = now,
            };
            db.Groups.Add(group);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            var issued = await IssueEpochAsync(db, group, GroupKeyReason.Created, caller, "group.created", name, [], ct).ConfigureAwait(false);
            return (group, issued);
        }, cancellationToken).ConfigureAwait(false);

        Issued(issued);
        return group;
    }

    public async Task<ServiceGroup> GetGroupAsync(Caller caller, Guid groupId, bool includeDeleted, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var group = await db.Groups.AsNoTracking().Include(g => g.Members)
                .SingleOrDefaultAsync(g => g.Id == groupId, cancellationToken).ConfigureAwait(false);
            return CheckAccess(caller, group, groupId, includeDeleted);
        }
    }

    public async Task<IReadOnlyList<GroupSummary>> ListGroupsAsync(Caller caller, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var query = db.Groups.AsNoTracking().Where(g => g.DeletedAt == null);
            if (!caller.IsOperator)
            {
                query = query.Where(g => g.OwnerApplication == caller.Name);
            }

            var rows = await query
                .OrderBy(g => g.CreatedAt)
                .Select(g => new { Group = g, Active = g.Members.Count(m => m.State == MemberState.Active) })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return rows.ConvertAll(r => new GroupSummary(r.Group, r.Active));
        }
    }

    public async Task<EpochIssued> RotateAsync(Caller caller, Guid groupId, CancellationToken cancellationToken)
    {
        var issued = await database.WriteAsync(async (db, ct) =>
        {
            var group = await LoadForUpdateAsync(db, caller, groupId, ct).ConfigureAwait(false);
            return await IssueEpochAsync(db, group, GroupKeyReason.OnDemand, caller, "gk.rotated", null, [], ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Issued(issued);
        return issued;
    }

    /// <summary>
    /// Runs a periodic rotation this instance has claimed; null when it is no longer due (rotated meanwhile, deleted,
    /// or the lease was lost), in which case the lease is released without a new epoch.
    /// </summary>
    public async Task<EpochIssued?> RotateIfDueAsync(Guid groupId, string leaseOwner, CancellationToken cancellationToken)
    {
        var issued = await database.WriteAsync(async (db, ct) =>
        {
            var group = await db.Groups.Include(g => g.Members).SingleOrDefaultAsync(g => g.Id == groupId, ct).ConfigureAwait(false);
            if (group is null || group.LeaseOwner != leaseOwner)
            {
                return null;
            }

            if (group.DeletedAt is not null || group.NextRotationAt is null || group.NextRotationAt > Now())
            {
                group.LeaseOwner = null;
                group.LeaseExpiresAt = null;
                return null;
            }

            return await IssueEpochAsync(db, group, GroupKeyReason.Periodic, Caller.System, "gk.rotated", null, [], ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (issued is not null)
        {
            Issued(issued);
        }

        return issued;
    }

    public async Task<EpochIssued> DeleteGroupAsync(Caller caller, Guid groupId, CancellationToken cancellationToken)
    {
        var issued = await database.WriteAsync(async (db, ct) =>
        {
            var group = await LoadForUpdateAsync(db, caller, groupId, ct).ConfigureAwait(false);
            var issued = await IssueEpochAsync(db, group, GroupKeyReason.Deleted, caller, "group.deleted", group.Name, [], ct).ConfigureAwait(false);
            group.DeletedAt = Now();
            group.NextRotationAt = null;

            // The GK is deleted: its rows go (secure_delete zeroes them in the SQLite file; they were sealed anyway).
            await db.GroupKeys.Where(k => k.GroupId == groupId).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            return issued;
        }, cancellationToken).ConfigureAwait(false);
        Issued(issued);
        return issued;
    }

    public async Task<MemberAdded> AddMemberAsync(Caller caller, Guid groupId, string gatewayId, string pneId, CancellationToken cancellationToken)
    {
        var (added, issued) = await database.WriteAsync<(MemberAdded, EpochIssued?)>(async (db, ct) =>
        {
            var group = await LoadForUpdateAsync(db, caller, groupId, ct).ConfigureAwait(false);
            var registered = await db.Pnes.AnyAsync(p => p.GatewayId == gatewayId && p.PneId == pneId, ct).ConfigureAwait(false);
            if (!registered)
            {
                throw ServerError.Conflict("PNE not in inventory", $"PNE {pneId} is not registered in the PN of gateway {gatewayId}.");
            }

            var now = Now();
            var member = group.Members.SingleOrDefault(m => m.GatewayId == gatewayId && m.PneId == pneId);
            switch (member?.State)
            {
                case MemberState.Compromised:
                    throw ServerError.Conflict("PNE compromised", $"PNE {MemberKey.Format(gatewayId, pneId)} was marked compromised and can never rejoin this group.");
                case MemberState.Active:
                    throw ServerError.Conflict("Already a member", $"PNE {MemberKey.Format(gatewayId, pneId)} is already a member.");
                case MemberState.Left:
                    member.State = MemberState.Active;
                    member.JoinedAt = now;
                    member.ChangedAt = now;
                    break;
                default:
                    member = new GroupMember { GroupId = groupId, GatewayId = gatewayId, PneId = pneId, State = MemberState.Active, JoinedAt = now, ChangedAt = now };
                    group.Members.Add(member);
                    break;
            }

            group.MembershipVersion++;
            var detail = member.Key;
            var existing = await db.Deliveries.SingleOrDefaultAsync(
                d => d.GroupId == groupId && d.Epoch == group.CurrentEpoch && d.GatewayId == gatewayId, ct).ConfigureAwait(false);

            // A join gets the current GK unless the policy asks for backward secrecy (new epoch). A gateway that was
            // told at this very epoch to delete the group's keys gets a new epoch too, so that what a gateway sees for
            // one group is monotonic: never a key again for an epoch it was told to delete.
            if (group.RotateOnJoin || existing?.Kind == DeliveryKind.Delete)
            {
                var issued = await IssueEpochAsync(db, group, GroupKeyReason.MemberJoined, caller, "member.added", detail, [], ct).ConfigureAwait(false);
                return (new MemberAdded(member, issued.Epoch, Rotated: true), issued);
            }

            if (existing is null)
            {
                db.Deliveries.Add(NewDelivery(groupId, group.CurrentEpoch, gatewayId, DeliveryKind.KeyUpdate, now));
            }
            else
            {
                // The gateway holds this epoch already but must rebroadcast it under a GKEK that covers the new member:
                // a fresh delivery (new member list), sent at once.
                existing.Status = DeliveryStatus.Pending;
                existing.UpdatedAt = now;
                existing.QueuedAt = now;
                existing.NextAttemptAt = null;
                existing.AcknowledgedAt = null;
                existing.LastStatus = null;
            }

            Audit(db, caller, "member.added", groupId, group.CurrentEpoch, detail);
            return (new MemberAdded(member, group.CurrentEpoch, Rotated: false), null);
        }, cancellationToken).ConfigureAwait(false);

        if (issued is not null)
        {
            Issued(issued);
        }
        else
        {
            metrics.DeliveriesQueued(1, DeliveryKind.KeyUpdate);
            signal.Notify();
        }

        return added;
    }

    public async Task<EpochIssued> RemoveMemberAsync(Caller caller, Guid groupId, string gatewayId, string pneId, CancellationToken cancellationToken)
    {
        var issued = await database.WriteAsync(async (db, ct) =>
        {
            var group = await LoadForUpdateAsync(db, caller, groupId, ct).ConfigureAwait(false);
            var member = group.Members.SingleOrDefault(m => m.GatewayId == gatewayId && m.PneId == pneId && m.State == MemberState.Active)
                ?? throw ServerError.MemberNotFound(MemberKey.Format(gatewayId, pneId));
            return await LeaveAsync(db, caller, group, member, MemberState.Left, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Issued(issued);
        return issued;
    }

    /// <summary>
    /// Marks a member compromised, for good. If it was active the GK is updated at once and the PNE is in no later
    /// epoch's membership; if it had already left, the mark only bars it from rejoining.
    /// </summary>
    public async Task<(long Epoch, bool Rotated)> CompromiseMemberAsync(Caller caller, Guid groupId, string gatewayId, string pneId, CancellationToken cancellationToken)
    {
        var (epoch, issued) = await database.WriteAsync<(long, EpochIssued?)>(async (db, ct) =>
        {
            var group = await LoadForUpdateAsync(db, caller, groupId, ct).ConfigureAwait(false);
            var member = group.Members.SingleOrDefault(m => m.GatewayId == gatewayId && m.PneId == pneId)
                ?? throw ServerError.MemberNotFound(MemberKey.Format(gatewayId, pneId));
            switch (member.State)
            {
                case MemberState.Compromised:
                    throw ServerError.Conflict("Already compromised", $"Member {member.Key} is already marked compromised.");
                case MemberState.Left:
                    member.State = MemberState.Compromised;
                    member.ChangedAt = Now();
                    group.MembershipVersion++;
                    Audit(db, caller, "member.compromised", groupId, group.CurrentEpoch, member.Key);
                    return (group.CurrentEpoch, null);
                default:
                    var issued = await LeaveAsync(db, caller, group, member, MemberState.Compromised, ct).ConfigureAwait(false);
                    return (issued.Epoch, issued);
            }
        }, cancellationToken).ConfigureAwait(false);
        if (issued is not null)
        {
            Issued(issued);
        }

        return (epoch, issued is not null);
    }

    /// <summary>
    /// A PNE left its PN (its gateway removed it from the inventory): it leaves every group it is an active member of,
    /// each with its own GK update. Runs inside the caller's transaction.
    /// </summary>
    internal async Task<List<EpochIssued>> RemovePneFromGroupsAsync(CpnsDbContext db, string gatewayId, string pneId, CancellationToken cancellationToken)
    {
        var groupIds = await db.Members
            .Where(m => m.GatewayId == gatewayId && m.PneId == pneId && m.State == MemberState.Active)
            .Select(m => m.GroupId).ToListAsync(cancellationToken).ConfigureAwait(false);
        var issued = new List<EpochIssued>(groupIds.Count);
        foreach (var groupId in groupIds)
        {
            var group = await db.Groups.Include(g => g.Members).SingleAsync(g => g.Id == groupId, cancellationToken).ConfigureAwait(false);
            if (group.DeletedAt is not null)
            {
                continue;
            }

            var member = group.Members.Single(m => m.GatewayId == gatewayId && m.PneId == pneId);
            issued.Add(await LeaveAsync(db, Caller.System, group, member, MemberState.Left, cancellationToken).ConfigureAwait(false));
        }

        return issued;
    }

    /// <summary>Reports GK updates made inside another service's transaction, once it has committed.</summary>
    internal void Committed(IEnumerable<EpochIssued> issued)
    {
        foreach (var i in issued)
        {
            Issued(i);
        }
    }

    /// <summary>
    /// Copies the plaintext GK of (<paramref name="groupId"/>, <paramref name="epoch"/>) into <paramref name="destination"/>
    /// (at least <see cref="KeySize"/> bytes). False if there is no such key (never issued, or deleted with its group)
    /// or it does not authenticate. The caller owns the plaintext and must wipe it
    /// (<see cref="CryptographicOperations.ZeroMemory"/>). For the delivery code, which re-seals it per gateway.
    /// </summary>
    internal async ValueTask<bool> TryReadGroupKeyAsync(Guid groupId, long epoch, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.Length < KeySize)
        {
            throw new ArgumentException($"The destination must hold {KeySize} bytes.", nameof(destination));
        }

        byte[]? sealedKey;
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            sealedKey = await db.GroupKeys.AsNoTracking()
                .Where(k => k.GroupId == groupId && k.Epoch == epoch)
                .Select(k => k.SealedKey)
                .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        }

        return sealedKey is not null && protector.TryOpenGroupKey(groupId, epoch, sealedKey, destination.Span[..KeySize]);
    }

    private async Task<EpochIssued> LeaveAsync(CpnsDbContext db, Caller caller, ServiceGroup group, GroupMember member, MemberState newState, CancellationToken cancellationToken)
    {
        member.State = newState;
        member.ChangedAt = Now();
        group.MembershipVersion++;

        // The leaver's gateway is told to delete the GK when no other member remains behind it; otherwise the new
        // epoch's notification leaves the PNE out of the member list and the gateway tells it to delete the GK.
        var gatewayStillServes = group.Members.Any(m => m.GatewayId == member.GatewayId && m.State == MemberState.Active);
        string[] deleteFor = gatewayStillServes ? [] : [member.GatewayId];
        var (reason, action) = newState == MemberState.Compromised
            ? (GroupKeyReason.MemberCompromised, "member.compromised")
            : (GroupKeyReason.MemberLeft, "member.left");
        return await IssueEpochAsync(db, group, reason, caller, action, member.Key, deleteFor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Issues epoch current + 1 on a tracked group (members loaded). The group row is saved first so that the
    /// concurrency check (and, on PostgreSQL, the row lock) is taken before any other write of the transaction.
    /// </summary>
    private async Task<EpochIssued> IssueEpochAsync(
        CpnsDbContext db,
        ServiceGroup group,
        GroupKeyReason reason,
        Caller caller,
        string action,
        string? detail,
        IReadOnlyCollection<string> deleteForGateways,
        CancellationToken cancellationToken)
    {
        var now = Now();
        var epoch = checked(group.CurrentEpoch + 1);
        group.CurrentEpoch = epoch;
        group.LeaseOwner = null;
        group.LeaseExpiresAt = null;
        group.NextRotationAt = group.RotationIntervalSeconds is int seconds && reason != GroupKeyReason.Deleted
            ? now.AddSeconds(seconds)
            : null;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

        if (reason != GroupKeyReason.Deleted)
        {
            db.GroupKeys.Add(new GroupKey { GroupId = group.Id, Epoch = epoch, SealedKey = NewSealedKey(group.Id, epoch), Reason = reason, CreatedAt = now });
        }

        var activeGateways = group.Members.Where(m => m.State == MemberState.Active).Select(m => m.GatewayId).Distinct(StringComparer.Ordinal).ToList();
        var keyGateways = reason == GroupKeyReason.Deleted ? [] : activeGateways;
        var deleteGateways = reason == GroupKeyReason.Deleted ? activeGateways : deleteForGateways.Except(activeGateways, StringComparer.Ordinal).ToList();

        // A gateway that reconnects needs only the latest epoch: its older pending deliveries of the group are
        // superseded. Only for gateways this epoch tells something: a pending delete for a gateway whose last member
        // left earlier must survive later rotations, or that gateway would keep the GK.
        var groupId = group.Id;
        var told = keyGateways.Concat(deleteGateways).ToList();
        await db.Deliveries
            .Where(d => d.GroupId == groupId && d.Status == DeliveryStatus.Pending && d.Epoch < epoch && told.Contains(d.GatewayId))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Superseded).SetProperty(d => d.UpdatedAt, now), cancellationToken)
            .ConfigureAwait(false);
        foreach (var gw in keyGateways)
        {
            db.Deliveries.Add(NewDelivery(group.Id, epoch, gw, DeliveryKind.KeyUpdate, now));
        }

        foreach (var gw in deleteGateways)
        {
            db.Deliveries.Add(NewDelivery(group.Id, epoch, gw, DeliveryKind.Delete, now));
        }

        Audit(db, caller, action, group.Id, epoch, detail is null ? reason.ToString() : $"{reason}: {detail}");
        return new EpochIssued(group.Id, epoch, reason, keyGateways.Count, deleteGateways.Count);
    }

    private async Task<ServiceGroup> LoadForUpdateAsync(CpnsDbContext db, Caller caller, Guid groupId, CancellationToken cancellationToken)
    {
        var group = await db.Groups.Include(g => g.Members).SingleOrDefaultAsync(g => g.Id == groupId, cancellationToken).ConfigureAwait(false);
        return CheckAccess(caller, group, groupId, includeDeleted: false);
    }

    private static ServiceGroup CheckAccess(Caller caller, ServiceGroup? group, Guid groupId, bool includeDeleted)
    {
        if (group is null || (group.DeletedAt is not null && !includeDeleted))
        {
            throw ServerError.GroupNotFound(groupId);
        }

        // 403 rather than 404: the brief asks that another application's group be reported as forbidden.
        return caller.CanManage(group) ? group : throw ServerError.Forbidden();
    }

    private byte[] NewSealedKey(Guid groupId, long epoch)
    {
        Span<byte> key = stackalloc byte[KeySize];
        try
        {
            RandomNumberGenerator.Fill(key);
            return protector.SealGroupKey(groupId, epoch, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private void Audit(CpnsDbContext db, Caller caller, string action, Guid groupId, long epoch, string? detail) =>
        db.Audit.Add(new AuditEntry { At = Now(), Actor = caller.AuditName, Action = action, GroupId = groupId, Epoch = epoch, Detail = detail });

    private static DeliveryRecord NewDelivery(Guid groupId, long epoch, string gatewayId, DeliveryKind kind, DateTime now) =>
        new() { GroupId = groupId, Epoch = epoch, GatewayId = gatewayId, Kind = kind, Status = DeliveryStatus.Pending, CreatedAt = now, UpdatedAt = now, QueuedAt = now };

    private DateTime Now() => time.GetUtcNow().UtcDateTime;

    private void Issued(EpochIssued issued)
    {
        metrics.GroupKeyUpdated(issued.Reason);
        metrics.DeliveriesQueued(issued.KeyDeliveries, DeliveryKind.KeyUpdate);
        metrics.DeliveriesQueued(issued.DeleteDeliveries, DeliveryKind.Delete);
        LogEpochIssued(logger, issued.GroupId, issued.Epoch, issued.Reason, issued.KeyDeliveries, issued.DeleteDeliveries);
        signal.Notify();
    }
}
