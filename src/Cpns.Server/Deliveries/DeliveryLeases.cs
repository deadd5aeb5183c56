using Cpns.Server.Domain;
using Cpns.Server.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Deliveries;

/// <summary>
/// Claims due deliveries (Pending, due, not leased) for this instance, so that with several instances each row is sent
/// by one of them per attempt. PostgreSQL: one <c>UPDATE ... WHERE key IN (SELECT ... FOR UPDATE SKIP LOCKED)</c>, so
/// instances polling together take disjoint rows without waiting; SQLite (single instance): one atomic UPDATE behind
/// the write gate. Each claim has its own token, which the send then requires (<c>WHERE LeaseOwner = token</c>); a
/// claim whose holder died lapses after the lease duration.
/// </summary>
/// <remarks>
/// Plain SQL with <c>RETURNING</c>: the claimed rows come back from the UPDATE itself, so there is no LINQ
/// ExecuteUpdate to translate on every pass (a load profile showed EF's query compilation and caching as a top cost)
/// and no second query that finds the claimed rows by token, which no index covers. The status literal is the name
/// the enum's string converter stores.
/// </remarks>
internal sealed class DeliveryLeases(CpnsDatabase database)
{
    public const int BatchSize = 64;

    public async Task<(string Token, IReadOnlyList<DeliveryRecord> Rows)> ClaimDueAsync(string owner, DateTime now, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var token = $"{owner}/{Guid.NewGuid():N}";
        var expires = now + leaseDuration;
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var claim = db.IsSqlite
                ? db.Deliveries.FromSql($"""
                    UPDATE "Deliveries" SET "LeaseOwner" = {token}, "LeaseExpiresAt" = {expires}
                    WHERE ("GroupId", "Epoch", "GatewayId") IN (
                        SELECT "GroupId", "Epoch", "GatewayId" FROM "Deliveries"
                        WHERE "Status" = 'Pending'
                          AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= {now})
                          AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {now})
                        ORDER BY "QueuedAt"
                        LIMIT {BatchSize})
                    RETURNING *
                    """)
                : db.Deliveries.FromSql($"""
                    UPDATE "Deliveries" SET "LeaseOwner" = {token}, "LeaseExpiresAt" = {expires}
                    WHERE ("GroupId", "Epoch", "GatewayId") IN (
                        SELECT "GroupId", "Epoch", "GatewayId" FROM "Deliveries"
                        WHERE "Status" = 'Pending'
                          AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= {now})
                          AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {now})
                        ORDER BY "QueuedAt"
                        LIMIT {BatchSize}
                        FOR UPDATE SKIP LOCKED)
                    RETURNING *
                    """);
            var rows = await database.WriteStatementAsync(ct => claim.AsNoTracking().ToListAsync(ct), cancellationToken).ConfigureAwait(false);

            // RETURNING gives no order; the oldest queued rows go out first, as the claim chose them.
            rows.Sort((a, b) => a.QueuedAt.CompareTo(b.QueuedAt));
            return (token, rows);
        }
    }
}
