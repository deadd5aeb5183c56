using Cpns.Gateway.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.Registry;

/// <summary>The PN's registry of PNEs: the inventory for the server, and removal of a PNE from the PN.</summary>
public sealed partial class PneRegistryService
{
    private readonly GatewayStore _store;
    private readonly ILogger<PneRegistryService> _logger;

    /// <summary>Creates the service over the gateway's state.</summary>
    public PneRegistryService(GatewayStore store, ILogger<PneRegistryService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _logger = logger ?? store.LoggerFactory.CreateLogger<PneRegistryService>();
    }

    /// <summary>
    /// Removes a PNE from the PN for good: its EU-Key is erased, it gets no GKDK again, its leaf is
    /// never given to another PNE and is excluded from every later broadcast, and it stops being an
    /// expected member of any group. Returns the groups whose key it still holds.
    /// </summary>
    public Task<RemovePneResult> RemovePneAsync(string pneId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        return _store.RunAsync(
            async db =>
            {
                var pne = await db.Pnes.SingleOrDefaultAsync(p => p.PneId == pneId, cancellationToken).ConfigureAwait(false);
                if (pne is null)
                {
                    Log.RemoveRefused(_logger, pneId, RemovePneStatus.UnknownPne);
                    return new RemovePneResult(RemovePneStatus.UnknownPne, pneId, []);
                }

                if (pne.Removed)
                {
                    return new RemovePneResult(RemovePneStatus.AlreadyRemoved, pneId, []);
                }

                pne.Removed = true;
                pne.RemovedAt = _store.Time.GetUtcNow();
                pne.EuKeySealed = [];
                var memberships = await db.GroupMembers.Where(m => m.PneId == pneId).ToListAsync(cancellationToken).ConfigureAwait(false);
                db.GroupMembers.RemoveRange(memberships);
                // A removed PNE cannot be reached any more, so it cannot acknowledge a delete either.
                var acks = await db.PendingDeleteAcks.Where(a => a.PneId == pneId && a.AckedAt == null).ToListAsync(cancellationToken).ConfigureAwait(false);
                db.PendingDeleteAcks.RemoveRange(acks);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                var groups = memberships.Select(m => m.GroupId).Order(StringComparer.Ordinal).ToList();
                Log.Removed(_logger, pneId, pne.Leaf ?? -1, groups.Count);
                GatewayMetrics.PneRemovals.Add(1);
                return new RemovePneResult(RemovePneStatus.Removed, pneId, groups);
            },
            cancellationToken);
    }

    /// <summary>The PN inventory (registered and removed PNEs, with alias and times).</summary>
    /// <exception cref="InvalidOperationException">The gateway identity is not initialized.</exception>
    public Task<PnInventory> GetInventoryAsync(CancellationToken cancellationToken = default) =>
        _store.RunAsync(
            async db =>
            {
                var rows = await db.Pnes.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
                var entries = rows
                    .OrderBy(p => p.RegisteredAt)
                    .ThenBy(p => p.PneId, StringComparer.Ordinal)
                    .Select(p => new PnInventoryEntry(p.PneId, p.Alias, p.Leaf is not null, p.RegisteredAt, p.Removed, p.RemovedAt))
                    .ToList();
                return new PnInventory(_store.RequireGatewayId(), _store.RequirePnId(), entries);
            },
            cancellationToken);
}
