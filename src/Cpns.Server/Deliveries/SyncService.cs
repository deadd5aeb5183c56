using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Server.Domain;
using Cpns.Server.Enrollment;
using Cpns.Server.Storage;
using Cpns.Server.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Deliveries;

/// <summary>
/// Answers a gateway's SyncRequest (sent after every reconnect): for each live group with active members behind the
/// gateway, only the latest epoch's notification, when the gateway is behind on it or it is still pending there (a
/// gateway offline during three updates gets only the third); and every delete it has not acknowledged. Each delivery
/// in the response counts as an attempt and is correlated with the response's message id.
/// </summary>
internal sealed partial class SyncService(
    CpnsDatabase database,
    DeliveryContent content,
    DeliveryService deliveries,
    ServerMetrics metrics,
    TimeProvider time,
    ILogger<SyncService> logger)
{
    public async Task<byte[]> AnswerAsync(string gatewayId, Envelope request, CancellationToken cancellationToken)
    {
        var known = request.SyncRequest.Known.ToDictionary(k => k.GroupId, k => k.Epoch, StringComparer.Ordinal);
        var response = new SyncResponse();
        var carried = new List<(Guid GroupId, long Epoch, DeliveryKind Kind)>();
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var groups = await (from m in db.Members
                                join g in db.Groups on m.GroupId equals g.Id
                                where m.GatewayId == gatewayId && m.State == MemberState.Active && g.DeletedAt == null
                                select new { g.Id, g.CurrentEpoch })
                .Distinct().ToListAsync(cancellationToken).ConfigureAwait(false);
            var groupIds = groups.ConvertAll(g => g.Id);
            var rows = await db.Deliveries.AsNoTracking()
                .Where(d => d.GatewayId == gatewayId && (groupIds.Contains(d.GroupId) || (d.Kind == DeliveryKind.Delete && d.Status == DeliveryStatus.Pending)))
                .ToListAsync(cancellationToken).ConfigureAwait(false);

            foreach (var group in groups.OrderBy(g => g.Id))
            {
                var row = rows.SingleOrDefault(d => d.GroupId == group.Id && d.Epoch == group.CurrentEpoch);
                var behind = !known.TryGetValue(DeliveryContent.Text(group.Id), out var held) || held < (ulong)group.CurrentEpoch;
                if (!behind && row?.Status != DeliveryStatus.Pending)
                {
                    continue;
                }

                var (message, _) = await content.BuildAsync(db, group.Id, group.CurrentEpoch, gatewayId, DeliveryKind.KeyUpdate, cancellationToken).ConfigureAwait(false);
                if (message is GroupKeyNotification notification)
                {
                    response.Latest.Add(notification);
                    carried.Add((group.Id, group.CurrentEpoch, DeliveryKind.KeyUpdate));
                }
            }

            foreach (var delete in rows.Where(d => d.Kind == DeliveryKind.Delete && d.Status == DeliveryStatus.Pending).OrderBy(d => d.GroupId).ThenBy(d => d.Epoch))
            {
                var (message, _) = await content.BuildAsync(db, delete.GroupId, delete.Epoch, gatewayId, DeliveryKind.Delete, cancellationToken).ConfigureAwait(false);
                if (message is GroupKeyDelete deleteMessage)
                {
                    response.Deletes.Add(deleteMessage);
                    carried.Add((delete.GroupId, delete.Epoch, DeliveryKind.Delete));
                }
            }
        }

        var envelope = EnvelopeCodec.CreateEnvelope(response, ServerCertificates.ServerIdentity, request, time);
        var payload = EnvelopeCodec.Encode(envelope);
        var messageId = envelope.MessageId.ToByteArray();
        var retries = await database.WriteAsync(async (db, ct) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var retried = new List<bool>(carried.Count);
            foreach (var (groupId, epoch, kind) in carried)
            {
                var row = await db.Deliveries.FindAsync([groupId, epoch, gatewayId], ct).ConfigureAwait(false);
                if (row is null)
                {
                    row = new DeliveryRecord { GroupId = groupId, Epoch = epoch, GatewayId = gatewayId, Kind = kind, Status = DeliveryStatus.Pending, CreatedAt = now, QueuedAt = now };
                    db.Deliveries.Add(row);
                }
                else if (row.Status != DeliveryStatus.Pending)
                {
                    // The gateway says it lacks an epoch it had acknowledged (it lost its state): deliver it again.
                    row.Status = DeliveryStatus.Pending;
                    row.QueuedAt = now;
                    row.AcknowledgedAt = null;
                }

                retried.Add(row.Attempts > 0);
                row.Attempts++;
                row.LastSentAt = now;
                row.UpdatedAt = now;
                row.NextAttemptAt = now + deliveries.Backoff(row.Attempts);
                db.DeliveryMessages.Add(new DeliveryMessage { MessageId = messageId, GroupId = groupId, Epoch = epoch, GatewayId = gatewayId, SentAt = now, ViaSync = true });
            }

            return retried;
        }, cancellationToken).ConfigureAwait(false);

        for (var i = 0; i < carried.Count; i++)
        {
            metrics.DeliverySent(carried[i].Kind, viaSync: true, retries[i]);
        }

        LogSync(logger, gatewayId, request.SyncRequest.Known.Count, response.Latest.Count, response.Deletes.Count);
        return payload;
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Sync for gateway {GatewayId}: it knows {Known} groups; sending {Latest} latest epochs and {Deletes} deletes")]
    private static partial void LogSync(ILogger logger, string gatewayId, int known, int latest, int deletes);
}
