namespace Cpns.Load.Fleet;

/// <summary>What went wrong in the fleet's gateways and devices: logged errors and warnings, refused inputs, anomalous Group Key outcomes.</summary>
internal sealed record FleetHealth(
    long Errors,
    long Warnings,
    IReadOnlyList<string> ErrorMessages,
    IReadOnlyList<string> WarningMessages,
    IReadOnlyDictionary<string, long> Refused,
    long Anomalies)
{
    private const int KeptMessages = 20;

    public static FleetHealth None { get; } = new(0, 0, [], [], new Dictionary<string, long>(), 0);

    /// <summary>The health of several processes as one: counts added, the first messages kept.</summary>
    public static FleetHealth Sum(IEnumerable<FleetHealth> parts)
    {
        var list = parts.ToList();
        var refused = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (reason, n) in list.SelectMany(h => h.Refused))
        {
            refused[reason] = refused.GetValueOrDefault(reason) + n;
        }

        return new FleetHealth(
            list.Sum(h => h.Errors),
            list.Sum(h => h.Warnings),
            [.. list.SelectMany(h => h.ErrorMessages).Take(KeptMessages)],
            [.. list.SelectMany(h => h.WarningMessages).Take(KeptMessages)],
            refused,
            list.Sum(h => h.Anomalies));
    }
}
