using System.Collections.Concurrent;
using System.Diagnostics;
using Cpns.Cli.Demo;
using Cpns.Device.Storage;
using Microsoft.Extensions.Logging;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// A <see cref="DemoSystem"/> for one fault test: <c>cpns server</c> and <c>cpns gateway run</c> processes on loopback,
/// PNEs as real DeviceClients in the test process (or as processes), groups created through the REST API, and the
/// checks every fault test ends with: every member PNE holds its group's current epoch (read from the device's own
/// store) and every group's epochs, as the audit log records them, are 1..N with none skipped or issued twice.
/// Set <c>CPNS_FAULTS_KEEP=1</c> to keep the data directory and the processes' logs after the test.
/// </summary>
internal sealed class FaultBed : IAsyncDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ILoggerFactory _deviceLogs;
    private readonly Cli.Demo.FileLoggerProvider _deviceLogFile;
    private readonly List<FaultGroup> _groups = [];
    private readonly bool _keep = Environment.GetEnvironmentVariable("CPNS_FAULTS_KEEP") == "1";

    private FaultBed(DemoSystemOptions options)
    {
        _deviceLogFile = new Cli.Demo.FileLoggerProvider(Path.Combine(options.DataDirectory, "logs", "devices.log"));
        _deviceLogs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(_deviceLogFile));
        System = new DemoSystem(options, _deviceLogs);
    }

    /// <summary>The actions whose audit entry records a newly issued epoch (member.added does only under rotateOnJoin, which these tests leave off).</summary>
    public static IReadOnlySet<string> IssuingActions { get; } = new HashSet<string>(StringComparer.Ordinal) { "group.created", "gk.rotated", "member.left", "member.compromised", "group.deleted" };

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public DemoSystem System { get; }

    public string DataDirectory => System.Options.DataDirectory;

    public CpnsApi Api => System.Api;

    public FaultApi Rest { get; private set; } = null!;

    public IReadOnlyList<FaultGroup> Groups => _groups;

    /// <summary>A fresh data directory under the temp folder, named for the test.</summary>
    public static string NewDataDirectory(string name) =>
        Path.Combine(Path.GetTempPath(), "cpns-faults", $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 13, 60)]);

    /// <summary>Starts the server(s) and gateways and pairs the PNEs; <paramref name="beforePairing"/> runs between gateways and pairing.</summary>
    public static async Task<FaultBed> StartAsync(DemoSystemOptions options, Func<FaultBed, Task>? beforePairing = null)
    {
        var bed = new FaultBed(options);
        try
        {
            await bed.System.StartServersAsync(Ct);
            bed.Rest = new FaultApi(bed.System.Servers[0].Api, bed.System.ApiKey);
            await bed.System.StartGatewaysAsync(Ct);
            if (beforePairing is not null)
            {
                await beforePairing(bed);
            }

            await bed.System.PairAsync(null, Ct);
            bed.Log($"{options.Pns} gateways, {bed.System.Pnes.Count} PNEs paired");
            return bed;
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes a line to the test output with the time since the bed was made.</summary>
    public void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1} s] {line}");

    /// <summary>Creates <paramref name="count"/> groups; group i gets <paramref name="membersOf"/>(i) as members (epoch 1, no rotation on join).</summary>
    public async Task CreateGroupsAsync(int count, Func<int, IEnumerable<StoryPne>> membersOf, int parallelism = 8)
    {
        var created = new FaultGroup[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = Ct }, async (i, ct) =>
        {
            var id = await Api.CreateGroupAsync($"fault-group-{i}", null, ct);
            var members = membersOf(i).ToList();
            foreach (var member in members)
            {
                await Api.AddMemberAsync(id, member.Gateway.GatewayId, member.PneId, ct);
            }

            created[i] = new FaultGroup(id, members);
        });
        _groups.AddRange(created);
        Log($"{count} groups created with {created.Sum(g => g.Members.Count)} memberships");
    }

    /// <summary>
    /// Rotates every group once (<c>POST /groups/{id}/rotate</c>, <paramref name="parallelism"/> at a time) and returns
    /// the epoch of each rotation the server acknowledged (200). After <paramref name="faultAfter"/> acknowledgements
    /// <paramref name="fault"/> runs while the others are in flight; with <paramref name="stopAtFault"/> no new
    /// rotation is started after it (requests the fault broke are simply not acknowledged).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> RotateAllAsync(int parallelism, int faultAfter, Func<Task> fault, bool stopAtFault)
    {
        var acknowledged = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var faulted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = false;
        var rotations = Task.Run(() => Parallel.ForEachAsync(_groups, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = Ct }, async (group, ct) =>
        {
            if (Volatile.Read(ref stop))
            {
                return;
            }

            try
            {
                acknowledged[group.Id] = await Api.RotateAsync(group.Id, ct);
            }
            catch (HttpRequestException)
            {
                // The connection broke under the fault: not acknowledged, so the test promises nothing about it.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // HttpClient's own timeout: not acknowledged either.
            }

            if (acknowledged.Count >= faultAfter)
            {
                faulted.TrySetResult();
            }
        }));

        await Task.WhenAny(faulted.Task, rotations);
        if (!faulted.Task.IsCompleted)
        {
            await rotations;
            throw new InvalidOperationException($"Only {acknowledged.Count} rotations were acknowledged; the fault was to come after {faultAfter}.");
        }

        Log($"{acknowledged.Count} rotations acknowledged: fault");
        await fault();
        if (stopAtFault)
        {
            Volatile.Write(ref stop, true);
        }

        await rotations;
        Log($"{acknowledged.Count} of {_groups.Count} rotations acknowledged in all");
        return acknowledged;
    }

    /// <summary>
    /// Waits until every member PNE of every group holds, active in its own store, the epoch the server reports as the
    /// group's current one (and that epoch is at least the acknowledged one); fails naming the first laggards.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> WaitForConvergenceAsync(TimeSpan timeout, IReadOnlyDictionary<string, long>? acknowledged = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            IReadOnlyDictionary<string, long>? epochs = null;
            try
            {
                epochs = await Rest.CurrentEpochsAsync(Ct);
            }
            catch (HttpRequestException)
            {
                // The server is coming back.
            }

            var lagging = new List<string>();
            if (epochs is not null)
            {
                foreach (var group in _groups)
                {
                    if (!epochs.TryGetValue(group.Id, out var epoch))
                    {
                        lagging.Add($"{group.Id} missing on the server");
                        continue;
                    }

                    if (acknowledged?.TryGetValue(group.Id, out var acked) == true)
                    {
                        Assert.True(epoch >= acked, $"Group {group.Id} is at epoch {epoch} on the server, but epoch {acked} had been acknowledged: acknowledged work was lost.");
                    }

                    foreach (var pne in group.Members)
                    {
                        var held = await pne.GetGroupAsync(group.Id, Ct);
                        if (held is not { Status: GroupKeyStatus.Active } || held.Epoch != (ulong)epoch)
                        {
                            lagging.Add($"{pne.PneId} holds {held?.Status.ToString() ?? "nothing"} {held?.Epoch} of {group.Id}, the server is at {epoch}");
                        }
                    }
                }

                if (lagging.Count == 0)
                {
                    Log($"every member of {_groups.Count} groups holds the group's current epoch");
                    return epochs;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"After {timeout.TotalSeconds:F0} s, {lagging.Count} memberships have not converged, e.g.:\n{string.Join('\n', lagging.Take(10))}");
            }

            await Task.Delay(500, Ct);
        }
    }

    /// <summary>
    /// Every group's issued epochs, from the audit log, are exactly 1..current: no epoch skipped, none issued twice; and
    /// every acknowledged rotation's epoch is among them.
    /// </summary>
    public async Task AssertEpochHistoryAsync(IReadOnlyDictionary<string, long> current, IReadOnlyDictionary<string, long>? acknowledged = null)
    {
        var issued = (await Rest.AuditAsync(Ct)).Where(a => IssuingActions.Contains(a.Action)).ToLookup(a => a.GroupId, a => a.Epoch, StringComparer.Ordinal);
        foreach (var group in _groups)
        {
            var epochs = issued[group.Id].Order().ToList();
            var expected = Enumerable.Range(1, (int)current[group.Id]).Select(e => (long)e).ToList();
            Assert.True(expected.SequenceEqual(epochs), $"Group {group.Id} (current epoch {current[group.Id]}) has issued epochs [{string.Join(", ", epochs)}]: not 1..{current[group.Id]} each once.");
            if (acknowledged?.TryGetValue(group.Id, out var acked) == true)
            {
                Assert.Contains(acked, epochs);
            }
        }

        Log($"audit: the epochs of {_groups.Count} groups are 1..N with none skipped or issued twice");
    }

    /// <summary>Waits until the server records every gateway's answer to each group's current epoch: no delivery is left pending.</summary>
    public async Task WaitForDeliveriesAcknowledgedAsync(IReadOnlyDictionary<string, long> current, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var group in _groups)
        {
            var gateways = group.Members.Select(m => m.Gateway.GatewayId).Distinct(StringComparer.Ordinal).Count();
            while (true)
            {
                var rows = (await Api.DeliveriesAsync(group.Id, Ct)).Where(d => d.Epoch == current[group.Id]).ToList();
                if (rows.Count == gateways && rows.All(d => d.Status == "Acknowledged"))
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"Deliveries of group {group.Id} epoch {current[group.Id]} not all acknowledged: {string.Join(", ", rows.Select(r => $"{r.GatewayId} {r.Status}"))}");
                await Task.Delay(500, Ct);
            }
        }

        Log($"every delivery of the current epochs is acknowledged");
    }

    public async ValueTask DisposeAsync()
    {
        Rest?.Dispose();
        await System.DisposeAsync();
        _deviceLogs.Dispose();
        _deviceLogFile.Dispose();
        if (_keep)
        {
            Log($"kept {DataDirectory}");
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
