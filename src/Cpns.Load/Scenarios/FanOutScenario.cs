using System.Diagnostics;
using Cpns.Load.Fleet;
using Cpns.Load.Results;

namespace Cpns.Load.Scenarios;

/// <summary>
/// Scenario (a): one rotation of every group at once. The time is from the first rotate request to the last member
/// PNE's store of its new epoch; each group's own time is from its request to its last member.
/// </summary>
internal static class FanOutScenario
{
    public static async Task<FanOutResult> RunAsync(LoadRun run, IReadOnlyList<GroupPlan> groups, CancellationToken cancellationToken)
    {
        var deliveries = groups.Sum(g => g.Members.Count);
        run.Progress.Stage($"Fan-out: rotate {groups.Count} groups at once, {deliveries} PNE deliveries", deliveries);
        var start = Stopwatch.GetTimestamp();
        var tracked = new EpochProgress?[groups.Count];
        var epochs = new ulong[groups.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, groups.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(run.Settings.Parallelism, 16), CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    var epoch = await run.Api.RotateAsync(groups[i].Id, ct).ConfigureAwait(false);
                    var progress = run.Fleet.Tracker.Get(groups[i].Id, epoch);
                    progress.Expect(groups[i].Members.Count, sent);
                    tracked[i] = progress;
                    epochs[i] = epoch;
                }
                catch (HttpRequestException)
                {
                    run.CountFailure();
                }
            }).ConfigureAwait(false);

        var incomplete = 0;
        var deadline = TimeSpan.FromSeconds(run.Settings.RotationTimeoutSeconds);
        var waited = Stopwatch.StartNew();
        for (var i = 0; i < groups.Count; i++)
        {
            if (tracked[i] is not { } progress)
            {
                incomplete++;
                continue;
            }

            var left = deadline - waited.Elapsed;
            try
            {
                await progress.Done.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                groups[i].Epoch = epochs[i];
            }
            catch (TimeoutException)
            {
                incomplete++;
            }

            run.Progress.Advance(groups[i].Members.Count);
        }

        var complete = tracked.Where(p => p is { Seconds: not null }).Select(p => p!).ToList();
        var last = complete.Count == 0 ? start : complete.Max(p => p.LastTimestamp);
        var seconds = Stopwatch.GetElapsedTime(start, last).TotalSeconds;
        for (var i = 0; i < groups.Count; i++)
        {
            if (tracked[i] is not null)
            {
                run.Fleet.Tracker.Forget(groups[i].Id, epochs[i]);
            }
        }

        return new FanOutResult(
            groups.Count,
            groups.SelectMany(g => g.Members.Select(m => m.GatewayId)).Distinct(StringComparer.Ordinal).Count(),
            deliveries,
            seconds,
            seconds > 0 ? deliveries / seconds : 0,
            LatencySummary.Of(complete.Select(p => p.Seconds!.Value * 1000)),
            incomplete);
    }
}
