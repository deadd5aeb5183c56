using System.Diagnostics.Metrics;
using Cpns.Server.Domain;

namespace Cpns.Server.Telemetry;

/// <summary>The "Cpns.Server" meter: GK updates and delivery state changes.</summary>
internal sealed class ServerMetrics
{
    public const string MeterName = "Cpns.Server";

    private readonly Counter<long> _groupKeyUpdates;
    private readonly Counter<long> _deliveriesPending;
    private readonly Counter<long> _deliveriesAcknowledged;

    public ServerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _groupKeyUpdates = meter.CreateCounter<long>("cpns.server.gk.updates", "{update}", "GK epochs issued (including creation and deletion)");
        _deliveriesPending = meter.CreateCounter<long>("cpns.server.deliveries.pending", "{delivery}", "Deliveries queued for gateways");
        _deliveriesAcknowledged = meter.CreateCounter<long>("cpns.server.deliveries.acknowledged", "{delivery}", "Deliveries acknowledged by gateways");
    }

    public void GroupKeyUpdated(GroupKeyReason reason) =>
        _groupKeyUpdates.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));

    public void DeliveriesQueued(int count, DeliveryKind kind)
    {
        if (count > 0)
        {
            _deliveriesPending.Add(count, new KeyValuePair<string, object?>("kind", kind.ToString()));
        }
    }

    public void DeliveryAcknowledged(DeliveryKind kind) =>
        _deliveriesAcknowledged.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));
}
