using Cpns.Server.Domain;
using Cpns.Server.Storage;
using Cpns.Server.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Deliveries;

/// <summary>
/// Delivery state per (group, epoch, gateway). The MQTT sender (later work) reads Pending rows and reports Group Key
/// Responses through <see cref="AcknowledgeAsync"/>.
/// </summary>
internal sealed partial class DeliveryService(CpnsDatabase database, ServerMetrics metrics, TimeProvider time, ILogger<DeliveryService> logger)
{
    public async Task<IReadOnlyList<DeliveryRecord>> ListAsync(Guid groupId, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            return await db.Deliveries.AsNoTracking()
                .Where(d => d.GroupId == groupId)
                .OrderBy(d => d.Epoch).ThenBy(d => d.GatewayId)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The deliveries a gateway still has to receive, latest epoch per group (what a reconnecting gateway syncs).</summary>
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
            var changed = await db.Deliveries
                .Where(d => d.GroupId == groupId && d.Epoch == epoch && d.GatewayId == gatewayId && d.Status == DeliveryStatus.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Acknowledged).SetProperty(d => d.UpdatedAt, now), cancellationToken)
                .ConfigureAwait(false);
            if (changed == 0)
            {
                LogAcknowledgeIgnored(logger, groupId, epoch, gatewayId);
                return false;
            }

            var kind = await db.Deliveries.AsNoTracking()
                .Where(d => d.GroupId == groupId && d.Epoch == epoch && d.GatewayId == gatewayId)
                .Select(d => d.Kind).SingleAsync(cancellationToken).ConfigureAwait(false);
            metrics.DeliveryAcknowledged(kind);
            LogAcknowledged(logger, groupId, epoch, gatewayId);
            return true;
        }
    }
}
