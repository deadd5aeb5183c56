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

    // One text for both databases; PostgreSQL adds the lock clause that lets instances polling together take disjoint
    // rows. Parameters: {0} token, {1} lease expiry, {2} now, {3} batch size.
    private const string ClaimHead = """
        UPDATE "Deliveries" SET "LeaseOwner" = {0}, "LeaseExpiresAt" = {1}
        WHERE ("GroupId", "Epoch", "GatewayId") IN (
            SELECT "GroupId", "Epoch", "GatewayId" FROM "Deliveries"
            WHERE "Status" = 'Pending'
              AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= {2})
              AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {2})
            ORDER BY "QueuedAt"
            LIMIT {3}
        """;

    private const string ClaimTail = """
        )
        RETURNING *
        """;

    private const string ClaimSqlite = ClaimHead + ClaimTail;

    private const string ClaimPostgres = ClaimHead + " FOR UPDATE SKIP LOCKED" + ClaimTail;

    public async Task<(string Token, IReadOnlyList<DeliveryRecord> Rows)> ClaimDueAsync(string owner, DateTime now, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var token = $"{owner}/{Guid.NewGuid():N}";
        var expires = now + leaseDuration;
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var claim = db.Deliveries.FromSqlRaw(db.IsSqlite ? ClaimSqlite : ClaimPostgres, token, expires, now, BatchSize);
            var rows = await database.WriteStatementAsync(ct => claim.AsNoTracking().ToListAsync(ct), cancellationToken).ConfigureAwait(false);

            // RETURNING gives no order; the oldest queued rows go out first, as the claim chose them.
            rows.Sort((a, b) => a.QueuedAt.CompareTo(b.QueuedAt));
            return (token, rows);
        }
    }
}
