using Cpns.Gateway.Diagnostics;
using Cpns.Gateway.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.Delivery;

/// <summary>
/// Group Key deletion in the PN (change request 5.3.1, "Delete a Group Key"): a deleted group's key and
/// state leave the gateway, and every affected PNE is told to delete the key from its secure storage;
/// their acknowledgements are kept for the server.
/// </summary>
public sealed partial class GroupKeyDeleteService
{
    private readonly GatewayStore _store;
    private readonly ILogger<GroupKeyDeleteService> _logger;

    /// <summary>Creates the service over the gateway's state.</summary>
    public GroupKeyDeleteService(GatewayStore store, ILogger<GroupKeyDeleteService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _logger = logger ?? store.LoggerFactory.CreateLogger<GroupKeyDeleteService>();
    }

    /// <summary>
    /// Handles a Group Key Delete. With no PNE ids the whole group goes: its sealed key, epoch and
    /// broadcast are deleted, every member is affected, and a later notification for an epoch up to
    /// this one is refused as stale. With PNE ids only those members leave. Repeating a delete is harmless.
    /// </summary>
    public Task<GroupKeyDeleteResult> HandleDeleteAsync(GroupKeyDelete delete, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delete);
        ArgumentNullException.ThrowIfNull(delete.PneIds);
        return _store.RunAsync(
            async db =>
            {
                var result = await HandleDeleteCoreAsync(db, delete, cancellationToken).ConfigureAwait(false);
                Log.Handled(_logger, result.GroupId, result.Epoch, result.Status, result.AffectedPneIds.Count, delete.Reason);
                GatewayMetrics.Deletes.Add(1, new KeyValuePair<string, object?>("status", result.Status.ToString()));
                return result;
            },
            cancellationToken);
    }

    /// <summary>Records that a PNE deleted the key (its Group Key Delete Response).</summary>
    public Task<DeleteAckOutcome> RecordDeleteAckAsync(string pneId, string groupId, ulong epoch, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        return _store.RunAsync(
            async db =>
            {
                var outcome = DeleteAckOutcome.Unknown;
                if (epoch <= long.MaxValue)
                {
                    var ack = await db.PendingDeleteAcks.SingleOrDefaultAsync(a => a.GroupId == groupId && a.Epoch == (long)epoch && a.PneId == pneId, cancellationToken).ConfigureAwait(false);
                    if (ack is not null)
                    {
                        ack.AckedAt ??= _store.Time.GetUtcNow();
                        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                        outcome = DeleteAckOutcome.Recorded;
                    }
                }

                Log.Acked(_logger, pneId, groupId, epoch, outcome);
                return outcome;
            },
            cancellationToken);
    }

    /// <summary>The acknowledgements of one delete, or null when there is no such delete.</summary>
    public Task<GroupKeyDeleteReport?> GetDeleteReportAsync(string groupId, ulong epoch, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        return _store.RunAsync(
            async db =>
            {
                if (epoch > long.MaxValue)
                {
                    return null;
                }

                var value = (long)epoch;
                var pending = await db.PendingDeletes.AsNoTracking().SingleOrDefaultAsync(d => d.GroupId == groupId && d.Epoch == value, cancellationToken).ConfigureAwait(false);
                if (pending is null)
                {
                    return null;
                }

                var acks = await db.PendingDeleteAcks.AsNoTracking().Where(a => a.GroupId == groupId && a.Epoch == value).ToListAsync(cancellationToken).ConfigureAwait(false);
                return new GroupKeyDeleteReport(groupId, epoch, pending.WholeGroup, [.. acks.OrderBy(a => a.PneId, StringComparer.Ordinal).Select(a => new DeleteAckEntry(a.PneId, a.AckedAt))]);
            },
            cancellationToken);
    }

    private async Task<GroupKeyDeleteResult> HandleDeleteCoreAsync(GatewayDbContext db, GroupKeyDelete delete, CancellationToken cancellationToken)
    {
        var groupId = delete.GroupId ?? string.Empty;
        var epoch = delete.Epoch;
        if (groupId.Length == 0 || epoch is 0 or > long.MaxValue)
        {
            return new GroupKeyDeleteResult(GroupKeyDeleteStatus.Invalid, groupId, epoch, [], false);
        }

        var value = (long)epoch;
        var wholeGroup = delete.PneIds.Count == 0;
        var group = await db.Groups.SingleOrDefaultAsync(g => g.GroupId == groupId, cancellationToken).ConfigureAwait(false);
        var pending = await db.PendingDeletes.SingleOrDefaultAsync(d => d.GroupId == groupId && d.Epoch == value, cancellationToken).ConfigureAwait(false);
        var existingAcks = await db.PendingDeleteAcks.Where(a => a.GroupId == groupId && a.Epoch == value).Select(a => a.PneId).ToListAsync(cancellationToken).ConfigureAwait(false);

        List<string> affected;
        if (wholeGroup)
        {
            if (group is not null && value < group.Epoch)
            {
                return new GroupKeyDeleteResult(GroupKeyDeleteStatus.Stale, groupId, epoch, [], false);
            }

            if (group is null && pending is not { WholeGroup: true })
            {
                // Remember the delete all the same, so a late notification for this epoch is refused.
                AddOrMarkPending(db, pending, groupId, value, delete.Reason, wholeGroup: true);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return new GroupKeyDeleteResult(GroupKeyDeleteStatus.UnknownGroup, groupId, epoch, [], true);
            }

            var members = await db.GroupMembers.Where(m => m.GroupId == groupId).ToListAsync(cancellationToken).ConfigureAwait(false);
            affected = [.. members.Select(m => m.PneId).Union(existingAcks, StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            db.GroupMembers.RemoveRange(members);
            if (group is not null)
            {
                db.Groups.Remove(group);
            }
        }
        else
        {
            var named = delete.PneIds.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
            var registered = await db.Pnes.AsNoTracking().Where(p => named.Contains(p.PneId) && !p.Removed).Select(p => p.PneId).ToListAsync(cancellationToken).ConfigureAwait(false);
            affected = [.. registered.Order(StringComparer.Ordinal)];
            var leaving = await db.GroupMembers.Where(m => m.GroupId == groupId && registered.Contains(m.PneId)).ToListAsync(cancellationToken).ConfigureAwait(false);
            db.GroupMembers.RemoveRange(leaving);
        }

        AddOrMarkPending(db, pending, groupId, value, delete.Reason, wholeGroup);
        var known = existingAcks.ToHashSet(StringComparer.Ordinal);
        db.PendingDeleteAcks.AddRange(affected.Where(p => !known.Contains(p)).Select(p => new PendingDeleteAckEntity { GroupId = groupId, Epoch = value, PneId = p }));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return new GroupKeyDeleteResult(wholeGroup ? GroupKeyDeleteStatus.Deleted : GroupKeyDeleteStatus.MembersRemoved, groupId, epoch, affected, wholeGroup);
    }

    private void AddOrMarkPending(GatewayDbContext db, PendingDeleteEntity? pending, string groupId, long epoch, string? reason, bool wholeGroup)
    {
        if (pending is null)
        {
            db.PendingDeletes.Add(new PendingDeleteEntity { GroupId = groupId, Epoch = epoch, Reason = reason, WholeGroup = wholeGroup, RequestedAt = _store.Time.GetUtcNow() });
        }
        else if (wholeGroup)
        {
            pending.WholeGroup = true;
        }
    }
}
