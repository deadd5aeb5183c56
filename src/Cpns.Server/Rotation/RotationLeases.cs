using Cpns.Server.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Rotation;

/// <summary>
/// Claims groups due for periodic rotation with a row lease, so that each due rotation runs on one instance only.
/// PostgreSQL: one <c>UPDATE ... WHERE Id IN (SELECT ... FOR UPDATE SKIP LOCKED)</c>, so instances sweeping at the
/// same moment take disjoint rows without waiting on each other. SQLite (a single instance): one atomic UPDATE.
/// A claim whose holder dies lapses after the lease duration and another instance takes it.
/// </summary>
internal sealed class RotationLeases(CpnsDatabase database)
{
    public const int BatchSize = 32;

    public async Task<IReadOnlyList<Guid>> ClaimDueAsync(string owner, DateTime now, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var expires = now + leaseDuration;
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            if (!db.IsSqlite)
            {
                return await db.Database.SqlQuery<Guid>($"""
                    UPDATE "Groups" SET "LeaseOwner" = {owner}, "LeaseExpiresAt" = {expires}
                    WHERE "Id" IN (
                        SELECT "Id" FROM "Groups"
                        WHERE "DeletedAt" IS NULL AND "NextRotationAt" <= {now}
                          AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {now})
                        ORDER BY "NextRotationAt"
                        LIMIT {BatchSize}
                        FOR UPDATE SKIP LOCKED)
                    RETURNING "Id" AS "Value"
                    """).ToListAsync(cancellationToken).ConfigureAwait(false);
            }

            // A fresh lease token per sweep tells this sweep's rows from rows this instance claimed before and lost.
            var token = $"{owner}/{Guid.NewGuid():N}";
            var claimed = await db.Groups
                .Where(g => g.DeletedAt == null && g.NextRotationAt <= now && (g.LeaseExpiresAt == null || g.LeaseExpiresAt < now))
                .OrderBy(g => g.NextRotationAt)
                .Take(BatchSize)
                .ExecuteUpdateAsync(s => s.SetProperty(g => g.LeaseOwner, token).SetProperty(g => g.LeaseExpiresAt, expires), cancellationToken)
                .ConfigureAwait(false);
            if (claimed == 0)
            {
                return [];
            }

            // Hand back the owner name the rotation checks, not the sweep token.
            var ids = await db.Groups.Where(g => g.LeaseOwner == token).Select(g => g.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            await db.Groups.Where(g => g.LeaseOwner == token)
                .ExecuteUpdateAsync(s => s.SetProperty(g => g.LeaseOwner, owner), cancellationToken).ConfigureAwait(false);
            return ids;
        }
    }
}
