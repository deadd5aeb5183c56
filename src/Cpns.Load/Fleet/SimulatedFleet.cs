using Cpns.Device.Client;
using Cpns.Gateway.Hosting;
using Cpns.Load.Server;

namespace Cpns.Load.Fleet;

/// <summary>
/// Every simulated PN of a run, hosted in this process. Grows in steps (the growth scenario adds gateways to the
/// ones already running); each gateway is enrolled with its own token and each PNE paired with its own code.
/// </summary>
internal sealed class SimulatedFleet : IAsyncDisposable
{
    private readonly List<SimulatedPn> _pns = [];
    private readonly string _directory;
    private readonly ServerApi _api;
    private readonly int _treeHeight;

    public SimulatedFleet(string directory, ServerApi api, int treeHeight)
    {
        _directory = directory;
        _api = api;
        _treeHeight = treeHeight;
    }

    public EpochTracker Tracker { get; } = new();

    public CountingLoggerProvider Logs { get; } = new();

    public IReadOnlyList<SimulatedPn> Pns => _pns;

    public int PneCount => _pns.Sum(p => p.Devices.Count);

    public static string GatewayId(int index) => $"gw{index:D5}";

    /// <summary>
    /// Starts gateways up to <paramref name="gateways"/> in all, each with <paramref name="pnesPerGateway"/> paired PNEs,
    /// <paramref name="parallelism"/> at a time, then waits until the server's inventory lists every new PNE
    /// (members can be added only then).
    /// </summary>
    public async Task GrowAsync(int gateways, int pnesPerGateway, int parallelism, ILoadProgress progress, CancellationToken cancellationToken)
    {
        var first = _pns.Count;
        if (gateways <= first)
        {
            return;
        }

        progress.Stage($"Gateways {first + 1}-{gateways}: enroll, start, pair {pnesPerGateway} PNEs each", gateways - first);
        var started = new SimulatedPn?[gateways - first];
        await Parallel.ForEachAsync(
            Enumerable.Range(first, gateways - first),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                var gatewayId = GatewayId(index);
                var directory = Path.Combine(_directory, gatewayId);
                var token = await _api.EnrollmentTokenAsync(gatewayId, ct).ConfigureAwait(false);
                var pn = await SimulatedPn.StartAsync(gatewayId, directory, _api.BaseAddress, token, _treeHeight, Logs, ct).ConfigureAwait(false);
                started[index - first] = pn;
                for (var i = 0; i < pnesPerGateway; i++)
                {
                    await pn.PairAsync(SimulatedPn.PneId(gatewayId, i), directory, Tracker, Logs, ct).ConfigureAwait(false);
                }

                progress.Advance();
            }).ConfigureAwait(false);
        _pns.AddRange(started.Select(p => p!));

        progress.Stage("Server inventory lists every PNE", gateways - first);
        await Parallel.ForEachAsync(
            _pns.Skip(first),
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
        foreach (var pn in _pns)
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

    public async ValueTask DisposeAsync()
    {
        await Parallel.ForEachAsync(_pns, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (pn, _) => await pn.DisposeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        _pns.Clear();
        Logs.Dispose();
    }
}
