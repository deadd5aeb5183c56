using Cpns.Load.Server;

namespace Cpns.Load.Fleet.Workers;

/// <summary>
/// The fleet spread over <c>cpns bench fleet-worker</c> child processes, each hosting a disjoint slice of the gateways
/// (gateway i in worker i mod N, so that every growth step adds to each worker alike) with their PNEs. The bench
/// process keeps the scenarios; the workers report each PNE's store of an epoch, which lands in <see cref="Tracker"/>
/// as if the device were in this process (Stopwatch timestamps are CLOCK_MONOTONIC, one clock for the machine).
/// </summary>
internal sealed class ProcessFleet : IFleet
{
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(120);
    private readonly List<FleetWorkerProcess> _workers = [];
    private readonly CancellationTokenSource _faulted = new();
    private readonly int[] _gateways;
    private readonly int[] _pnes;
    private string? _failure;

    private ProcessFleet(int processes)
    {
        _gateways = new int[processes];
        _pnes = new int[processes];
    }

    public EpochTracker Tracker { get; } = new();

    public int Processes => _gateways.Length;

    public int PneCount => _pnes.Sum();

    public CancellationToken Faulted => _faulted.Token;

    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Starts <paramref name="processes"/> workers (in parallel) and tells each the server and where to keep data.</summary>
    public static async Task<ProcessFleet> StartAsync(int processes, ServerLauncher launcher, string directory, Uri server, string apiKey, int treeHeight, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(processes, 1);
        var fleet = new ProcessFleet(processes);
        var init = new InitCommand(server, apiKey, directory, treeHeight);
        var starting = Enumerable.Range(1, processes)
            .Select(n => FleetWorkerProcess.StartAsync(n, launcher, init, s => fleet.Tracker.OnStored(s.GroupId, s.Epoch, s.Timestamp), fleet.OnFault, HelloTimeout, cancellationToken))
            .ToList();
        try
        {
            await Task.WhenAll(starting).ConfigureAwait(false);
        }
        catch
        {
            foreach (var task in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await task.Result.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        fleet._workers.AddRange(starting.Select(t => t.Result));
        return fleet;
    }

    public async Task GrowAsync(int gateways, int pnesPerGateway, int parallelism, ILoadProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var first = _gateways.Sum();
        if (gateways <= first)
        {
            return;
        }

        progress.Stage($"Gateways {first + 1}-{gateways} in {Processes} fleet processes: enroll, start, pair {pnesPerGateway} PNEs each, until the server lists them", 2 * (gateways - first));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _faulted.Token);

        // The setup parallelism is the run's, shared: N workers at the full figure each would only queue at the server.
        var share = Math.Max(1, (parallelism + Processes - 1) / Processes);
        await Task.WhenAll(_workers.Select(async worker =>
        {
            var slot = worker.Number - 1;
            var slice = Enumerable.Range(first, gateways - first).Where(i => i % Processes == slot).ToList();
            if (slice.Count == 0)
            {
                return;
            }

            worker.Progress = progress;
            var grown = await worker.GrowAsync(slice, pnesPerGateway, share, linked.Token).ConfigureAwait(false);
            _gateways[slot] = grown.Gateways;
            _pnes[slot] = grown.Pnes;
        })).ConfigureAwait(false);
    }

    public async Task<FleetSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        var usages = await Task.WhenAll(_workers.Select(async worker =>
        {
            try
            {
                return await worker.UsageAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // A worker gone (the run already says why): its last reading is the best there is.
                return worker.LastUsage ?? new UsageEvent(0, new FleetProcessUsage("worker", worker.ProcessId, 0, 0, 0, 0, 0), FleetHealth.None);
            }
        })).ConfigureAwait(false);
        List<FleetProcessUsage> processes = [FleetProcessUsage.OfThisProcess("bench", 0, 0)];
        processes.AddRange(usages.Select((u, i) => u.Usage with { Role = $"worker {_workers[i].Number}" }));
        return new FleetSnapshot(processes, FleetHealth.Sum(usages.Select(u => u.Health)));
    }

    public async ValueTask DisposeAsync()
    {
        // In parallel: each worker stops its own gateways and devices.
        await Task.WhenAll(_workers.Select(w => w.DisposeAsync().AsTask())).ConfigureAwait(false);
        _workers.Clear();
        _faulted.Dispose();
    }

    private void OnFault(string message)
    {
        if (Interlocked.CompareExchange(ref _failure, message, null) is null)
        {
            _faulted.Cancel();
        }
    }
}
