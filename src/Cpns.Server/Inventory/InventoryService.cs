using Cpns.Server.Auth;
using Cpns.Server.Domain;
using Cpns.Server.Keys;
using Cpns.Server.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Inventory;

/// <summary>
/// The PN inventory: which PNEs are registered behind which gateway. Gateways report it over MQTT (PnInventoryReport,
/// <see cref="ApplyReportAsync"/>); the operator routes <c>/gateways/{gw}/pnes</c> remain for tests and repairs.
/// </summary>
internal sealed class InventoryService(CpnsDatabase database, GroupKeyService groupKeys, TimeProvider time)
{
    /// <summary>Records (or updates) a PNE registered in the PN of a gateway; creates the gateway row on first sight.</summary>
    /// <returns>True when the PNE was not registered before.</returns>
    public Task<bool> RecordPneAsync(string gatewayId, string pnId, string pneId, string? alias, DateTime? registeredAt, CancellationToken cancellationToken) =>
        database.WriteAsync(async (db, ct) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var gateway = await db.Gateways.FindAsync([gatewayId], ct).ConfigureAwait(false);
            if (gateway is null)
            {
                db.Gateways.Add(new Gateway { Id = gatewayId, PnId = pnId, CreatedAt = now });
            }
            else
            {
                gateway.PnId = pnId;
            }

            var pne = await db.Pnes.FindAsync([gatewayId, pneId], ct).ConfigureAwait(false);
            if (pne is null)
            {
                db.Pnes.Add(new PneRegistration { GatewayId = gatewayId, PneId = pneId, PnId = pnId, Alias = alias, RegisteredAt = registeredAt ?? now });
                db.Audit.Add(new AuditEntry { At = now, Actor = Caller.System.AuditName, Action = "pne.registered", Detail = MemberKey.Format(gatewayId, pneId) });
                return true;
            }

            pne.PnId = pnId;
            pne.Alias = alias;
            return false;
        }, cancellationToken);

    /// <summary>
    /// A PNE was removed from its PN: it leaves every Service Group it is a member of (each GK is updated), in the
    /// same transaction as the removal.
    /// </summary>
    /// <returns>False when the PNE was not registered.</returns>
    public async Task<bool> RemovePneAsync(string gatewayId, string pneId, CancellationToken cancellationToken)
    {
        var (removed, issued) = await database.WriteAsync(async (db, ct) =>
        {
            var pne = await db.Pnes.FindAsync([gatewayId, pneId], ct).ConfigureAwait(false);
            if (pne is null)
            {
                return (false, new List<EpochIssued>());
            }

            db.Pnes.Remove(pne);
            db.Audit.Add(new AuditEntry { At = time.GetUtcNow().UtcDateTime, Actor = Caller.System.AuditName, Action = "pne.removed", Detail = MemberKey.Format(gatewayId, pneId) });
            var issued = await groupKeys.RemovePneFromGroupsAsync(db, gatewayId, pneId, ct).ConfigureAwait(false);
            return (true, issued);
        }, cancellationToken).ConfigureAwait(false);
        groupKeys.Committed(issued);
        return removed;
    }

    /// <summary>
    /// Applies a gateway's PnInventoryReport in one transaction: records (or updates) every registered PNE and removes
    /// every removed one; a removed PNE leaves every group it is an active member of, each with a GK update (as a leaver).
    /// </summary>
    /// <returns>How many PNEs were newly registered and how many were removed.</returns>
    public async Task<(int Registered, int Removed)> ApplyReportAsync(
        string gatewayId, string pnId, IReadOnlyList<(string PneId, string? Alias, DateTime? RegisteredAt)> registered, IReadOnlyList<string> removed, CancellationToken cancellationToken)
    {
        var (added, gone, issued) = await database.WriteAsync(async (db, ct) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var gateway = await db.Gateways.FindAsync([gatewayId], ct).ConfigureAwait(false);
            if (gateway is null)
            {
                db.Gateways.Add(new Gateway { Id = gatewayId, PnId = pnId, CreatedAt = now });
            }
            else
            {
                gateway.PnId = pnId;
            }

            var added = 0;
            foreach (var (pneId, alias, registeredAt) in registered)
            {
                var pne = await db.Pnes.FindAsync([gatewayId, pneId], ct).ConfigureAwait(false);
                if (pne is null)
                {
                    db.Pnes.Add(new PneRegistration { GatewayId = gatewayId, PneId = pneId, PnId = pnId, Alias = alias, RegisteredAt = registeredAt ?? now });
                    db.Audit.Add(new AuditEntry { At = now, Actor = Caller.System.AuditName, Action = "pne.registered", Detail = MemberKey.Format(gatewayId, pneId) });
                    added++;
                }
                else
                {
                    pne.PnId = pnId;
                    pne.Alias = alias;
                }
            }

            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            var gone = 0;
            var issued = new List<EpochIssued>();
            foreach (var pneId in removed)
            {
                var pne = await db.Pnes.FindAsync([gatewayId, pneId], ct).ConfigureAwait(false);
                if (pne is null)
                {
                    continue;
                }

                db.Pnes.Remove(pne);
                db.Audit.Add(new AuditEntry { At = now, Actor = Caller.System.AuditName, Action = "pne.removed", Detail = MemberKey.Format(gatewayId, pneId) });
                issued.AddRange(await groupKeys.RemovePneFromGroupsAsync(db, gatewayId, pneId, ct).ConfigureAwait(false));
                gone++;
            }

            return (added, gone, issued);
        }, cancellationToken).ConfigureAwait(false);
        groupKeys.Committed(issued);
        return (added, gone);
    }

    public async Task<IReadOnlyList<PneRegistration>> ListAsync(string gatewayId, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            return await db.Pnes.AsNoTracking().Where(p => p.GatewayId == gatewayId).OrderBy(p => p.PneId).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
