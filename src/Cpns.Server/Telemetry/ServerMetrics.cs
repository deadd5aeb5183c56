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
    private readonly Counter<long> _deliveriesSent;
    private readonly Counter<long> _deliveriesRetried;
    private readonly Counter<long> _uplinkRefused;
    private readonly Counter<long> _apiRefused;
    private readonly Histogram<double> _deliveryLatency;

    public ServerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _groupKeyUpdates = meter.CreateCounter<long>("cpns.server.gk.updates", "{update}", "GK epochs issued (including creation and deletion)");
        _deliveriesPending = meter.CreateCounter<long>("cpns.server.deliveries.pending", "{delivery}", "Deliveries queued for gateways");
        _deliveriesAcknowledged = meter.CreateCounter<long>("cpns.server.deliveries.acknowledged", "{delivery}", "Deliveries acknowledged by gateways");
        _deliveriesSent = meter.CreateCounter<long>("cpns.server.deliveries.sent", "{message}", "Deliveries published to gateways (first sends and re-sends, standalone or in a sync response)");
        _deliveriesRetried = meter.CreateCounter<long>("cpns.server.deliveries.retried", "{message}", "Re-sends of unanswered deliveries");
        _uplinkRefused = meter.CreateCounter<long>("cpns.server.uplink.refused", "{message}", "Gateway messages refused, by reason");
        _apiRefused = meter.CreateCounter<long>("cpns.server.api.refused", "{request}", "REST requests refused for their credentials (invalid API key, operator scope needed, another tenant's resource, enrollment token), by reason");
        _deliveryLatency = meter.CreateHistogram<double>("cpns.server.deliveries.latency", "s", "From the epoch's commit (or the join that re-opened the delivery) to the gateway's acknowledgement");
    }

    public void DeliverySent(DeliveryKind kind, bool viaSync, bool retry)
    {
        var kindTag = new KeyValuePair<string, object?>("kind", kind.ToString());
        _deliveriesSent.Add(1, kindTag, new KeyValuePair<string, object?>("via", viaSync ? "sync" : "direct"));
        if (retry)
        {
            _deliveriesRetried.Add(1, kindTag);
        }
    }

    public void UplinkRefused(string reason) => _uplinkRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ApiRefused(string reason) => _apiRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void DeliveryLatency(DeliveryKind kind, TimeSpan latency) =>
        _deliveryLatency.Record(Math.Max(0, latency.TotalSeconds), new KeyValuePair<string, object?>("kind", kind.ToString()));

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
