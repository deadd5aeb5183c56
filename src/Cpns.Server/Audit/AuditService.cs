using Cpns.Server.Auth;
using Cpns.Server.Domain;
using Cpns.Server.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Audit;

/// <summary>Reads the append-only audit log; entries are written by the services in their own transactions.</summary>
internal sealed class AuditService(CpnsDatabase database)
{
    public const int MaxPage = 1000;

    /// <summary>
    /// Entries in id order after <paramref name="afterId"/>. An application key sees only the entries of its own groups
    /// (including deleted ones, whose history stays readable).
    /// </summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(Caller caller, Guid? groupId, long afterId, int limit, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var query = db.Audit.AsNoTracking().Where(a => a.Id > afterId);
            if (groupId is Guid g)
            {
                query = query.Where(a => a.GroupId == g);
            }

            if (!caller.IsOperator)
            {
                var own = db.Groups.Where(x => x.OwnerApplication == caller.Name).Select(x => (Guid?)x.Id);
                query = query.Where(a => own.Contains(a.GroupId));
            }

            return await query.OrderBy(a => a.Id).Take(Math.Clamp(limit, 1, MaxPage)).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
