using System.Diagnostics.Metrics;

namespace Cpns.Gateway.Diagnostics;

/// <summary>The gateway's instruments, on the meter "Cpns.Gateway". Tags carry reasons and statuses, never identities or keys.</summary>
internal static class GatewayMetrics
{
    public const string MeterName = "Cpns.Gateway";

    private static readonly Meter Meter = new(MeterName);

    public static Counter<long> PairingsCompleted { get; } = Meter.CreateCounter<long>("cpns.gateway.pairing.completed", description: "PNEs registered (EU-Key assigned).");

    public static Counter<long> PairingFailures { get; } = Meter.CreateCounter<long>("cpns.gateway.pairing.failures", description: "Pairing requests and confirmations refused, by reason.");

    public static Counter<long> GkdkAssignments { get; } = Meter.CreateCounter<long>("cpns.gateway.gkdk.assignments", description: "GKDK Assignment Requests answered, by status.");

    public static Counter<long> Notifications { get; } = Meter.CreateCounter<long>("cpns.gateway.gk.notifications", description: "Group Key Notifications handled, by status.");

    public static Histogram<int> BroadcastHeaderEntries { get; } = Meter.CreateHistogram<int>("cpns.gateway.gk.broadcast.header_entries", description: "Subsets in the cover of each broadcast.");

    public static Counter<long> PneResponses { get; } = Meter.CreateCounter<long>("cpns.gateway.gk.pne_responses", description: "PNE Group Key Responses, by outcome.");

    public static Counter<long> Deletes { get; } = Meter.CreateCounter<long>("cpns.gateway.gk.deletes", description: "Group Key Deletes handled, by status.");

    public static Counter<long> PneInputRefused { get; } = Meter.CreateCounter<long>("cpns.gateway.pne_input.refused", description: "Messages from PNEs and pairing clients refused, by reason (and the pairing or GKDK status).");

    public static Counter<long> ServerInputRefused { get; } = Meter.CreateCounter<long>("cpns.gateway.server_input.refused", description: "Messages on the server downlink refused before handling (malformed envelope), by reason.");

    public static Counter<long> PneRemovals { get; } = Meter.CreateCounter<long>("cpns.gateway.pne.removals", description: "PNEs removed from the PN.");
}
