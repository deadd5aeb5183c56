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

    public static async Task<SustainedResult> RunAsync(
        LoadRun run, IReadOnlyList<GroupPlan> groups, double perMinute, double durationSeconds, CancellationToken cancellationToken, string stage = "Sustained")
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(perMinute, 0);
        var total = (int)Math.Floor(perMinute * durationSeconds / 60.0);
        run.Progress.Stage($"{stage}: {perMinute:F0} rotations/min for {durationSeconds:F0} s over {groups.Count} groups", Math.Max(total, 1));
        var busy = new int[groups.Count];
        var records = new ConcurrentBag<(int Group, ulong Epoch, double Sent, double? ClientMs)>();
        var tasks = new List<Task>();
        using var inFlight = new SemaphoreSlim(MaxInFlight);
        var skipped = 0;
        var failed = 0;
        var interval = 60.0 / perMinute;
        var startSeconds = run.Clock.Elapsed.TotalSeconds;
        var serverCpu0 = run.ServerSampler.SampleNow()?.CpuSeconds ?? 0;
        var fleetCpu0 = (await run.TakeSnapshotAsync(cancellationToken).ConfigureAwait(false)).CpuSeconds;
        var next = 0;
        for (var i = 0; i < total; i++)
        {
            var due = startSeconds + (i * interval);
            var wait = due - run.Clock.Elapsed.TotalSeconds;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken).ConfigureAwait(false);
            }

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

                skipped++;
                run.Progress.Advance();
                continue;
            }

            tasks.Add(RotateAsync(chosen));
        }

        var issuedUntil = run.Clock.Elapsed.TotalSeconds;
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var drained = run.Clock.Elapsed.TotalSeconds;
        var serverCpu = (run.ServerSampler.SampleNow()?.CpuSeconds ?? 0) - serverCpu0;
        var fleetCpu = (await run.TakeSnapshotAsync(cancellationToken).ConfigureAwait(false)).CpuSeconds - fleetCpu0;

        // The server's view: commit and acknowledgement of each rotation, every PNE's status. The gateway reports a
        // delivery once its last member answered, so the server's record may trail the device's store a little:
        // read again, for a bounded time, the groups with a rotation not yet fully acknowledged.
        run.Progress.Stage($"{stage}: reading the server's delivery records", groups.Count);
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

        var log = new List<RotationRecord>();
        foreach (var (groupIndex, epoch, sent, clientMs) in records.OrderBy(r => r.Sent))
        {
            var group = groups[groupIndex];
            var deliveries = rows.TryGetValue(group.Id, out var all) ? all.Where(d => d.Epoch == epoch && d.Kind == "KeyUpdate").ToList() : [];
            var reports = deliveries.SelectMany(d => d.Pnes).ToList();
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

            log.Add(new RotationRecord(groupIndex, epoch, group.Members.Count, sent, clientMs, serverMs, acknowledged, lastAck));
        }

        // Acknowledged deliveries per second of the run, placed by the server's time of each report.
        var buckets = new Dictionary<int, (int Rotations, int Acked)>();
        foreach (var record in log)
        {
            var second = (int)Math.Floor(record.SentSeconds - startSeconds);
            buckets[second] = (buckets.GetValueOrDefault(second).Rotations + 1, buckets.GetValueOrDefault(second).Acked);
        }

        long ackedInWindow = 0;
        foreach (var (group, epoch) in log.Select(r => (groups[r.Group], r.Epoch)))
        {
            if (!rows.TryGetValue(group.Id, out var all))
            {
                continue;
            }

            foreach (var report in all.Where(d => d.Epoch == epoch && d.Kind == "KeyUpdate").SelectMany(d => d.Pnes).Where(p => p.Status == "Ok"))
            {
                var at = run.Seconds(report.ReportedAt) - startSeconds;
                var second = (int)Math.Floor(at);
                buckets[second] = (buckets.GetValueOrDefault(second).Rotations, buckets.GetValueOrDefault(second).Acked + 1);
                if (at >= 0 && at <= durationSeconds)
                {
                    ackedInWindow++;
                }
            }
        }

        var window = Math.Max(issuedUntil - startSeconds, 1e-3);
        var acknowledgedTotal = log.Sum(r => (long)r.Acknowledged);
        return new SustainedResult(
            perMinute,
            log.Count * 60.0 / window,
            window,
            log.Count,
            skipped,
            failed + log.Count(r => r.ServerMs is null),
            log.Sum(r => (long)r.Members),
            log.Sum(r => (long)r.Acknowledged),
            ackedInWindow / window,
            drained - issuedUntil,
            acknowledgedTotal == 0 ? 0 : serverCpu * 1000 / acknowledgedTotal,
            acknowledgedTotal == 0 ? 0 : fleetCpu * 1000 / acknowledgedTotal,
            LatencySummary.Of(log.Where(r => r.ServerMs is not null).Select(r => r.ServerMs!.Value)),
            LatencySummary.Of(log.Where(r => r.ClientMs is not null).Select(r => r.ClientMs!.Value)),
            [.. buckets.OrderBy(b => b.Key).Select(b => new SecondBucket(b.Key, b.Value.Rotations, b.Value.Acked))],
            log);

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

        async Task RotateAsync(int index)
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

                records.Add((index, epoch, sentAt, clientMs));
                run.Fleet.Tracker.Forget(group.Id, epoch);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failed);
                run.CountFailure();
            }
            finally
            {
                Volatile.Write(ref busy[index], 0);
                run.Progress.Advance();
            }
        }
    }
}
