using System.Security.Cryptography;
using Cpns.Protocol.V1;
using Cpns.Server.Domain;
using Cpns.Server.Gateways;
using Cpns.Server.Keys;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using ProtoDeleteReason = Cpns.Protocol.V1.GroupKeyDeleteReason;
using ProtoReason = Cpns.Protocol.V1.GroupKeyReason;

namespace Cpns.Server.Deliveries;

/// <summary>
/// Builds the message a delivery row stands for, at send time: a GroupKeyNotification (the epoch's GK wrapped under
/// the gateway's current key, the reason, and the members behind that gateway that are active now, so a PNE that
/// left or was compromised never appears) or a GroupKeyDelete.
/// </summary>
/// <remarks>
/// Two compiled queries per message (the group, epoch and gateway in one, the members in the other) instead of five
/// LINQ queries on two contexts: a load profile showed EF's query compilation and caching as a top cost of the send
/// path. They are fields, not statics: EF refuses to run a compiled query on a model other than the one it first ran
/// on, and one process can hold servers on SQLite and on PostgreSQL (the tests do); this service serves one database.
/// </remarks>
internal sealed class DeliveryContent(SecretProtector protector)
{
    private readonly Func<CpnsDbContext, Guid, long, string, CancellationToken, Task<ContentSource?>> _source = EF.CompileAsyncQuery(
        (CpnsDbContext db, Guid groupId, long epoch, string gatewayId, CancellationToken _) =>
            db.Groups.Where(g => g.Id == groupId)
                .Select(g => new ContentSource(
                    g.DeletedAt != null,
                    db.GroupKeys.Where(k => k.GroupId == groupId && k.Epoch == epoch).Select(k => (Domain.GroupKeyReason?)k.Reason).FirstOrDefault(),
                    db.GroupKeys.Where(k => k.GroupId == groupId && k.Epoch == epoch).Select(k => k.SealedKey).FirstOrDefault(),
                    db.Gateways.Where(w => w.Id == gatewayId).Select(w => w.SealedKey).FirstOrDefault()))
                .FirstOrDefault());

    private readonly Func<CpnsDbContext, Guid, string, IAsyncEnumerable<MemberPne>> _members = EF.CompileAsyncQuery(
        (CpnsDbContext db, Guid groupId, string gatewayId) =>
            db.Members.AsNoTracking().Where(m => m.GroupId == groupId && m.GatewayId == gatewayId).Select(m => new MemberPne(m.PneId, m.State)));

    /// <summary>Why a row has nothing to send.</summary>
    public enum Skip
    {
        None,

        /// <summary>The gateway has not enrolled: no key to wrap under; the row waits for the enrollment.</summary>
        NotEnrolled,

        /// <summary>No active member behind the gateway, or the key is gone (group deleted): the row is moot.</summary>
        Moot,
    }

    public async Task<(IMessage? Message, Skip Skip)> BuildAsync(CpnsDbContext db, Guid groupId, long epoch, string gatewayId, DeliveryKind kind, CancellationToken cancellationToken)
    {
        var source = await _source(db, groupId, epoch, gatewayId, cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            return (null, Skip.Moot);
        }

        var members = new List<MemberPne>();
        await foreach (var member in _members(db, groupId, gatewayId).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            members.Add(member);
        }

        var reason = source.Reason;
        if (kind == DeliveryKind.Delete)
        {
            if (source.Deleted)
            {
                return (new GroupKeyDelete { GroupId = Text(groupId), Epoch = (ulong)epoch, Reason = ProtoDeleteReason.GroupDeleted }, Skip.None);
            }

            var gone = members.Where(m => m.State != MemberState.Active).Select(m => m.PneId).Order(StringComparer.Ordinal).ToList();
            if (gone.Count == 0)
            {
                return (null, Skip.Moot);
            }

            var registered = await db.Pnes.AsNoTracking().Where(p => p.GatewayId == gatewayId && gone.Contains(p.PneId))
                .AnyAsync(cancellationToken).ConfigureAwait(false);
            var deleteReason = reason == Domain.GroupKeyReason.MemberCompromised ? ProtoDeleteReason.MemberCompromised
                : registered ? ProtoDeleteReason.MemberLeft
                : ProtoDeleteReason.PneRemovedFromPn;
            var delete = new GroupKeyDelete { GroupId = Text(groupId), Epoch = (ulong)epoch, Reason = deleteReason };
            delete.PneIds.AddRange(gone);
            return (delete, Skip.None);
        }

        var active = members.Where(m => m.State == MemberState.Active).Select(m => m.PneId).Order(StringComparer.Ordinal).ToList();
        if (active.Count == 0 || reason is null || source.Deleted)
        {
            return (null, Skip.Moot);
        }

        if (source.SealedGatewayKey is not { } sealedGatewayKey)
        {
            return (null, Skip.NotEnrolled);
        }

        var buffer = new byte[GroupKeyService.KeySize + WrappingKeySize];
        try
        {
            var groupKey = buffer.AsMemory(0, GroupKeyService.KeySize);
            if (source.SealedGroupKey is not { } sealedGroupKey || !protector.TryOpenGroupKey(groupId, epoch, sealedGroupKey, groupKey.Span))
            {
                return (null, Skip.Moot);
            }

            if (!protector.TryOpenGatewayKey(gatewayId, sealedGatewayKey, buffer.AsSpan(GroupKeyService.KeySize)))
            {
                throw new CryptographicException($"The stored key of gateway {gatewayId} does not authenticate.");
            }

            var notification = new GroupKeyNotification
            {
                GroupId = Text(groupId),
                Epoch = (ulong)epoch,
                Reason = Map(reason.Value),
                WrappedGroupKey = ByteString.CopyFrom(GroupKeyWrap.Wrap(buffer.AsSpan(GroupKeyService.KeySize), groupKey.Span, gatewayId, Text(groupId), (ulong)epoch)),
                Scheme = BroadcastScheme.SubsetDifference,
            };
            notification.MemberPneIds.AddRange(active);
            return (notification, Skip.None);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>The wire form of a group id: the GUID's "D" format, lower case (also what the AD binds).</summary>
    public static string Text(Guid groupId) => groupId.ToString("D");

    private const int WrappingKeySize = 32;

    private static ProtoReason Map(Domain.GroupKeyReason reason) => reason switch
    {
        Domain.GroupKeyReason.Created => ProtoReason.Created,
        Domain.GroupKeyReason.OnDemand => ProtoReason.Rotated,
        Domain.GroupKeyReason.MemberLeft => ProtoReason.MemberLeft,
        Domain.GroupKeyReason.MemberCompromised => ProtoReason.MemberCompromised,
        Domain.GroupKeyReason.Periodic => ProtoReason.Periodic,
        Domain.GroupKeyReason.MemberJoined => ProtoReason.MemberJoined,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "A deleted epoch has no key to notify."),
    };
}
