using System.Collections.Concurrent;
using System.Diagnostics;
using Cpns.Load.Results;
using Cpns.Load.Server;

namespace Cpns.Load.Scenarios;

/// <summary>
/// Scenario (b): rotations at a fixed rate for a fixed time, round-robin over the groups. A group whose previous
/// rotation has not reached all its members yet is passed over (counted in <see cref="SustainedResult.SkippedBusy"/>):
/// a newer epoch would supersede the old one, and its deliveries would never be acknowledged. Afterwards the server's
/// delivery records give each rotation's commit time, its last member's acknowledgement and the per-PNE statuses.
/// </summary>
internal static class SustainedScenario
{
    // Rotate requests in flight at once; beyond it the schedule is late and the rotation is skipped.
    private const int MaxInFlight = 64;

    /// <summary>
    /// Runs <paramref name="warmupSeconds"/> and then <paramref name="durationSeconds"/> of rotations as one schedule, so
    /// that the measured window starts with the warm-up's rotations still in flight, as a server under steady load
    /// would: its throughput counts every acknowledgement that lands in it, whichever rotation it belongs to.
    /// </summary>
    public static async Task<(SustainedResult? Warmup, SustainedResult Sustained)> RunAsync(
        LoadRun run, IReadOnlyList<GroupPlan> groups, double perMinute, double warmupSeconds, double durationSeconds, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(perMinute, 0);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSeconds);
        var warmupCount = (int)Math.Floor(perMinute * warmupSeconds / 60.0);
        var total = warmupCount + (int)Math.Floor(perMinute * durationSeconds / 60.0);
        run.Progress.Stage(
            warmupCount > 0
                ? $"Sustained: {perMinute:F0} rotations/min, {warmupSeconds:F0} s warm-up then {durationSeconds:F0} s measured, over {groups.Count} groups"
                : $"Sustained: {perMinute:F0} rotations/min for {durationSeconds:F0} s over {groups.Count} groups",
            Math.Max(total, 1));
        var busy = new int[groups.Count];
        var records = new ConcurrentBag<(int Group, ulong Epoch, double Sent, double? ClientMs, int Phase)>();
        var tasks = new List<Task>();
        using var inFlight = new SemaphoreSlim(MaxInFlight);
        var skipped = new int[2];
        var failed = new int[2];
        var interval = 60.0 / perMinute;
        var startSeconds = run.Clock.Elapsed.TotalSeconds;
        var windowStart = startSeconds + (warmupCount * interval);
        var usageAtStart = await UsageAsync().ConfigureAwait(false);
        var usageAtWindow = usageAtStart;
        var next = 0;
        for (var i = 0; i < total; i++)
        {
            var due = startSeconds + (i * interval);
            var wait = due - run.Clock.Elapsed.TotalSeconds;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken).ConfigureAwait(false);
            }

            if (i == warmupCount && i > 0)
            {
                usageAtWindow = await UsageAsync().ConfigureAwait(false);
            }

            var phase = i < warmupCount ? 0 : 1;
            var chosen = -1;
            for (var k = 0; k < groups.Count; k++)
            {
                var candidate = (next + k) % groups.Count;
                if (Interlocked.CompareExchange(ref busy[candidate], 1, 0) == 0)
                {
                    chosen = candidate;
                    next = candidate + 1;
                    break;
                }
            }

            if (chosen < 0 || !inFlight.Wait(0, CancellationToken.None))
            {
                if (chosen >= 0)
                {
                    Volatile.Write(ref busy[chosen], 0);
                }

                skipped[phase]++;
                run.Progress.Advance();
                continue;
            }

            tasks.Add(RotateAsync(chosen, phase));
        }

        var issuedUntil = run.Clock.Elapsed.TotalSeconds;
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var drained = run.Clock.Elapsed.TotalSeconds;
        var usageAtDrain = await UsageAsync().ConfigureAwait(false);

        // The server's view: commit and acknowledgement of each rotation, every PNE's status. The gateway reports a
        // delivery once its last member answered, so the server's record may trail the device's store a little:
        // read again, for a bounded time, the groups with a rotation not yet fully acknowledged.
        run.Progress.Stage("Sustained: reading the server's delivery records", groups.Count);
        var rows = new ConcurrentDictionary<string, IReadOnlyList<ServerDelivery>>(StringComparer.Ordinal);
        var pending = records.Select(r => r.Group).Distinct().ToList();
        var settle = Stopwatch.StartNew();
        while (pending.Count > 0)
        {
            await Parallel.ForEachAsync(
                pending,
                new ParallelOptions { MaxDegreeOfParallelism = run.Settings.Parallelism, CancellationToken = cancellationToken },
                async (index, ct) => rows[groups[index].Id] = await run.Api.DeliveriesAsync(groups[index].Id, ct).ConfigureAwait(false)).ConfigureAwait(false);
            pending = [.. records.Where(r => Acknowledged(groups[r.Group], r.Epoch) < groups[r.Group].Members.Count).Select(r => r.Group).Distinct()];
            if (pending.Count == 0 || settle.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }

            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }

        run.Progress.Advance(groups.Count);

        var log = new List<(int Phase, RotationRecord Rotation)>();
        var acknowledgements = new List<double>();
        foreach (var (groupIndex, epoch, sent, clientMs, phase) in records.OrderBy(r => r.Sent))
        {
            var group = groups[groupIndex];
            var deliveries = rows.TryGetValue(group.Id, out var all) ? all.Where(d => d.Epoch == epoch && d.Kind == "KeyUpdate").ToList() : [];
            var reports = deliveries.SelectMany(d => d.Pnes).ToList();
            acknowledgements.AddRange(reports.Where(p => p.Status == "Ok").Select(p => run.Seconds(p.ReportedAt)));
            var acknowledged = Acknowledged(group, epoch);
            double? serverMs = null;
            double? lastAck = null;
            if (deliveries.Count > 0 && acknowledged == group.Members.Count)
            {
                var commit = deliveries.Min(d => d.CreatedAt);
                var last = reports.Max(p => p.ReportedAt);
                serverMs = (last - commit).TotalMilliseconds;
                lastAck = run.Seconds(last);
            }

            log.Add((phase, new RotationRecord(groupIndex, epoch, group.Members.Count, sent, clientMs, serverMs, acknowledged, lastAck)));
        }

        // The warm-up's figures end where the window starts; the window's CPU runs on to the drain, so that the
        // work its own rotations caused is all in it, set against every acknowledgement from its start to the drain.
        var warmup = warmupCount == 0
            ? null
            : Result(0, startSeconds, windowStart, windowStart, usageAtStart, usageAtWindow, 0);
        var sustained = Result(1, windowStart, issuedUntil, double.PositiveInfinity, usageAtWindow, usageAtDrain, drained - issuedUntil);
        return (warmup, sustained);

        SustainedResult Result(int phase, double from, double to, double cpuUntil, Usage begin, Usage end, double drain)
        {
            var (serverCpu, fleetCpu) = (end.Server - begin.Server, end.Fleet - begin.Fleet);
            var rotations = log.Where(r => r.Phase == phase).Select(r => r.Rotation).ToList();
            var window = Math.Max(to - from, 1e-3);
            var (inWindow, inCpuSpan, seconds) = Count(rotations.Select(r => r.SentSeconds), acknowledgements, from, to, cpuUntil);
            return new SustainedResult(
                perMinute,
                rotations.Count * 60.0 / window,
                window,
                rotations.Count,
                skipped[phase],
                failed[phase] + rotations.Count(r => r.ServerMs is null),
                rotations.Sum(r => (long)r.Members),
                rotations.Sum(r => (long)r.Acknowledged),
                inWindow / window,
                drain,
                inCpuSpan == 0 ? 0 : serverCpu * 1000 / inCpuSpan,
                inCpuSpan == 0 ? 0 : fleetCpu * 1000 / inCpuSpan,
                LatencySummary.Of(rotations.Where(r => r.ServerMs is not null).Select(r => r.ServerMs!.Value)),
                LatencySummary.Of(rotations.Where(r => r.ClientMs is not null).Select(r => r.ClientMs!.Value)),
                seconds,
                rotations,
                end.FleetGcPause - begin.FleetGcPause,
                end.FleetGen2 - begin.FleetGen2,
                inCpuSpan == 0 ? 0 : (end.FleetAllocated - begin.FleetAllocated) / 1024.0 / inCpuSpan);
        }

        async Task<Usage> UsageAsync()
        {
            var fleet = await run.TakeSnapshotAsync(cancellationToken).ConfigureAwait(false);
            return new Usage(run.ServerSampler.SampleNow()?.CpuSeconds ?? 0, fleet.CpuSeconds, fleet.GcPauseSeconds, fleet.Gen2Collections, fleet.AllocatedBytes);
        }

        int Acknowledged(GroupPlan group, ulong epoch)
        {
            if (!rows.TryGetValue(group.Id, out var all))
            {
                return 0;
            }

            // A PNE delivery is acknowledged when the server recorded the gateway's report of it as Ok. The row itself
            // may read Superseded when the server took the gateway's Group Key Response only after the next epoch.
            var deliveries = all.Where(d => d.Epoch == epoch && d.Kind == "KeyUpdate").ToList();
            return deliveries.Where(d => d.Status != "Pending").SelectMany(d => d.Pnes).Count(p => p.Status == "Ok");
        }

        async Task RotateAsync(int index, int phase)
        {
            var group = groups[index];
            var sentAt = run.Clock.Elapsed.TotalSeconds;
            var sent = Stopwatch.GetTimestamp();
            ulong epoch;
            try
            {
                try
                {
                    epoch = await run.Api.RotateAsync(group.Id, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    inFlight.Release();
                }

                var progress = run.Fleet.Tracker.Get(group.Id, epoch);
                progress.Expect(group.Members.Count, sent);
                double? clientMs = null;
                try
                {
                    await progress.Done.WaitAsync(TimeSpan.FromSeconds(run.Settings.RotationTimeoutSeconds), cancellationToken).ConfigureAwait(false);
                    clientMs = progress.Seconds * 1000;
                    group.Epoch = epoch;
                }
                catch (TimeoutException)
                {
                    // Left for the server's records to tell: an unacknowledged delivery fails the run.
                }

                records.Add((index, epoch, sentAt, clientMs, phase));
                run.Fleet.Tracker.Forget(group.Id, epoch);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failed[phase]);
                run.CountFailure();
            }
            finally
            {
                Volatile.Write(ref busy[index], 0);
                run.Progress.Advance();
            }
        }
    }

    /// <summary>
    /// Counts the acknowledgements (times on the run's clock) that land in [<paramref name="from"/>, <paramref name="to"/>]
    /// and in [<paramref name="from"/>, <paramref name="cpuUntil"/>], whichever rotation they belong to, and buckets the
    /// rotations sent and the acknowledgements landed by second from <paramref name="from"/>.
    /// </summary>
    internal static (long InWindow, long InCpuSpan, IReadOnlyList<SecondBucket> Seconds) Count(
        IEnumerable<double> rotationsSent, IEnumerable<double> acknowledgedAt, double from, double to, double cpuUntil)
    {
        var buckets = new SortedDictionary<int, (int Rotations, int Acked)>();
        foreach (var sent in rotationsSent)
        {
            var second = (int)Math.Floor(sent - from);
            buckets[second] = (buckets.GetValueOrDefault(second).Rotations + 1, buckets.GetValueOrDefault(second).Acked);
        }

        long inWindow = 0;
        long inCpuSpan = 0;
        foreach (var at in acknowledgedAt)
        {
            if (at < from || at > cpuUntil)
            {
                continue;
            }

            inCpuSpan++;
            inWindow += at <= to ? 1 : 0;
            var second = (int)Math.Floor(at - from);
            buckets[second] = (buckets.GetValueOrDefault(second).Rotations, buckets.GetValueOrDefault(second).Acked + 1);
        }

        return (inWindow, inCpuSpan, [.. buckets.Select(b => new SecondBucket(b.Key, b.Value.Rotations, b.Value.Acked))]);
    }

    // The server's and the fleet's CPU seconds, and the fleet's GC pause seconds and gen2 collections, at one moment.
    private readonly record struct Usage(double Server, double Fleet, double FleetGcPause, int FleetGen2, long FleetAllocated);
}
