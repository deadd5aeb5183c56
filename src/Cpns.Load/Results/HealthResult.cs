namespace Cpns.Load.Results;

/// <summary>Everything that went wrong in a run; a healthy run has zeros here.</summary>
internal sealed record HealthResult(
    long ServerErrorLines,
    long ServerWarningLines,
    long FleetErrors,
    long FleetWarnings,
    long RefusedInputs,
    IReadOnlyDictionary<string, long> RefusedByReason,
    long DeviceAnomalies,
    long RequestFailures,
    IReadOnlyList<string> FirstErrors,
    IReadOnlyList<string> FirstWarnings)
{
    public bool Clean => ServerErrorLines == 0 && FleetErrors == 0 && RefusedInputs == 0 && DeviceAnomalies == 0 && RequestFailures == 0;
}
