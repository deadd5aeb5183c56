namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// The fault tests kill, stop and starve real processes and fill a file system: they run one at a time and after
/// every parallel collection, so that no other test shares the machine's two cores (or a database cluster) with a fault.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultsCollection
{
    public const string Name = "Faults";
}
