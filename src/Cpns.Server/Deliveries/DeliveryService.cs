using System.Globalization;
using System.Text;
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
/// <remarks>
/// The writes that every delivery makes on the send and response paths are plain SQL statements (one text for SQLite
/// and PostgreSQL), so no entity is tracked and no LINQ ExecuteUpdate is translated just to flip a status; the status
/// literals are the names the enum's string converter stores.
/// </remarks>
internal sealed partial class DeliveryService(
    CpnsDatabase database,
    ServerMetrics metrics,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<DeliveryService> logger)
{
    /// <summary>PNE statuses per upsert statement: 1,004 parameters, well under SQLite's and PostgreSQL's limits.</summary>
    public const int ReportChunkSize = 500;

    // Compiled queries skip the LINQ translation and query-cache lookup that a load profile showed as a top cost of
    // the response path. They are fields, not statics: EF refuses to run a compiled query on a model other than the
    // one it first ran on, and one process can hold servers on SQLite and on PostgreSQL (the tests do); a service
    // serves one database.
    private readonly Func<CpnsDbContext, string, byte[], IAsyncEnumerable<ResponseMatch>> _responseMatches = EF.CompileAsyncQuery(
        (CpnsDbContext db, string gatewayId, byte[] correlationId) =>
            from m in db.DeliveryMessages.AsNoTracking()
            where m.GatewayId == gatewayId && m.MessageId == correlationId
            join d in db.Deliveries.AsNoTracking()
                on new { m.GroupId, m.Epoch, m.GatewayId } equals new { d.GroupId, d.Epoch, d.GatewayId } into carriedBy
            from d in carriedBy.DefaultIfEmpty()
            select new ResponseMatch(
                m.GroupId,
                m.Epoch,
                m.SentAt,
                d == null ? null : (DeliveryKind?)d.Kind,
                d == null ? null : (DeliveryStatus?)d.Status,
                d == null ? null : (DateTime?)d.QueuedAt));

    private readonly Func<CpnsDbContext, Guid, long, string, CancellationToken, Task<DeliveryRecord?>> _delivery = EF.CompileAsyncQuery(
        (CpnsDbContext db, Guid groupId, long epoch, string gatewayId, CancellationToken _) =>
            db.Deliveries.AsNoTracking().FirstOrDefault(d => d.GroupId == groupId && d.Epoch == epoch && d.GatewayId == gatewayId));

    private readonly Func<CpnsDbContext, Guid, long, string, CancellationToken, Task<bool>> _keyUpdateExists = EF.CompileAsyncQuery(
        (CpnsDbContext db, Guid groupId, long epoch, string gatewayId, CancellationToken _) =>
            db.Deliveries.Any(d => d.GroupId == groupId && d.Epoch == epoch && d.GatewayId == gatewayId && d.Kind == DeliveryKind.KeyUpdate));

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
    /// Records that claimed deliveries are about to be published, each in its message: one more attempt, the next
    /// re-send time, the lease released. Done before publishing so that a fast response always finds the message id.
    /// One transaction for the whole batch (one commit instead of one per delivery); each row keeps its own conditional
    /// UPDATE, so a row that is no longer this claim's or no longer Pending is not marked, and is not sent. A row
    /// re-queued since it was claimed (a join changed the member list) must not be marked sent with content read
    /// before: its claim is released and it goes out again at once with the new list.
    /// </summary>
    /// <returns>For each attempt, in order, whether it was marked (and may be published).</returns>
    public Task<bool[]> MarkSentAsync(IReadOnlyList<SendAttempt> attempts, string leaseToken, CancellationToken cancellationToken) =>
        database.WriteAsync(async (db, ct) =>
        {
            var marked = new bool[attempts.Count];
            var sent = new List<SendAttempt>(attempts.Count);
            var now = time.GetUtcNow().UtcDateTime;
            for (var i = 0; i < attempts.Count; i++)
            {
                var (row, _, builtAt) = attempts[i];
                var next = now + Backoff(row.Attempts + 1);

                // The common case first, in one statement; only a row it did not match needs a second look. The row
                // must still be queued as the claim read it, before the content was read: a join that took its
                // QueuedAt before builtAt but committed after the content was read changes it, so stale content is
                // not marked (a batch widens that window: the claim's other rows are built before the mark).
                var changed = await db.Database.ExecuteSqlAsync($"""
                    UPDATE "Deliveries"
                    SET "Attempts" = "Attempts" + 1, "LastSentAt" = {now}, "NextAttemptAt" = {next}, "UpdatedAt" = {now},
                        "LeaseOwner" = NULL, "LeaseExpiresAt" = NULL
                    WHERE "GroupId" = {row.GroupId} AND "Epoch" = {row.Epoch} AND "GatewayId" = {row.GatewayId}
                      AND "LeaseOwner" = {leaseToken} AND "Status" = 'Pending'
                      AND "QueuedAt" = {row.QueuedAt} AND "QueuedAt" <= {builtAt}
                    """, ct).ConfigureAwait(false);
                if (changed == 0)
                {
                    // Still claimed (so re-queued since the claim): release it; a row no longer claimed matches nothing.
                    await db.Database.ExecuteSqlAsync($"""
                        UPDATE "Deliveries" SET "LeaseOwner" = NULL, "LeaseExpiresAt" = NULL
                        WHERE "GroupId" = {row.GroupId} AND "Epoch" = {row.Epoch} AND "GatewayId" = {row.GatewayId}
                          AND "LeaseOwner" = {leaseToken} AND "Status" = 'Pending'
                        """, ct).ConfigureAwait(false);
                    continue;
                }

                sent.Add(attempts[i]);
                marked[i] = true;
            }

            if (sent.Count > 0)
            {
                await InsertMessagesAsync(db, sent, ct).ConfigureAwait(false);
            }

            return marked;
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
                ct => db.Database.ExecuteSqlAsync($"""
                    UPDATE "Deliveries" SET "Status" = 'Acknowledged', "UpdatedAt" = {now}, "AcknowledgedAt" = {now}, "LastStatus" = NULL
                    WHERE "GroupId" = {groupId} AND "Epoch" = {epoch} AND "GatewayId" = {gatewayId} AND "Status" = 'Pending'
                    """, ct),
                cancellationToken)
                .ConfigureAwait(false);
            if (changed == 0)
            {
                LogAcknowledgeIgnored(logger, groupId, epoch, gatewayId);
                return false;
            }

            var row = await _delivery(db, groupId, epoch, gatewayId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("An acknowledged delivery row is gone.");
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
            // One round trip: the messages sent under this id, each with the delivery it carried as it is now.
            var sent = await _responseMatches(db, gatewayId, correlationId).ToListAsync(cancellationToken).ConfigureAwait(false);

            if (sent.Count == 0)
            {
                return UplinkRefusal.UnknownCorrelation;
            }

            ResponseMatch? row = null;
            var lastSentAt = DateTime.MinValue;
            foreach (var m in sent)
            {
                if (m.GroupId == groupId && m.Epoch == epoch)
                {
                    row = m;
                    lastSentAt = m.SentAt > lastSentAt ? m.SentAt : lastSentAt;
                }
            }

            if (row is null || row.Kind is not { } rowKind || rowKind != kind || row.QueuedAt is not { } queuedAt)
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

            if (lastSentAt < queuedAt)
            {
                // Answers a message sent before the delivery was re-opened (a join changed the member list since).
                return UplinkRefusal.NotPending;
            }

            if (status is Status.Ok or Status.Duplicate)
            {
                return await AcknowledgeAsync(db, groupId, epoch, gatewayId, rowKind, queuedAt, lastSentAt, cancellationToken).ConfigureAwait(false)
                    ? null
                    : UplinkRefusal.AlreadyAcknowledged;
            }

            var statusName = status.ToString();
            await database.WriteStatementAsync(
                ct => db.Database.ExecuteSqlAsync($"""
                    UPDATE "Deliveries" SET "LastStatus" = {statusName}
                    WHERE "GroupId" = {groupId} AND "Epoch" = {epoch} AND "GatewayId" = {gatewayId} AND "Status" = 'Pending'
                    """, ct),
                cancellationToken).ConfigureAwait(false);
            LogGatewayFailed(logger, gatewayId, groupId, epoch, statusName);
            return null;
        }
    }

    /// <summary>
    /// The acknowledgement of a checked response: one conditional UPDATE, no read back. Besides Pending, the row must
    /// not have been re-opened after <paramref name="answeredSentAt"/> (the newest message the response answers), so
    /// a re-queue committed by another instance between the check and this statement is not acknowledged by an
    /// answer to the old content. The metrics use the kind and queue time the check read.
    /// </summary>
    private async Task<bool> AcknowledgeAsync(
        CpnsDbContext db, Guid groupId, long epoch, string gatewayId, DeliveryKind kind, DateTime queuedAt, DateTime answeredSentAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var acknowledged = await database.WriteStatementAsync(
            ct => db.Database.ExecuteSqlAsync($"""
                UPDATE "Deliveries" SET "Status" = 'Acknowledged', "UpdatedAt" = {now}, "AcknowledgedAt" = {now}, "LastStatus" = NULL
                WHERE "GroupId" = {groupId} AND "Epoch" = {epoch} AND "GatewayId" = {gatewayId} AND "Status" = 'Pending'
                  AND "QueuedAt" <= {answeredSentAt}
                """, ct),
            cancellationToken).ConfigureAwait(false);
        if (acknowledged == 0)
        {
            LogAcknowledgeIgnored(logger, groupId, epoch, gatewayId);
            return false;
        }

        metrics.DeliveryAcknowledged(kind);
        metrics.DeliveryLatency(kind, now - queuedAt);
        LogAcknowledged(logger, groupId, epoch, gatewayId);
        return true;
    }

    /// <summary>
    /// Records a GroupKeyDeliveryReport (per-PNE statuses); null when accepted, else the refusal reason. Each PNE's
    /// status is the one its latest report named (a later report replaces an earlier one; within one report the last
    /// entry for a PNE counts). Written as upserts, <see cref="ReportChunkSize"/> rows a statement, all in one
    /// transaction: no row is read or tracked.
    /// </summary>
    public async Task<string?> RecordReportAsync(string gatewayId, GroupKeyDeliveryReport report, CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(report.GroupId, "D", out var groupId) || report.Epoch > long.MaxValue)
        {
            return UplinkRefusal.UnknownDelivery;
        }

        var epoch = (long)report.Epoch;
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            // Read outside the write: delivery rows are never deleted, so one that exists now still exists at the write.
            if (!await _keyUpdateExists(db, groupId, epoch, gatewayId, cancellationToken).ConfigureAwait(false))
            {
                return UplinkRefusal.UnknownDelivery;
            }

            // One row per PNE: PostgreSQL refuses an upsert that touches a row twice.
            var statuses = new Dictionary<string, string>(report.Deliveries.Count, StringComparer.Ordinal);
            foreach (var pne in report.Deliveries)
            {
                statuses[pne.PneId] = pne.Status.ToString();
            }

            var now = time.GetUtcNow().UtcDateTime;
            var chunks = statuses.Chunk(ReportChunkSize).ToList();
            if (chunks.Count == 1)
            {
                // One statement is atomic by itself; it needs no transaction of its own.
                await database.WriteStatementAsync(ct => UpsertReportsAsync(db, groupId, epoch, gatewayId, now, chunks[0], ct), cancellationToken)
                    .ConfigureAwait(false);
            }
            else if (chunks.Count > 1)
            {
                await database.WriteAsync(
                    async (tx, ct) =>
                    {
                        foreach (var chunk in chunks)
                        {
                            await UpsertReportsAsync(tx, groupId, epoch, gatewayId, now, chunk, ct).ConfigureAwait(false);
                        }

                        return chunks.Count;
                    },
                    cancellationToken).ConfigureAwait(false);
            }
        }

        LogReport(logger, gatewayId, groupId, epoch, report.Deliveries.Count);
        return null;
    }

    /// <summary>
    /// One <c>INSERT ... ON CONFLICT DO UPDATE</c> (SQLite and PostgreSQL spell it alike) for the statuses of a chunk;
    /// the parameters are {0} group, {1} epoch, {2} gateway, {3} time, then a PNE id and its status per row.
    /// </summary>
    private static Task<int> UpsertReportsAsync(
        CpnsDbContext db, Guid groupId, long epoch, string gatewayId, DateTime now, KeyValuePair<string, string>[] rows, CancellationToken cancellationToken)
    {
        const int Shared = 4;
        var sql = new StringBuilder("""INSERT INTO "PneDeliveryReports" ("GroupId", "Epoch", "GatewayId", "PneId", "Status", "ReportedAt") VALUES """);
        var arguments = new object[Shared + (2 * rows.Length)];
        arguments[0] = groupId;
        arguments[1] = epoch;
        arguments[2] = gatewayId;
        arguments[3] = now;
        for (var i = 0; i < rows.Length; i++)
        {
            var pne = Shared + (2 * i);
            arguments[pne] = rows[i].Key;
            arguments[pne + 1] = rows[i].Value;
            sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({{0}}, {{1}}, {{2}}, {{{pne}}}, {{{pne + 1}}}, {{3}})");
        }

        sql.Append("""
             ON CONFLICT ("GroupId", "Epoch", "GatewayId", "PneId") DO UPDATE SET "Status" = excluded."Status", "ReportedAt" = excluded."ReportedAt"
            """);
        return db.Database.ExecuteSqlRawAsync(sql.ToString(), arguments, cancellationToken);
    }

    /// <summary>
    /// One multi-row INSERT for the messages of a marked batch, instead of tracked entities and a SaveChanges; the
    /// parameters are {0} false (ViaSync), then five per message.
    /// </summary>
    private static Task<int> InsertMessagesAsync(CpnsDbContext db, List<SendAttempt> sent, CancellationToken cancellationToken)
    {
        const int PerRow = 5;
        var sql = new StringBuilder("""INSERT INTO "DeliveryMessages" ("MessageId", "GroupId", "Epoch", "GatewayId", "SentAt", "ViaSync") VALUES """);
        var arguments = new object[1 + (PerRow * sent.Count)];
        arguments[0] = false;
        for (var i = 0; i < sent.Count; i++)
        {
            var (row, messageId, builtAt) = sent[i];
            var first = 1 + (PerRow * i);
            arguments[first] = messageId;
            arguments[first + 1] = row.GroupId;
            arguments[first + 2] = row.Epoch;
            arguments[first + 3] = row.GatewayId;
            arguments[first + 4] = builtAt;
            sql.Append(i == 0 ? "" : ", ")
                .Append(CultureInfo.InvariantCulture, $"({{{first}}}, {{{first + 1}}}, {{{first + 2}}}, {{{first + 3}}}, {{{first + 4}}}, {{0}})");
        }

        return db.Database.ExecuteSqlRawAsync(sql.ToString(), arguments, cancellationToken);
    }
}
