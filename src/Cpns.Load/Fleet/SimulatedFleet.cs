using Cpns.Device.Client;
using Cpns.Gateway.Hosting;
using Cpns.Load.Server;

namespace Cpns.Load.Fleet;

/// <summary>
/// Every simulated PN of a run hosted in this process (all of them, or a fleet worker's slice). Grows in steps (the
/// growth scenario adds gateways to the ones already running); each gateway is enrolled with its own token and each
/// PNE paired with its own code.
/// </summary>
internal sealed class SimulatedFleet : IFleet
{
    private readonly List<SimulatedPn> _pns = [];
    private readonly string _directory;
    private readonly ServerApi _api;
    private readonly int _treeHeight;

    public SimulatedFleet(string directory, ServerApi api, int treeHeight, EpochTracker? tracker = null)
    {
        _directory = directory;
        _api = api;
        _treeHeight = treeHeight;
        Tracker = tracker ?? new EpochTracker();
    }

    public EpochTracker Tracker { get; }

    public CountingLoggerProvider Logs { get; } = new();

    public int Processes => 1;

    public int GatewayCount
    {
        get
        {
            lock (_pns)
            {
                return _pns.Count;
            }
        }
    }

    public int PneCount
    {
        get
        {
            lock (_pns)
            {
                return _pns.Sum(p => p.Devices.Count);
            }
        }
    }

    public CancellationToken Faulted => CancellationToken.None;

    public string? Failure => null;

    public static string GatewayId(int index) => $"gw{index:D5}";

    /// <summary>
    /// Starts gateways up to <paramref name="gateways"/> in all, each with <paramref name="pnesPerGateway"/> paired PNEs,
    /// <paramref name="parallelism"/> at a time, then waits until the server's inventory lists every new PNE
    /// (members can be added only then).
    /// </summary>
    public Task GrowAsync(int gateways, int pnesPerGateway, int parallelism, ILoadProgress progress, CancellationToken cancellationToken)
    {
        var first = GatewayCount;
        return gateways <= first ? Task.CompletedTask : GrowAsync([.. Enumerable.Range(first, gateways - first)], pnesPerGateway, parallelism, progress, cancellationToken);
    }

    /// <summary>Starts the gateways of the given indexes (a fleet worker's slice of a step), as <see cref="GrowAsync(int, int, int, ILoadProgress, CancellationToken)"/> does.</summary>
    public async Task GrowAsync(IReadOnlyList<int> indexes, int pnesPerGateway, int parallelism, ILoadProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        progress.Stage($"Gateways {indexes[0] + 1}-{indexes[^1] + 1}: enroll, start, pair {pnesPerGateway} PNEs each", indexes.Count);
        var started = new SimulatedPn?[indexes.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, indexes.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (slot, ct) =>
            {
                var gatewayId = GatewayId(indexes[slot]);
                var directory = Path.Combine(_directory, gatewayId);
                var token = await _api.EnrollmentTokenAsync(gatewayId, ct).ConfigureAwait(false);
                var pn = await SimulatedPn.StartAsync(gatewayId, directory, _api.BaseAddress, token, _treeHeight, Logs, ct).ConfigureAwait(false);
                started[slot] = pn;
                for (var i = 0; i < pnesPerGateway; i++)
                {
                    await pn.PairAsync(SimulatedPn.PneId(gatewayId, i), directory, Tracker, Logs, ct).ConfigureAwait(false);
                }

                progress.Advance();
            }).ConfigureAwait(false);
        var added = started.Select(p => p!).ToList();
        lock (_pns)
        {
            _pns.AddRange(added);
        }

        progress.Stage("Server inventory lists every PNE", indexes.Count);
        await Parallel.ForEachAsync(
            added,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (pn, ct) =>
            {
                var expected = pn.Devices.Select(d => d.PneId).ToList();
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                deadline.CancelAfter(TimeSpan.FromSeconds(120));
                while (true)
                {
                    var known = await _api.InventoryAsync(pn.GatewayId, deadline.Token).ConfigureAwait(false);
                    if (expected.All(known.Contains))
                    {
                        break;
                    }

                    await Task.Delay(250, deadline.Token).ConfigureAwait(false);
                }

                progress.Advance();
            }).ConfigureAwait(false);
    }

    /// <summary>Inputs refused by any gateway or device since start, by reason (each is a bug or an attack; a load run has none).</summary>
    public Dictionary<string, long> RefusedInputs()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        List<SimulatedPn> pns;
        lock (_pns)
        {
            pns = [.. _pns];
        }

        foreach (var pn in pns)
        {
            foreach (var reason in Enum.GetValues<PneInputRefusal>())
            {
                Add("gateway " + reason, pn.Host.GetRefusedCount(reason));
            }

            foreach (var device in pn.Devices)
            {
                // GroupKeyNotStored also counts every broadcast a non-member PNE of the PN cannot open (NotARecipient,
                // by design); the tracker counts the outcomes that are real anomalies.
                foreach (var reason in Enum.GetValues<DeviceInputRefusal>().Where(r => r != DeviceInputRefusal.GroupKeyNotStored))
                {
                    Add("device " + reason, device.GetRefusedCount(reason));
                }
            }
        }

        return counts;

        void Add(string key, long n)
        {
            if (n > 0)
            {
                counts[key] = counts.GetValueOrDefault(key) + n;
            }
        }
    }

    /// <summary>What went wrong in this process's gateways and devices so far.</summary>
    public FleetHealth Health() => new(Logs.ErrorCount, Logs.WarningCount, Logs.ErrorMessages, Logs.WarningMessages, RefusedInputs(), Tracker.Anomalies);

    public Task<FleetSnapshot> SnapshotAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new FleetSnapshot([FleetProcessUsage.OfThisProcess("bench", GatewayCount, PneCount)], Health()));

    public async ValueTask DisposeAsync()
    {
        await Parallel.ForEachAsync(_pns, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (pn, _) => await pn.DisposeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        _pns.Clear();
        Logs.Dispose();
    }
}
