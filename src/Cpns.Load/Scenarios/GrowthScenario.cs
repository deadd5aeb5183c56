using System.Diagnostics;
using Cpns.Load.Results;

namespace Cpns.Load.Scenarios;

/// <summary>
/// Scenario (c): the fleet doubles from <see cref="LoadSettings.GrowthStart"/> to <see cref="LoadSettings.GrowthMax"/>
/// gateways. Each step adds gateways (with their PNEs) and groups covering the new gateways only, so the work per gateway
/// stays the same; then one fan-out of every group and a short sustained run, and the server's resident set and
/// handles, median over the sustained run.
/// </summary>
internal static class GrowthScenario
{
    /// <returns>Why the scenario stopped before the last step, or null.</returns>
    public static async Task<string?> RunAsync(LoadRun run, List<GrowthStep> steps, CancellationToken cancellationToken)
    {
        var settings = run.Settings;
        var groups = new List<GroupPlan>();
        var previous = 0;
        var stepDurations = new List<double>();
        for (var gateways = settings.GrowthStart; gateways <= settings.GrowthMax; gateways *= 2)
        {
            // Bounded in time: a step costs about twice the previous one; stop before one that cannot finish.
            var left = (settings.MaxMinutes * 60) - run.Clock.Elapsed.TotalSeconds;
            if (stepDurations.Count > 0 && stepDurations[^1] * 2.2 > left)
            {
                return $"the step to {gateways} gateways would not finish within the run's bound of {settings.MaxMinutes} min (the last step took {stepDurations[^1]:F0} s, {left:F0} s left)";
            }

            var stepClock = Stopwatch.StartNew();
            await run.Fleet.GrowAsync(gateways, settings.GrowthPnesPerGateway, settings.Parallelism, run.Progress, cancellationToken).ConfigureAwait(false);
            var added = gateways - previous;
            var perGroup = Math.Min(settings.GatewaysPerGroup, added);
            var plans = GroupLayout.Plan(groups.Count, (added + perGroup - 1) / perGroup, previous, added, perGroup, settings.GrowthMembersPerGateway, settings.GrowthPnesPerGateway);
            await run.SetupGroupsAsync(plans, cancellationToken).ConfigureAwait(false);
            groups.AddRange(plans);
            var setupSeconds = stepClock.Elapsed.TotalSeconds;

            var fanOut = await FanOutScenario.RunAsync(run, groups, cancellationToken).ConfigureAwait(false);
            var from = run.Clock.Elapsed.TotalSeconds;
            var (_, sustained) = await SustainedScenario.RunAsync(run, groups, settings.GrowthRotationsPerMinute, 0, settings.GrowthDurationSeconds, cancellationToken).ConfigureAwait(false);
            var samples = run.ServerSampler.Between(from, run.Clock.Elapsed.TotalSeconds);
            var load = await run.TakeSnapshotAsync(cancellationToken).ConfigureAwait(false);
            steps.Add(new GrowthStep(
                gateways,
                run.Fleet.PneCount,
                groups.Count,
                setupSeconds,
                fanOut.Seconds,
                fanOut.Deliveries,
                sustained.ServerMs.P50,
                sustained.ServerMs.P99,
                sustained.AcknowledgedPerSecond,
                fanOut.Incomplete,
                sustained.AcknowledgedDeliveries,
                sustained.ExpectedDeliveries,
                Median(samples.Select(s => s.ResidentBytes / (1024.0 * 1024))),
                (int)Median(samples.Select(s => (double)s.Handles)),
                load.ResidentBytes / (1024.0 * 1024)));
            run.Progress.Note($"growth: {gateways} gateways, fan-out {fanOut.Seconds:F2} s, p99 {sustained.ServerMs.P99:F0} ms, server {steps[^1].ServerMiB:F0} MiB");
            stepDurations.Add(stepClock.Elapsed.TotalSeconds);
            previous = gateways;
        }

        return null;
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
