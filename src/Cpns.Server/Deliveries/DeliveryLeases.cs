using Cpns.Server.Domain;
using Cpns.Server.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Deliveries;

/// <summary>
/// Claims due deliveries (Pending, due, not leased) for this instance, so that with several instances each row is sent
/// by one of them per attempt. PostgreSQL: one <c>UPDATE ... WHERE key IN (SELECT ... FOR UPDATE SKIP LOCKED)</c>, so
/// instances polling together take disjoint rows without waiting; SQLite (single instance): one atomic UPDATE. Each
/// claim has its own token, which the send then requires (<c>WHERE LeaseOwner = token</c>); a claim whose holder died
/// lapses after the lease duration.
/// </summary>
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
            int claimed;
            if (!db.IsSqlite)
            {
                claimed = await db.Database.ExecuteSqlAsync($"""
                    UPDATE "Deliveries" SET "LeaseOwner" = {token}, "LeaseExpiresAt" = {expires}
                    WHERE ("GroupId", "Epoch", "GatewayId") IN (
                        SELECT "GroupId", "Epoch", "GatewayId" FROM "Deliveries"
                        WHERE "Status" = 'Pending'
                          AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= {now})
                          AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {now})
                        ORDER BY "QueuedAt"
                        LIMIT {BatchSize}
                        FOR UPDATE SKIP LOCKED)
                    """, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                claimed = await database.WriteStatementAsync(
                    ct => db.Deliveries
                        .Where(d => d.Status == DeliveryStatus.Pending
                            && (d.NextAttemptAt == null || d.NextAttemptAt <= now)
                            && (d.LeaseExpiresAt == null || d.LeaseExpiresAt < now))
                        .OrderBy(d => d.QueuedAt)
                        .Take(BatchSize)
                        .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseOwner, token).SetProperty(d => d.LeaseExpiresAt, expires), ct),
                    cancellationToken)
                    .ConfigureAwait(false);
            }

            if (claimed == 0)
            {
                return (token, []);
            }

            var rows = await db.Deliveries.AsNoTracking().Where(d => d.LeaseOwner == token)
                .OrderBy(d => d.QueuedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
            return (token, rows);
        }
    }
}
