namespace Cpns.Load.Results;

/// <summary>One step of the growth scenario: the fleet at <see cref="Gateways"/> gateways, and what it cost the server.</summary>
internal sealed record GrowthStep(
    int Gateways,
    int Pnes,
    int Groups,
    double SetupSeconds,
    double FanOutSeconds,
    int FanOutDeliveries,
    double P50Ms,
    double P99Ms,
    double AcknowledgedPerSecond,
    int FanOutIncomplete,
    long AcknowledgedDeliveries,
    long ExpectedDeliveries,
    double ServerMiB,
    int ServerHandles,
    double LoadProcessMiB);
