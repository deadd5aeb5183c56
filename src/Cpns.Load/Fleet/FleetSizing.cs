namespace Cpns.Load.Fleet;

/// <summary>
/// How many processes the fleet needs. Every loopback MQTT connection the fleet hosts has both ends in the process
/// hosting it, and the sandbox's RLIMIT_NOFILE (20,000, hard) is per process: so the fleet is split until each process's
/// share of descriptors stays under <see cref="DescriptorsPerProcess"/>, leaving room for the runtime's own.
/// </summary>
internal static class FleetSizing
{
    /// <summary>Descriptors one process may spend on the fleet.</summary>
    public const int DescriptorsPerProcess = 15_000;

    // Measured (load-notes.md): 2 listeners, the server link, SQLite's files; each PNE's connection
    // to its gateway's broker, both ends. (The gateway takes its PNEs' messages inside its broker: no client of its own.)
    private const int PerGateway = 6;
    private const int PerPne = 2;

    /// <summary>Descriptors a process hosting this many gateways and PNEs holds for them (estimate).</summary>
    public static long Descriptors(int gateways, int pnesPerGateway) => (long)gateways * (PerGateway + (PerPne * pnesPerGateway));

    /// <summary>The processes the run's largest fleet needs (1: the fleet stays in the bench process).</summary>
    public static int Processes(LoadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        long largest = 0;
        if (settings.Scenarios.Contains(LoadScenario.FanOut) || settings.Scenarios.Contains(LoadScenario.Sustained))
        {
            largest = Descriptors(settings.Gateways, settings.PnesPerGateway);
        }

        if (settings.Scenarios.Contains(LoadScenario.Growth))
        {
            // The last step doubles up to GrowthMax at most.
            var last = settings.GrowthStart;
            while (last * 2L <= settings.GrowthMax)
            {
                last *= 2;
            }

            largest = Math.Max(largest, Descriptors(last, settings.GrowthPnesPerGateway));
        }

        return (int)Math.Max(1, (largest + DescriptorsPerProcess - 1) / DescriptorsPerProcess);
    }
}
