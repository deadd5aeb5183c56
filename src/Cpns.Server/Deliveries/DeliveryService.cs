using Cpns.Protocol.V1;
using Cpns.Server.Domain;
using Cpns.Server.Mqtt;
using Cpns.Server.Storage;
using Cpns.Server.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cpns.Server.Deliveries;

/// <summary>
/// Delivery state per (group, epoch, gateway): what was sent (attempts, the message ids that carried it, when to
/// re-send), what the gateway answered (Group Key Response, Group Key Delete Response) and reported per PNE.
/// </summary>
internal sealed partial class DeliveryService(
    CpnsDatabase database,
    ServerMetrics metrics,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<DeliveryService> logger)
{
    public async Task<IReadOnlyList<(DeliveryRecord Delivery, IReadOnlyList<PneDeliveryReport> Pnes)>> ListAsync(Guid groupId, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var rows = await db.Deliveries.AsNoTracking()
                .Where(d => d.GroupId == groupId)
                .OrderBy(d => d.Epoch).ThenBy(d => d.GatewayId)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var reports = await db.PneDeliveryReports.AsNoTracking().Where(r => r.GroupId == groupId)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var byDelivery = reports.ToLookup(r => (r.Epoch, r.GatewayId));
            return rows.ConvertAll(d => (d, (IReadOnlyList<PneDeliveryReport>)[.. byDelivery[(d.Epoch, d.GatewayId)].OrderBy(r => r.PneId, StringComparer.Ordinal)]));
        }
    }

    /// <summary>The deliveries a gateway still has to receive.</summary>
    public async Task<IReadOnlyList<DeliveryRecord>> PendingForGatewayAsync(string gatewayId, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            return await db.Deliveries.AsNoTracking()
                .Where(d => d.GatewayId == gatewayId && d.Status == DeliveryStatus.Pending)
                .OrderBy(d => d.GroupId).ThenBy(d => d.Epoch)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The delay before re-sending a delivery published <paramref name="attempts"/> times: the configured first delay
    /// doubled per attempt, capped, plus up to 10 % jitter so that instances and gateways do not move in lockstep.
    /// </summary>
    public TimeSpan Backoff(int attempts)
    {
        var o = options.Value;
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var delay = Math.Min(o.DeliveryRetryMaxDelay.TotalMilliseconds, o.DeliveryRetryDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(delay * (1 + (Random.Shared.NextDouble() * 0.1)));
    }

    /// <summary>
    /// Records that a claimed delivery is about to be published in the message <paramref name="messageId"/>: one more
    /// attempt, the next re-send time, the lease released. Done before publishing so that a fast response always finds
    /// the message id. False when the row is no longer this claim's or no longer Pending (then nothing is sent).
    /// </summary>
    /// <param name="row">The claimed row.</param>
    /// <param name="leaseToken">The claim's token.</param>
    /// <param name="messageId">The id of the message about to be published.</param>
    /// <param name="builtAt">When the message's content (its member list) was read. A row re-queued after that
    /// (a join changed the member list) must not be marked sent with stale content: the claim is released and
    /// the row goes out again at once with the new list.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public Task<bool> MarkSentAsync(DeliveryRecord row, string leaseToken, byte[] messageId, DateTime builtAt, CancellationToken cancellationToken) =>
        database.WriteAsync(async (db, ct) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var next = now + Backoff(row.Attempts + 1);
            var claimed = db.Deliveries.Where(d => d.GroupId == row.GroupId && d.Epoch == row.Epoch && d.GatewayId == row.GatewayId
                && d.LeaseOwner == leaseToken && d.Status == DeliveryStatus.Pending);
            if (await claimed.AnyAsync(d => d.QueuedAt > builtAt, ct).ConfigureAwait(false))
            {
                await claimed.ExecuteUpdateAsync(
                    s => s.SetProperty(d => d.LeaseOwner, (string?)null).SetProperty(d => d.LeaseExpiresAt, (DateTime?)null), ct).ConfigureAwait(false);
                return false;
            }

            var changed = await db.Deliveries
                .Where(d => d.GroupId == row.GroupId && d.Epoch == row.Epoch && d.GatewayId == row.GatewayId
                    && d.LeaseOwner == leaseToken && d.Status == DeliveryStatus.Pending && d.QueuedAt <= builtAt)
                .ExecuteUpdateAsync(
                    s => s.SetProperty(d => d.Attempts, d => d.Attempts + 1)
                        .SetProperty(d => d.LastSentAt, now)
                        .SetProperty(d => d.NextAttemptAt, next)
                        .SetProperty(d => d.UpdatedAt, now)
                        .SetProperty(d => d.LeaseOwner, (string?)null)
                        .SetProperty(d => d.LeaseExpiresAt, (DateTime?)null),
                    ct).ConfigureAwait(false);
            if (changed == 0)
            {
                return false;
            }

            db.DeliveryMessages.Add(new DeliveryMessage { MessageId = messageId, GroupId = row.GroupId, Epoch = row.Epoch, GatewayId = row.GatewayId, SentAt = builtAt });
            return true;
        }, cancellationToken);

    /// <summary>Releases a claimed row that has nothing to send: moot rows become Superseded, rows of a gateway not yet enrolled wait for it.</summary>
    public async Task ReleaseUnsentAsync(DeliveryRecord row, string leaseToken, DeliveryContent.Skip skip, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var now = time.GetUtcNow().UtcDateTime;
            var query = db.Deliveries.Where(d => d.GroupId == row.GroupId && d.Epoch == row.Epoch && d.GatewayId == row.GatewayId
                && d.LeaseOwner == leaseToken && d.Status == DeliveryStatus.Pending);
            if (skip == DeliveryContent.Skip.NotEnrolled)
            {
                // Enrollment clears NextAttemptAt, so the row goes out as soon as the gateway has a key.
                var later = now + options.Value.DeliveryRetryMaxDelay;
                await database.WriteStatementAsync(
                    ct => query.ExecuteUpdateAsync(
                        s => s.SetProperty(d => d.NextAttemptAt, later).SetProperty(d => d.LastStatus, "NotEnrolled")
                            .SetProperty(d => d.LeaseOwner, (string?)null).SetProperty(d => d.LeaseExpiresAt, (DateTime?)null),
                        ct),
                    cancellationToken).ConfigureAwait(false);
                LogWaitingForEnrollment(logger, row.GroupId, row.Epoch, row.GatewayId);
            }
            else
            {
                await database.WriteStatementAsync(
                    ct => query.ExecuteUpdateAsync(
                        s => s.SetProperty(d => d.Status, DeliveryStatus.Superseded).SetProperty(d => d.UpdatedAt, now)
                            .SetProperty(d => d.LeaseOwner, (string?)null).SetProperty(d => d.LeaseExpiresAt, (DateTime?)null),
                        ct),
                    cancellationToken).ConfigureAwait(false);
                LogMoot(logger, row.GroupId, row.Epoch, row.GatewayId);
            }
        }
    }

    /// <summary>
    /// Records a gateway's Group Key Response. Idempotent: a duplicate, or a response for a superseded epoch, changes
    /// nothing and returns false.
    /// </summary>
    public async Task<bool> AcknowledgeAsync(Guid groupId, long epoch, string gatewayId, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var now = time.GetUtcNow().UtcDateTime;

            // One conditional UPDATE: safe against a concurrent supersede from another instance without a transaction.
            var changed = await database.WriteStatementAsync(
                ct => db.Deliveries
                    .Where(d => d.GroupId == groupId && d.Epoch == epoch && d.GatewayId == gatewayId && d.Status == DeliveryStatus.Pending)
                    .ExecuteUpdateAsync(
                        s => s.SetProperty(d => d.Status, DeliveryStatus.Acknowledged).SetProperty(d => d.UpdatedAt, now)
                            .SetProperty(d => d.AcknowledgedAt, now).SetProperty(d => d.LastStatus, (string?)null),
                        ct),
                cancellationToken)
                .ConfigureAwait(false);
            if (changed == 0)
            {
                LogAcknowledgeIgnored(logger, groupId, epoch, gatewayId);
                return false;
            }

            var row = await db.Deliveries.AsNoTracking()
                .Where(d => d.GroupId == groupId && d.Epoch == epoch && d.GatewayId == gatewayId)
                .Select(d => new { d.Kind, d.QueuedAt }).SingleAsync(cancellationToken).ConfigureAwait(false);
            metrics.DeliveryAcknowledged(row.Kind);
            metrics.DeliveryLatency(row.Kind, now - row.QueuedAt);
            LogAcknowledged(logger, groupId, epoch, gatewayId);
            return true;
        }
    }

    /// <summary>
    /// Handles a GroupKeyResponse or a GroupKeyDeleteResponse from <paramref name="gatewayId"/>. Returns null when
    /// accepted, or the refusal reason (<see cref="UplinkRefusal"/>): the correlation id must be a message the server
    /// sent to this gateway carrying this group and epoch, of the matching kind, sent since the delivery last became
    /// pending. OK and DUPLICATE acknowledge; any other status is recorded and the delivery stays pending (re-sent).
    /// </summary>
    public async Task<string?> HandleResponseAsync(
        string gatewayId, byte[] correlationId, string groupIdText, ulong epochValue, Status status, DeliveryKind kind, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(groupIdText, "D", out var groupId) || epochValue > long.MaxValue)
        {
            return UplinkRefusal.CorrelationMismatch;
        }

        var epoch = (long)epochValue;
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var sent = await db.DeliveryMessages.AsNoTracking()
                .Where(m => m.GatewayId == gatewayId && m.MessageId == correlationId)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            if (sent.Count == 0)
            {
                return UplinkRefusal.UnknownCorrelation;
            }

            var carried = sent.Where(m => m.GroupId == groupId && m.Epoch == epoch).ToList();
            if (carried.Count == 0)
            {
                return UplinkRefusal.CorrelationMismatch;
            }

            var row = await db.Deliveries.AsNoTracking()
                .SingleOrDefaultAsync(d => d.GroupId == groupId && d.Epoch == epoch && d.GatewayId == gatewayId, cancellationToken).ConfigureAwait(false);
            if (row is null || row.Kind != kind)
            {
                return UplinkRefusal.CorrelationMismatch;
            }

            switch (row.Status)
            {
                case DeliveryStatus.Acknowledged:
                    return UplinkRefusal.AlreadyAcknowledged;
                case DeliveryStatus.Superseded:
                    return UplinkRefusal.NotPending;
            }

            if (carried.Max(m => m.SentAt) < row.QueuedAt)
            {
                // Answers a message sent before the delivery was re-opened (a join changed the member list since).
                return UplinkRefusal.NotPending;
            }

            if (status is Status.Ok or Status.Duplicate)
            {
                return await AcknowledgeAsync(groupId, epoch, gatewayId, cancellationToken).ConfigureAwait(false)
                    ? null
                    : UplinkRefusal.AlreadyAcknowledged;
            }

            var statusName = status.ToString();
            await database.WriteStatementAsync(
                ct => db.Deliveries.Where(d => d.GroupId == groupId && d.Epoch == epoch && d.GatewayId == gatewayId && d.Status == DeliveryStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.LastStatus, statusName), ct),
                cancellationToken).ConfigureAwait(false);
            LogGatewayFailed(logger, gatewayId, groupId, epoch, statusName);
            return null;
        }
    }

    /// <summary>Records a GroupKeyDeliveryReport (per-PNE statuses); null when accepted, else the refusal reason.</summary>
    public async Task<string?> RecordReportAsync(string gatewayId, GroupKeyDeliveryReport report, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(report.GroupId, "D", out var groupId) || report.Epoch > long.MaxValue)
        {
            return UplinkRefusal.UnknownDelivery;
        }

        var epoch = (long)report.Epoch;
        return await database.WriteAsync<string?>(async (db, ct) =>
        {
            var known = await db.Deliveries.AnyAsync(
                d => d.GroupId == groupId && d.Epoch == epoch && d.GatewayId == gatewayId && d.Kind == DeliveryKind.KeyUpdate, ct).ConfigureAwait(false);
            if (!known)
            {
                return UplinkRefusal.UnknownDelivery;
            }

            var now = time.GetUtcNow().UtcDateTime;
            var existing = await db.PneDeliveryReports
                .Where(r => r.GroupId == groupId && r.Epoch == epoch && r.GatewayId == gatewayId)
                .ToDictionaryAsync(r => r.PneId, StringComparer.Ordinal, ct).ConfigureAwait(false);
            foreach (var pne in report.Deliveries)
            {
                if (existing.TryGetValue(pne.PneId, out var row))
                {
                    row.Status = pne.Status.ToString();
                    row.ReportedAt = now;
                }
                else
                {
                    db.PneDeliveryReports.Add(new PneDeliveryReport { GroupId = groupId, Epoch = epoch, GatewayId = gatewayId, PneId = pne.PneId, Status = pne.Status.ToString(), ReportedAt = now });
                }
            }

            LogReport(logger, gatewayId, groupId, epoch, report.Deliveries.Count);
            return null;
        }, cancellationToken).ConfigureAwait(false);
    }
}
