using System.Diagnostics.Metrics;
using Cpns.Device.Client;

namespace Cpns.Device.Diagnostics;

/// <summary>The PNE's instruments, on the meter "Cpns.Device". Tags carry reasons and statuses, never identities or keys.</summary>
internal static class DeviceMetrics
{
    public const string MeterName = "Cpns.Device";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> InputRefusedCounter = Meter.CreateCounter<long>(
        "cpns.device.input.refused", "{message}", "Messages the PNE refused (rollback, not a recipient, tampered, replayed, ...), by reason and status.");

    /// <summary>Counts one refusal; <paramref name="status"/> is the receiver's outcome where there is one (Rollback, AuthenticationFailed, Replayed).</summary>
    public static void InputRefused(DeviceInputRefusal reason, string? status) =>
        InputRefusedCounter.Add(
            1,
            new KeyValuePair<string, object?>("reason", reason.ToString()),
            new KeyValuePair<string, object?>("status", status ?? string.Empty));
}
